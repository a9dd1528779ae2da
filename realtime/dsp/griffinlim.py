"""Inverse Mel and (fast) Griffin-Lim phase reconstruction in numpy: the offline renderer.

Shapes: features ``(n_mels, n_frames)`` -> waveform ``(note_samples,)`` float32.
Griffin-Lim is the quality reference the MCNN is measured against, not the real-time path.
"""

from __future__ import annotations

import numpy as np

from realtime.dsp.features import (
    FeatureConfig,
    feature_to_amplitude,
    hann_window,
    magnitude_scale,
    mel_filterbank,
    stft,
)


def mel_to_linear(mel: np.ndarray, cfg: FeatureConfig, n_iter: int = 50) -> np.ndarray:
    """Linear Mel magnitudes ``(..., n_mels, T)`` -> STFT magnitudes ``(..., n_bins, T)``.

    Non-negative least squares by multiplicative updates (Lee & Seung), started from the
    width-normalised transpose: cheap, never negative, and closer to the true spectrum of
    a harmonic note than a clipped pseudo-inverse.
    """
    fb = mel_filterbank(cfg).astype(np.float64)
    m = np.asarray(mel, dtype=np.float64)
    width = np.maximum(fb.sum(axis=1), 1e-9)
    lin = np.einsum("mf,...mt->...ft", fb, m / width[:, None]) + 1e-9
    target = np.einsum("mf,...mt->...ft", fb, m)
    for _ in range(n_iter):
        # fb.T @ (fb @ lin): two thin products instead of one (n_bins x n_bins) Gram matrix.
        approx = np.einsum("mf,...ft->...mt", fb, lin)
        lin *= target / (np.einsum("mf,...mt->...ft", fb, approx) + 1e-12)
    return (lin * magnitude_scale(cfg)).astype(np.float32)


def istft(spec: np.ndarray, cfg: FeatureConfig, length: int | None = None) -> np.ndarray:
    """Inverse of :func:`realtime.dsp.features.stft` by windowed overlap-add.

    ``(n_bins, T)`` complex -> ``(length,)`` float32 (default ``T * hop``).
    """
    n_frames = spec.shape[-1]
    win = hann_window(cfg.n_fft)
    frames = np.fft.irfft(spec.T, n=cfg.n_fft, axis=-1) * win
    pad = cfg.n_fft // 2
    total = cfg.n_fft + cfg.hop * (n_frames - 1)
    out = np.zeros(total, dtype=np.float64)
    norm = np.zeros(total, dtype=np.float64)
    win_sq = win.astype(np.float64) ** 2
    for t in range(n_frames):
        s = t * cfg.hop
        out[s : s + cfg.n_fft] += frames[t]
        norm[s : s + cfg.n_fft] += win_sq
    out = out / np.maximum(norm, 1e-8)
    n = length if length is not None else n_frames * cfg.hop
    y = out[pad : pad + n]
    if y.shape[0] < n:
        y = np.pad(y, (0, n - y.shape[0]))
    return y.astype(np.float32)


def griffin_lim(
    magnitude: np.ndarray,
    cfg: FeatureConfig,
    n_iter: int = 100,
    momentum: float = 0.99,
    seed: int = 0,
) -> np.ndarray:
    """Fast Griffin-Lim (Perraudin et al. 2013). ``(n_bins, T)`` magnitude -> waveform.

    ``momentum=0`` gives the classic algorithm; 0.99 converges in far fewer iterations.
    """
    rng = np.random.default_rng(seed)
    n = magnitude.shape[-1] * cfg.hop
    angles = np.exp(2j * np.pi * rng.random(magnitude.shape))
    prev = np.zeros_like(angles)
    y = istft(magnitude * angles, cfg, n)
    for _ in range(n_iter):
        rebuilt = stft(y, cfg)
        if rebuilt.shape[-1] < magnitude.shape[-1]:
            rebuilt = np.pad(rebuilt, ((0, 0), (0, magnitude.shape[-1] - rebuilt.shape[-1])))
        accel = rebuilt - (momentum / (1 + momentum)) * prev
        prev = rebuilt
        angles = accel / np.maximum(np.abs(accel), 1e-12)
        y = istft(magnitude * angles, cfg, n)
    return y


def features_to_audio(feat: np.ndarray, cfg: FeatureConfig, n_iter: int = 100) -> np.ndarray:
    """Log-Mel features ``(n_mels, n_frames)`` -> waveform ``(note_samples,)``."""
    mag = mel_to_linear(feature_to_amplitude(feat, cfg), cfg)
    return griffin_lim(mag, cfg, n_iter=n_iter)


def spectral_convergence(reference: np.ndarray, estimate: np.ndarray, cfg: FeatureConfig) -> float:
    """|| |S_ref| - |S_est| ||_F / || |S_ref| ||_F on the STFT magnitudes of two waveforms."""
    a = np.abs(stft(reference, cfg))
    b = np.abs(stft(estimate, cfg))
    return float(np.linalg.norm(a - b)) / max(float(np.linalg.norm(a)), 1e-12)


def log_spectral_distance(reference: np.ndarray, estimate: np.ndarray, cfg: FeatureConfig) -> float:
    """Mean over frames of the RMS dB difference between STFT power spectra (in dB)."""
    a = np.abs(stft(reference, cfg)) ** 2
    b = np.abs(stft(estimate, cfg)) ** 2
    diff = 10 * np.log10(np.maximum(a, 1e-10)) - 10 * np.log10(np.maximum(b, 1e-10))
    return float(np.mean(np.sqrt(np.mean(diff**2, axis=0))))
