"""Tiny synthetic corpora for the model tests (written with the real StoreWriter).

Notes are harmonic tones whose partial weights depend on the style and whose level
depends on the dynamics, so every label leaves a trace in the features.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.data.store import NoteMeta, StoreWriter
from realtime.dsp.features import FeatureConfig

# Small features keep every test in seconds: 32 Mel bins, 16 frames of hop 64.
TINY_FEATURES = FeatureConfig(
    sample_rate=8000, n_fft=256, hop=64, n_frames=16, n_mels=32, fmax=4000.0
)
LEVELS = {"pp": 0.05, "mf": 0.2, "ff": 0.6}


def tone(
    pitch: int, style: int, dyn: str, cfg: FeatureConfig, rng: np.random.Generator
) -> np.ndarray:
    t = np.arange(cfg.note_samples) / cfg.sample_rate
    f0 = 440.0 * 2 ** ((pitch - 69) / 12)
    x = np.zeros_like(t)
    for k in range(1, 6):
        if f0 * k < cfg.sample_rate / 2:
            weight = (1.0 / k) if style == 0 else (1.0 / k**2 if style == 1 else float(k % 2))
            x += weight * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi))
    env = np.exp(-t * (2.0 + 6.0 * style)) * np.minimum(1.0, t * 200)
    x = x * env / max(np.abs(x).max(), 1e-6)
    return (LEVELS[dyn] * x).astype(np.float32)


def make_corpus(
    root: Path,
    n: int = 60,
    styles: tuple[str, ...] = ("soft", "bright", "hollow"),
    cfg: FeatureConfig = TINY_FEATURES,
    seed: int = 0,
) -> Path:
    rng = np.random.default_rng(seed)
    w = StoreWriter(root, cfg, capacity=n)
    for i in range(n):
        pitch = int(rng.integers(48, 84))
        s = i % len(styles)
        dyn = ("pp", "mf", "ff")[int(rng.integers(0, 3))]
        meta = NoteMeta(
            id=f"n{i}",
            source="synth",
            pitch=pitch,
            instrument="synth",
            technique=styles[s],
            style=styles[s],
            dynamics=dyn,
        )
        w.add(tone(pitch, s, dyn, cfg, rng), meta)
    w.close({"source": "tests/models/synth_corpus.py", "n": n}, styles)
    return root
