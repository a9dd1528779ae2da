"""Transform one note: prepare the audio, encode it, estimate its attributes, re-render it.

``transform_note(synth, audio, sr, edits)`` is the whole effect for audio already in
memory; ``transform_file`` reads a file first; ``transform_files`` does many, yielding each
file's result or the reason it was skipped. The two halves can be called apart:
``encode_note`` / ``encode_file`` (prepare, encode, estimate the source: the slow part) and
``transform_encoded`` / ``render_variants`` (render with edits: one batched model call).
The result holds three notes at the model's rate, each ``(note_samples,)`` float32:

- ``original``: the input, mixed to mono, resampled, trimmed to its onset and cut or
  padded to the model's note length (what the encoder saw);
- ``reconstruction``: z rendered with the source's own attributes (what the model makes
  of the note unchanged; its distance to the original is the model's error on it);
- ``transformed``: z x latent_scale rendered with the requested attributes.

Plus the encoded z and the source / target attributes, so a GUI or the OSC server can hand
them to the engine (:mod:`realtime.transform.play`). No torch anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from realtime.dsp.audio_io import (
    NOTE_LIMITS,
    SILENCE_DBFS,
    AudioError,
    fit_length,
    peak_dbfs,
    read_audio,
    resample,
    to_mono,
    trim_to_onset,
)
from realtime.dsp.features import log_mel
from realtime.transform.analysis import SourceEstimate, estimate_source, render_notes
from realtime.transform.edits import Edits, NoteAttributes, SourceHints
from realtime.transform.errors import TransformError
from realtime.transform.synth import EncoderSynth

MIN_NOTE_S = 0.1  # shorter than this after the onset: no note to speak of (and < 1 FFT)


@dataclass(frozen=True)
class TransformResult:
    """One transformed note (see the module docstring). ``z (L,)`` is the encoded point;
    the transformed note was rendered from ``z * latent_scale``."""

    original: np.ndarray
    reconstruction: np.ndarray
    transformed: np.ndarray
    z: np.ndarray
    latent_scale: float
    source: SourceEstimate
    target: NoteAttributes
    style_names: tuple[str, ...]
    sample_rate: int

    @property
    def z_target(self) -> np.ndarray:
        return (self.z * np.float32(self.latent_scale)).astype(np.float32)

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures (no audio): attributes, z, levels."""
        return {
            "sample_rate": self.sample_rate,
            "note_samples": int(self.transformed.shape[0]),
            "source": self.source.describe(self.style_names),
            "target": self.target.describe(self.style_names),
            "latent_scale": self.latent_scale,
            "z": [round(float(v), 5) for v in self.z],
            "peak_dbfs": {
                "original": round(peak_dbfs(self.original), 2),
                "reconstruction": round(peak_dbfs(self.reconstruction), 2),
                "transformed": round(peak_dbfs(self.transformed), 2),
            },
        }


def prepare_note(
    audio: np.ndarray, sample_rate: int, model_rate: int, note_samples: int, gain_db: float = 0.0
) -> np.ndarray:
    """Any note -> the model's input note ``(note_samples,)`` float32 at ``model_rate``.

    ``audio``: ``(samples,)`` or ``(samples, channels)`` at ``sample_rate``. Mixed to mono,
    resampled (soxr), scaled by ``gain_db``, trimmed to its onset (10 ms before the first
    sample within 40 dB of the peak) and cut (with a fade) or zero-padded. Raises
    TransformError for empty, non-finite, silent or too short audio.
    """
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim not in (1, 2) or x.shape[0] == 0 or x.size == 0:
        raise TransformError("no samples (empty or truncated audio)")
    if not np.all(np.isfinite(x)):
        raise TransformError("audio contains NaN or infinite samples")
    lim = NOTE_LIMITS
    if not lim.min_rate <= sample_rate <= lim.max_rate:
        raise TransformError(
            f"sample rate {sample_rate} Hz outside {lim.min_rate}..{lim.max_rate} Hz"
        )
    if x.shape[0] > lim.max_seconds * sample_rate or x.size > lim.max_samples:
        raise TransformError(f"longer than {lim.max_seconds:g} s; give one note")
    x = resample(to_mono(x), int(sample_rate), model_rate) * np.float32(10 ** (gain_db / 20))
    if peak_dbfs(x) < SILENCE_DBFS:
        raise TransformError(f"silent (peak {peak_dbfs(x):.0f} dBFS, below {SILENCE_DBFS:.0f})")
    x = trim_to_onset(x)
    if x.shape[0] < MIN_NOTE_S * model_rate:
        raise TransformError(
            f"too short: {1000 * x.shape[0] / model_rate:.0f} ms from the onset to the end, "
            f"at least {1000 * MIN_NOTE_S:.0f} ms needed"
        )
    return fit_length(x, note_samples)


