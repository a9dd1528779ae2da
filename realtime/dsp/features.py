"""Log-magnitude Mel spectrograms in numpy: the runtime's reference definition.

Shapes: a note is ``(note_samples,)`` float32 at ``sample_rate``; its features are
``(n_mels, n_frames)`` float32. Batches put a leading ``B`` axis on both.

The scaling is fixed and global, never per example, so that a pp note stays quieter
than an ff note in feature space (the dynamics condition depends on it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

EPS_AMPLITUDE = 1e-5  # -100 dB: the floor of the log-magnitude scale


@dataclass(frozen=True)
class FeatureConfig:
    """STFT / Mel settings. One instance travels with every dataset, run and model."""

    sample_rate: int = 22050
    n_fft: int = 2048
    hop: int = 256
    n_frames: int = 128
    n_mels: int = 256
    fmin: float = 30.0
    fmax: float = 11025.0
    db_floor: float = -100.0
    db_range: float = 100.0

    @property
    def note_samples(self) -> int:
        """Samples in one note: frames x hop (32768 = 1.49 s at the defaults)."""
        return self.n_frames * self.hop

    @property
    def n_bins(self) -> int:
        return self.n_fft // 2 + 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureConfig:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


PRESETS: dict[str, FeatureConfig] = {
    # 256 Mel bins: half the paper's 500 (the decoder output and the MCNN input halve),
    # while Griffin-Lim on harmonic notes keeps most of the paper's quality; 128 bins lose
    # the upper harmonics (spectral convergence 0.34 vs 0.10 vs 0.06 on a 220 Hz tone,
    # measured by `waefader dataset gla`; see docs/FEATURES.md).
    "default": FeatureConfig(),
    # The paper's exact settings (Bitton et al. 2019, section 4.1).
    "paper": FeatureConfig(n_mels=500),
    # Full band for libraries with air above 11 kHz: 44.1 kHz, everything in time doubled
    # (the same 93 ms window, 11.6 ms frames and 1.49 s notes, so the same decoder shape),
    # 256 Mel bands up to 22,050 Hz (docs/FEATURES.md).
    "fullband": FeatureConfig(sample_rate=44100, n_fft=4096, hop=512, fmax=22050.0),
}


def preset(name: str) -> FeatureConfig:
    """The named feature preset; raises ValueError listing the known names."""
    if name not in PRESETS:
        raise ValueError(f"unknown feature preset {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[name]


def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    lin = f / f_sp
    log = min_log_hz / f_sp + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep
    return np.where(f >= min_log_hz, log, lin)


def mel_to_hz(m: np.ndarray | float) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


@lru_cache(maxsize=8)
def _mel_filterbank_cached(cfg: FeatureConfig) -> np.ndarray:
    fft_hz = np.linspace(0.0, cfg.sample_rate / 2, cfg.n_bins)
    edges = mel_to_hz(np.linspace(hz_to_mel(cfg.fmin), hz_to_mel(cfg.fmax), cfg.n_mels + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (fft_hz[None, :] - lo) / np.maximum(mid - lo, 1e-9)
    down = (hi - fft_hz[None, :]) / np.maximum(hi - mid, 1e-9)
    # Unit-height triangles: a sinusoid inside one filter keeps its amplitude, so the dB
    # scale reads like a level meter.
    fb = np.maximum(0.0, np.minimum(up, down)).astype(np.float32)
    fb.setflags(write=False)
    return fb


def mel_filterbank(cfg: FeatureConfig) -> np.ndarray:
    """Triangular Mel filters, shape ``(n_mels, n_bins)``, read-only."""
    return _mel_filterbank_cached(cfg)


@lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    w = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    w.setflags(write=False)
    return w


def hann_window(n_fft: int) -> np.ndarray:
    """Periodic Hann window (the same as ``torch.hann_window(n_fft)``)."""
    return _window(n_fft)


def stft(x: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Centred STFT. ``(..., samples)`` -> complex ``(..., n_bins, n_frames)``.

    Reflect padding of n_fft/2 on both sides; only the first ``n_frames`` frames are kept,
    so a ``note_samples`` note gives exactly ``n_frames`` frames.
    """
    pad = cfg.n_fft // 2
    x = np.asarray(x, dtype=np.float32)
    widths = [(0, 0)] * (x.ndim - 1) + [(pad, pad)]
    xp = np.pad(x, widths, mode="reflect")
    n = 1 + (xp.shape[-1] - cfg.n_fft) // cfg.hop
    frames = np.lib.stride_tricks.sliding_window_view(xp, cfg.n_fft, axis=-1)[..., :: cfg.hop, :]
    frames = frames[..., : min(n, cfg.n_frames), :] * hann_window(cfg.n_fft)
    spec = np.fft.rfft(frames, axis=-1)
    return np.swapaxes(spec, -1, -2)


def magnitude_scale(cfg: FeatureConfig) -> float:
    """Divides |STFT| so that a full-scale sinusoid reads about 1.0 (0 dB)."""
    return float(hann_window(cfg.n_fft).sum() / 2)


def mel_magnitude(x: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Linear Mel magnitudes. ``(..., samples)`` -> ``(..., n_mels, n_frames)``."""
    mag = np.abs(stft(x, cfg)) / magnitude_scale(cfg)
    return np.einsum("mf,...ft->...mt", mel_filterbank(cfg), mag.astype(np.float32))


def amplitude_to_feature(mel: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Linear magnitude -> fixed-scale log feature (0 at -100 dB, 1 at 0 dB)."""
    db = 20.0 * np.log10(np.maximum(mel, EPS_AMPLITUDE))
    return ((db - cfg.db_floor) / cfg.db_range).astype(np.float32)


def feature_to_amplitude(feat: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Inverse of :func:`amplitude_to_feature` (values at the floor map to ~0)."""
    db = np.asarray(feat, dtype=np.float32) * cfg.db_range + cfg.db_floor
    return np.power(10.0, db / 20.0).astype(np.float32)


def log_mel(x: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Note audio -> features. ``(..., note_samples)`` -> ``(..., n_mels, n_frames)``."""
    return amplitude_to_feature(mel_magnitude(x, cfg), cfg)
