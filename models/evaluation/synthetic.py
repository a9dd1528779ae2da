"""A synthetic note corpus for tests and smoke runs of the evaluation (no soundfont needed).

Each style is an additive-synthesis "instrument" with its own harmonic slope, odd/even
balance, envelope and playable range; dynamics change level and brightness. The attributes
are therefore learnable from log-Mel features, like real notes, but it takes seconds to build.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.data.store import NoteMeta, StoreWriter
from realtime.conditions import DYNAMICS
from realtime.dsp.features import FeatureConfig

# A small feature setting: 64 Mel bins, 32 frames (about 0.37 s): every test stays fast.
TINY_FEATURES = FeatureConfig(n_fft=512, hop=256, n_frames=32, n_mels=64, fmin=30.0)

# name -> (harmonic slope (dB / harmonic), even-harmonic gain, attack s, decay s, low, high)
_STYLES: dict[str, tuple[float, float, float, float, int, int]] = {
    "bright": (-1.5, 1.0, 0.005, 2.0, 48, 84),
    "hollow": (-4.0, 0.05, 0.04, 1.0, 50, 86),
    "pluck": (-3.0, 0.7, 0.002, 0.08, 40, 76),
    "swell": (-6.0, 0.5, 0.25, 3.0, 36, 72),
}
_DYN_DB = {"pp": -28.0, "mf": -14.0, "ff": -3.0}
_DYN_TILT = {"pp": -2.0, "mf": 0.0, "ff": 1.0}  # louder notes are brighter, as in real ones


def synth_note(pitch: int, style: str, dynamics: str, cfg: FeatureConfig, rng: np.random.Generator
               ) -> np.ndarray:
    """One note ``(cfg.note_samples,)`` float32 of a synthetic style."""
    slope, even, attack, decay, _, _ = _STYLES[style]
    sr, n = cfg.sample_rate, cfg.note_samples
    t = np.arange(n) / sr
    f0 = 440.0 * 2 ** ((pitch - 69) / 12) * (1 + rng.normal(0, 0.001))
    x = np.zeros(n)
    for k in range(1, 40):
        if k * f0 >= sr / 2 * 0.95:
            break
        gain_db = (slope + _DYN_TILT[dynamics]) * (k - 1)
        amp = 10 ** (gain_db / 20) * (even if k % 2 == 0 else 1.0)
        x += amp * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
    env = np.minimum(t / attack, 1.0) * np.exp(-t / decay)
    release = np.clip((n - np.arange(n)) / (0.05 * sr), 0.0, 1.0)
    x *= env * release
    x *= 10 ** (_DYN_DB[dynamics] / 20) / max(float(np.max(np.abs(x))), 1e-9)
    return x.astype(np.float32)


def style_names() -> tuple[str, ...]:
    return tuple(_STYLES)


def build_synthetic_corpus(
    out: str | Path, cfg: FeatureConfig = TINY_FEATURES, notes_per_style: int = 40, seed: int = 0
) -> Path:
    """Write a corpus folder (models.data.store format) of random synthetic notes."""
    rng = np.random.default_rng(seed)
    writer = StoreWriter(out, cfg, capacity=notes_per_style * len(_STYLES))
    for style, (*_, low, high) in _STYLES.items():
        for i in range(notes_per_style):
            pitch = int(rng.integers(low, high + 1))
            dyn = DYNAMICS[i % len(DYNAMICS)]
            meta = NoteMeta(
                id=f"synth-{style}-{i}", source="synthetic", pitch=pitch, instrument=style,
                technique="ord", style=style, dynamics=dyn,
            )
            writer.add(synth_note(pitch, style, dyn, cfg, rng), meta)
    writer.close({"synthetic": True, "notes_per_style": notes_per_style, "seed": seed},
                 styles=list(_STYLES))
    return Path(out)
