"""Transform mode with a trained model: an octave up or down moves the pitch by an octave
and the spectral centroid as the corpus's octaves do; the reconstruction is closer to the
source than another note. (A style change judged by the evaluation's judges:
tests/models/test_transform_check.py and ``python -m models.evaluation.transform_check``.)

The model is the shipped default (``realtime/default_model``), or ``$WAEFADER_TRAINED_MODEL``.
An untrained model cannot show any of this, so without a trained model these tests skip;
the plumbing they rely on is tested precisely on the tiny model
(tests/realtime/test_transform_core.py), and the judges' view on unseen notes is
``python -m models.evaluation.transform_check`` (figures in docs/TRANSFORM.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from transform_kit import SR, harmonic_note

from realtime.dsp.features import log_mel
from realtime.model import DEFAULT_MODEL_DIR, OnnxSynth, load_model
from realtime.transform import Edits, SourceHints, encode_note, render_variants, transform_note
from realtime.transform.pitch import estimate_pitch


def trained_dir() -> Path | None:
    env = os.environ.get("WAEFADER_TRAINED_MODEL")
    if env:
        return Path(env)
    return DEFAULT_MODEL_DIR if (DEFAULT_MODEL_DIR / "manifest.json").is_file() else None


@pytest.fixture(scope="module")
def synth() -> OnnxSynth:
    path = trained_dir()
    if path is None:
        pytest.skip("no trained model: the shipped default model is not installed")
    return load_model(path)


def centroid(x: np.ndarray, sr: int) -> float:
    """Power-weighted mean frequency of the note's first half second (Hz)."""
    power = np.abs(np.fft.rfft(x[: sr // 2] * np.hanning(sr // 2))) ** 2
    freqs = np.fft.rfftfreq(sr // 2, 1 / sr)
    return float((power * freqs).sum() / power.sum())


def source_note(synth: OnnxSynth, style: str, pitch: int) -> np.ndarray:
    """A note the model itself made (z = 0, mf): surely inside what its encoder knows."""
    enc = encode_note(synth, harmonic_note(pitch, peak=0.08), SR,
                      SourceHints(pitch=pitch, style=style, velocity=80))  # fmt: skip
    _, audio = render_variants(synth, enc, [Edits(latent_scale=0.0)])
    return audio[0]


def in_range(synth: OnnxSynth, style: str, pitch: int) -> bool:
    lo, hi = synth.style_ranges[style]
    return lo <= pitch <= hi


CASES = [("cello", 50), ("flute", 72), ("violin", 69), ("trumpet", 64), ("clarinet", 60)]


def octave_notes(synth: OnnxSynth) -> dict[tuple[str, int], np.ndarray]:
    """(style, shift) -> the note transposed by shift in -12, 0, 12 (inside the range)."""
    out = {}
    for style, pitch in CASES:
        if style not in synth.style_names:
            continue
        src = source_note(synth, style, pitch)
        hints = SourceHints(pitch=pitch, style=style, velocity=80)
        for shift in (-12, 0, 12):
            if in_range(synth, style, pitch + shift):
                out[style, shift] = transform_note(synth, src, SR, Edits(transpose=shift), hints)
    return out


def test_octave_up_and_down_moves_the_pitch(synth: OnnxSynth) -> None:
    notes = octave_notes(synth)
    assert len(notes) >= 9
    for (style, shift), r in notes.items():
        est = estimate_pitch(r.transformed, synth.sample_rate)  # the output is at the model's rate
        assert est is not None and est.nearest == r.target.pitch, (style, shift, est)
        assert r.target.pitch == r.source.attributes.pitch + shift


def test_octave_up_moves_the_centroid_as_the_corpus_does(synth: OnnxSynth) -> None:
    """In the corpus itself an octave up moves the power centroid by x1.33 (median over
    1,080 same-instrument, same-dynamics octave pairs; 5-95 %: x0.83-x2.89): the body of
    an instrument does not move with its pitch. The transposed notes must move like that:
    every octave pair within x0.8-x3.5, their geometric mean above x1.2."""
    notes = octave_notes(synth)
    ratios = []
    for (style, shift), r in notes.items():
        lower = notes.get((style, shift - 12))
        if lower is not None:
            sr = synth.sample_rate
            ratios.append(centroid(r.transformed, sr) / centroid(lower.transformed, sr))
    assert len(ratios) >= 6
    assert all(0.8 < q < 3.5 for q in ratios), ratios
    assert float(np.exp(np.mean(np.log(ratios)))) > 1.2, ratios


def test_reconstruction_is_closer_than_another_note(synth: OnnxSynth) -> None:
    cfg = synth.manifest.features
    for style, pitch in (("cello", 48), ("flute", 76)):
        if style not in synth.style_names:
            continue
        src = source_note(synth, style, pitch)
        r = transform_note(synth, src, SR, hints=SourceHints(pitch, style, 80))
        other = transform_note(synth, src, SR, Edits(transpose=7),
                               SourceHints(pitch, style, 80)).transformed  # fmt: skip
        f = log_mel(r.original, cfg)
        d_rec = float(np.mean(np.abs(log_mel(r.reconstruction, cfg) - f)))
        d_other = float(np.mean(np.abs(log_mel(other, cfg) - f)))
        assert d_rec < d_other, (style, d_rec, d_other)
