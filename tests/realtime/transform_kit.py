"""Helpers for the transform tests: corpus-like notes and a renderer that records its calls."""

from __future__ import annotations

from typing import Any

import numpy as np

SR = 22050
NOTE = 32768


def harmonic_note(
    midi: float,
    sample_rate: int = SR,
    seconds: float = NOTE / SR,
    peak: float = 0.2,
    lead_s: float = 0.0,
    vibrato_cents: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """A corpus-like note ``(samples,)``: 12 harmonics with a 1/k slope, 10 ms attack,
    held then released at 1.0 s (as the corpus recipe), optional vibrato and lead silence."""
    rng = np.random.default_rng(seed)
    n = round(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    phase_f = f0 * (1 + (2 ** (vibrato_cents / 1200) - 1) * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(phase_f) / sample_rate
    x = np.zeros(n)
    for k in range(1, 13):
        if k * f0 < sample_rate / 2 * 0.9:
            x += np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k
    env = np.minimum(t / 0.01, 1.0) * np.where(t < 1.0, 1.0, np.exp(-(t - 1.0) / 0.08))
    x *= env
    x *= peak / np.max(np.abs(x))
    lead = np.zeros(int(lead_s * sample_rate))
    return np.concatenate([lead, x]).astype(np.float32)


class RecordingSynth:
    """Wraps an OnnxSynth: every render call's inputs are kept in ``calls``."""

    def __init__(self, synth: Any) -> None:
        self._synth = synth
        self.calls: list[tuple[np.ndarray, ...]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._synth, name)

    def render(self, *inputs: np.ndarray) -> np.ndarray:
        self.calls.append(tuple(np.array(a, copy=True) for a in inputs))
        return self._synth.render(*inputs)  # type: ignore[no-any-return]

    @property
    def last(self) -> tuple[np.ndarray, ...]:
        return self.calls[-1]


class OtherModel:
    """A stand-in renderer of another model (styles oboe, horn; latent size 3): silence."""

    sample_rate = SR
    note_samples = NOTE
    latent_dim = 3
    style_names = ("oboe", "horn")

    def render(self, z: np.ndarray, *conditions: np.ndarray) -> np.ndarray:
        return np.zeros((z.shape[0], NOTE), np.float32)