@dataclass(frozen=True)
class EncodedNote:
    """A source note ready to re-render: the prepared ``original (note_samples,)``, its
    ``features (n_mels, n_frames)``, the encoded ``z (L,)`` and its estimated attributes.
    Encode once, then render as many variants as wanted (a GUI moving faders)."""

    original: np.ndarray
    features: np.ndarray
    z: np.ndarray
    source: SourceEstimate


def encode_note(
    synth: EncoderSynth,
    audio: np.ndarray,
    sample_rate: int,
    hints: SourceHints | None = None,
    gain_db: float = 0.0,
) -> EncodedNote:
    """Prepare (see :func:`prepare_note` for ``audio``), encode and analyse a note."""
    note = prepare_note(audio, sample_rate, synth.sample_rate, synth.note_samples, gain_db)
    features = log_mel(note, synth.manifest.features)
    z = np.asarray(synth.encode(features[None])[0], dtype=np.float32)
    source = estimate_source(synth, note, z, hints)
    return EncodedNote(original=note, features=features, z=z, source=source)


def render_variants(
    synth: EncoderSynth, encoded: EncodedNote, edits: Sequence[Edits]
) -> tuple[list[NoteAttributes], np.ndarray]:
    """Each edit's target attributes and its note, ``(len(edits), note_samples)``,
    rendered in batches."""
    targets = [e.apply(encoded.source.attributes, synth.style_names) for e in edits]
    zs = np.stack([encoded.z * np.float32(e.latent_scale) for e in edits])
    return targets, render_notes(synth, zs, targets)


def transform_encoded(
    synth: EncoderSynth, encoded: EncodedNote, edits: Edits | None = None
) -> TransformResult:
    """Reconstruction and transformed note of an encoded note (one batched render)."""
    edits = edits or Edits()
    target = edits.apply(encoded.source.attributes, synth.style_names)
    if target == encoded.source.attributes and edits.latent_scale == 1.0:
        recon = out = render_notes(synth, encoded.z, [target])[0]  # nothing changes: one note
    else:
        zs = np.stack([encoded.z, encoded.z * np.float32(edits.latent_scale)])
        recon, out = render_notes(synth, zs, [encoded.source.attributes, target])
    return TransformResult(
        original=encoded.original,
        reconstruction=recon,
        transformed=out,
        z=encoded.z,
        latent_scale=edits.latent_scale,
        source=encoded.source,
        target=target,
        style_names=tuple(synth.style_names),
        sample_rate=synth.sample_rate,
    )


def transform_note(
    synth: EncoderSynth,
    audio: np.ndarray,
    sample_rate: int,
    edits: Edits | None = None,
    hints: SourceHints | None = None,
    gain_db: float = 0.0,
) -> TransformResult:
    """The whole effect on audio in memory (see :func:`prepare_note` for ``audio``)."""
    encoded = encode_note(synth, audio, sample_rate, hints, gain_db)
    return transform_encoded(synth, encoded, edits)


def read_note_audio(path: str | Path | BinaryIO) -> tuple[np.ndarray, int]:
    """A file's (a path or a binary file object) samples ``(samples, channels)`` and rate,
    within ``NOTE_LIMITS`` (checked before decoding); TransformError with the reason."""
    try:
        return read_audio(path, NOTE_LIMITS)
    except AudioError as exc:
        raise TransformError(_short_reason(str(exc))) from None


def _short_reason(text: str) -> str:
    """libsndfile's messages repeat the path (``Error opening 'x': Format not
    recognised.``); the caller names the file already, so keep the reason only."""
    for sep in ("': ", ">: "):  # a path in quotes, or a file object
        if text.startswith("unreadable audio") and sep in text:
            return f"not readable as audio ({text.rsplit(sep, 1)[1].rstrip(').')})"
    return text


def encode_file(
    synth: EncoderSynth,
    path: str | Path | BinaryIO,
    hints: SourceHints | None = None,
    gain_db: float = 0.0,
) -> EncodedNote:
    """:func:`encode_note` of an audio file (any format libsndfile reads, rate, channels)."""
    audio, sr = read_note_audio(path)
    return encode_note(synth, audio, sr, hints, gain_db)


def transform_file(
    synth: EncoderSynth,
    path: str | Path | BinaryIO,
    edits: Edits | None = None,
    hints: SourceHints | None = None,
    gain_db: float = 0.0,
) -> TransformResult:
    """The effect on an audio file (any format libsndfile reads, any rate and channels)."""
    return transform_encoded(synth, encode_file(synth, path, hints, gain_db), edits)


def transform_files(
    synth: EncoderSynth,
    paths: Iterable[Path],
    edits: Edits | None = None,
    hints: SourceHints | None = None,
    gain_db: float = 0.0,
) -> Iterator[tuple[Path, TransformResult | TransformError]]:
    """Each file's result, or the TransformError saying why it was skipped."""
    for path in paths:
        try:
            yield path, transform_file(synth, path, edits, hints, gain_db)
        except TransformError as exc:
            yield path, exc
