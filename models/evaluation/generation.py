"""Conditional generation, judged: z from the prior, random notes, every style.

Two note regimes, as in the paper's study: octaves 3-4 (MIDI 48-71, where most styles
play) and each style's full playable range from the corpus card. A requested note always
lies inside its style's range, so a judge is never asked about a bassoon at C7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.evaluation.judges import ATTRIBUTES, Judges
from models.evaluation.subjects import Conditions, EvalModel
from realtime.conditions import N_DYNAMICS, N_OCTAVES

REGIMES = {"octaves_3_4": (48, 71), "full_range": (0, 127)}
DEFAULT_RANGE = (48, 71)


@dataclass(frozen=True)
class NoteBatch:
    """Requested notes: MIDI ``pitch``, ``style`` index and ``dynamics`` index, each ``(N,)``."""

    pitch: np.ndarray
    style: np.ndarray
    dynamics: np.ndarray

    def labels(self) -> dict[str, np.ndarray]:
        return {
            "pitch_class": self.pitch % 12,
            "octave": np.clip(self.pitch // 12 - 1, 0, N_OCTAVES - 1),
            "style": self.style,
            "dynamics": self.dynamics,
        }

    def conditions(self, n_styles: int) -> Conditions:
        return Conditions.one_hot(self.pitch, self.style, self.dynamics, n_styles)


def playable(style: str, ranges: dict[str, list[int]], regime: str) -> tuple[int, int]:
    """MIDI range ``(low, high)`` to draw notes of ``style`` from under ``regime``."""
    lo, hi = ranges.get(style, DEFAULT_RANGE)
    rlo, rhi = REGIMES[regime]
    clo, chi = max(lo, rlo), min(hi, rhi)
    # A style that never reaches octaves 3-4 keeps its own range rather than being dropped.
    return (clo, chi) if clo <= chi else (lo, hi)


def random_notes(styles: tuple[str, ...], ranges: dict[str, list[int]], per_style: int,
                 regime: str, rng: np.random.Generator) -> NoteBatch:
    """``per_style`` random notes for every style (uniform pitch in range, random dynamics)."""
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}; known: {', '.join(REGIMES)}")
    pitch, style = [], []
    for i, name in enumerate(styles):
        lo, hi = playable(name, ranges, regime)
        pitch.append(rng.integers(lo, hi + 1, per_style))
        style.append(np.full(per_style, i))
    n = per_style * len(styles)
    return NoteBatch(np.concatenate(pitch).astype(np.int64), np.concatenate(style).astype(np.int64),
                     rng.integers(0, N_DYNAMICS, n).astype(np.int64))


def prior_z(n: int, latent_dim: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, L)`` samples of the isotropic Gaussian prior."""
    return rng.standard_normal((n, latent_dim)).astype(np.float32)


@dataclass(frozen=True)
class GenerationResult:
    features: np.ndarray  # (N, n_mels, T) decoded notes
    notes: NoteBatch
    accuracy: dict[str, float]  # attribute -> fraction the judges agree with the request
    style_accuracy: dict[str, float]  # style name -> style accuracy on that style's notes


def generate(model: EvalModel, notes: NoteBatch, rng: np.random.Generator) -> np.ndarray:
    """Decode the requested notes from prior samples: features ``(N, n_mels, T)``."""
    z = prior_z(len(notes.pitch), model.latent_dim, rng)
    return model.decode(z, notes.conditions(len(model.styles)))


def judge_generation(model: EvalModel, judges: Judges, notes: NoteBatch,
                     rng: np.random.Generator) -> GenerationResult:
    """Generate the notes and measure, per attribute, how often the judges agree."""
    feats = generate(model, notes, rng)
    labels = notes.labels()
    acc = judges.accuracy(feats, labels)
    pred = judges.predict(feats)["style"]
    per_style = {
        name: float(np.mean(pred[notes.style == i] == i))
        for i, name in enumerate(model.styles) if np.any(notes.style == i)
    }
    return GenerationResult(feats, notes, {a: acc[a] for a in ATTRIBUTES}, per_style)
