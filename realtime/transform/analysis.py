"""Estimating the source note's attributes: pitch from the audio, style and dynamics by
analysis-by-synthesis.

The WAE-Fader's encoder is trained to leave the attributes out of z (the Fader
discriminator), so z alone does not say which style or dynamics the note had. Instead:
render the encoded z with every style x dynamics one-hot at the note's pitch and keep the
pair whose features are closest to the input's (mean absolute difference of the log-Mel,
i.e. dB / 100). Any attribute the user gives (``SourceHints``) is not searched.
Cost: S x 3 renders, batched (21 styles: 63 notes, about a quarter of a second).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from realtime.conditions import DYNAMIC_VELOCITIES, N_OCTAVES, N_PITCH_CLASSES, note_weights
from realtime.dsp.features import FeatureConfig, log_mel
from realtime.transform.edits import NoteAttributes, SourceHints, check_pitch, dynamics_name
from realtime.transform.errors import TransformError
from realtime.transform.pitch import PitchEstimate, estimate_pitch
from realtime.transform.synth import EncoderSynth

BATCH = 16  # notes per model call (bounds the memory of the feature comparison)


@dataclass(frozen=True)
class SourceEstimate:
    """The source note's attributes and how they were found.

    ``given``: the attributes the user gave (pitch, style, dynamics), not estimated;
    ``pitch``: the audio's pitch estimate (None when the pitch was given);
    ``scores``: feature distance of every (style, dynamics) candidate tried, best first;
    ``distance``: the chosen candidate's distance (0 would be a perfect re-synthesis).
    """

    attributes: NoteAttributes
    given: tuple[str, ...] = ()
    pitch: PitchEstimate | None = None
    scores: tuple[tuple[str, str, float], ...] = field(default=())
    distance: float = float("nan")

    def describe(self, style_names: Sequence[str]) -> dict[str, object]:
        out = self.attributes.describe(style_names)
        out["given"] = list(self.given)
        if self.pitch is not None:
            out["pitch_hz"] = round(self.pitch.hz, 2)
            out["pitch_cents"] = round(self.pitch.cents, 1)
            out["pitch_voiced"] = round(self.pitch.voiced, 3)
        if np.isfinite(self.distance):
            out["feature_distance"] = round(self.distance, 5)
        return out


def analysis_features(cfg: FeatureConfig) -> FeatureConfig:
    """A coarse log-Mel for the comparison: a quarter of the frames (hop x4, window
    1024 at 22 kHz) and a quarter of the bands, same scale. Styles and dynamics differ in
    envelope and spectral balance, not in fine detail; this is ~8x less work per
    candidate than the model's features (measured accuracy: docs/TRANSFORM.md)."""
    return replace(
        cfg,
        n_fft=max(cfg.n_fft // 2, 256),
        hop=cfg.hop * 4,
        n_frames=max(cfg.n_frames // 4, 1),
        n_mels=max(cfg.n_mels // 4, 16),
    )


def conditions(
    attrs: Sequence[NoteAttributes], n_styles: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """B notes' attributes -> pitch class (B, 12), octave (B, 9), style (B, S), dynamics
    (B, 3) float32, the synth's condition inputs after z."""
    b = len(attrs)
    pc = np.zeros((b, N_PITCH_CLASSES), np.float32)
    octv = np.zeros((b, N_OCTAVES), np.float32)
    style = np.zeros((b, n_styles), np.float32)
    dyn = np.zeros((b, 3), np.float32)
    for i, a in enumerate(attrs):
        pc[i], octv[i] = note_weights(a.pitch)
        style[i] = a.style
        dyn[i] = a.dynamics
    return pc, octv, style, dyn


def render_notes(synth: EncoderSynth, z: np.ndarray, attrs: Sequence[NoteAttributes]) -> np.ndarray:
    """Render ``z (L,)`` (one latent point for all) or ``(B, L)`` with B attribute sets ->
    ``(B, note_samples)`` float32, in batches of :data:`BATCH`."""
    zs = np.broadcast_to(np.asarray(z, np.float32), (len(attrs), synth.latent_dim))
    out = []
    for s in range(0, len(attrs), BATCH):
        chunk = attrs[s : s + BATCH]
        conds = conditions(chunk, len(synth.style_names))
        out.append(synth.render(np.ascontiguousarray(zs[s : s + len(chunk)]), *conds))
    return np.concatenate(out) if out else np.zeros((0, synth.note_samples), np.float32)


def source_pitch(
    note: np.ndarray, sample_rate: int, hint: int | None
) -> tuple[int, PitchEstimate | None]:
    """The source's MIDI pitch: the hint, else the YIN estimate rounded to a semitone."""
    if hint is not None:
        return hint, None
    est = estimate_pitch(note, sample_rate)
    if est is None:
        raise TransformError(
            "no clear pitch found in the note (noise, a chord or a click?); "
            "give it with --source-pitch"
        )
    pitch = est.nearest
    check_pitch(pitch, "estimated source pitch")
    return pitch, est


def estimate_source(
    synth: EncoderSynth,
    note: np.ndarray,
    z: np.ndarray,
    hints: SourceHints | None = None,
    coarse: bool = True,
) -> SourceEstimate:
    """Attributes of the prepared ``note (note_samples,)`` that encoded to ``z (L,)``.
    ``coarse``: compare in :func:`analysis_features` (else the model's own features)."""
    hints = hints or SourceHints()
    names = synth.style_names
    pitch, est = source_pitch(note, synth.sample_rate, hints.pitch)
    given = tuple(
        k
        for k, v in (("pitch", hints.pitch), ("style", hints.style), ("dynamics", hints.velocity))
        if v is not None
    )
    styles = [hints.style] if hints.style is not None else list(names)
    for s in styles:
        if s not in names:
            raise TransformError(
                f"unknown source style {s!r}; this model's styles: {', '.join(names)}"
            )
    velocities = (
        [hints.velocity] if hints.velocity is not None else list(DYNAMIC_VELOCITIES.values())
    )
    grid = [
        NoteAttributes(pitch, tuple(float(n == s) for n in names), float(v))
        for s in styles
        for v in velocities
    ]
    if len(grid) == 1:
        return SourceEstimate(grid[0], given, est)
    audio = render_notes(synth, z, grid)
    cfg = analysis_features(synth.manifest.features) if coarse else synth.manifest.features
    features = log_mel(note, cfg)
    dist = np.concatenate(
        [
            np.mean(np.abs(log_mel(audio[s : s + BATCH], cfg) - features[None]), axis=(1, 2))
            for s in range(0, len(grid), BATCH)
        ]
    )
    order = np.argsort(dist, kind="stable")
    labels = [(s, dynamics_name(v)) for s in styles for v in velocities]
    scores = tuple((labels[i][0], labels[i][1], round(float(dist[i]), 6)) for i in order)
    best = int(order[0])
    return SourceEstimate(grid[best], given, est, scores, float(dist[best]))
