"""Reconstruction metrics: log-Mel L1, spectral convergence, log-spectral distance.

Two domains, same three numbers (the keys of ``reconstruction`` in report.json):
- features (what the decoder outputs): computed on the Mel spectrogram itself;
- audio (what a renderer outputs): computed on STFT magnitudes of the waveforms, with the
  Griffin-Lim module's definitions, plus the log-Mel L1 of the rendered audio's features.
Shapes: features ``(B, n_mels, T)``; audio ``(B, note_samples)``. Results are means over B.
"""

from __future__ import annotations

import numpy as np

from realtime.dsp.features import FeatureConfig, feature_to_amplitude, log_mel
from realtime.dsp.griffinlim import log_spectral_distance, spectral_convergence

KEYS = ("mel_l1", "spectral_convergence", "lsd_db")


def mel_l1(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Mean absolute difference of log-Mel features (feature units: 1.0 = db_range dB)."""
    return float(np.mean(np.abs(_f32(reference) - _f32(estimate))))


def mel_spectral_convergence(reference: np.ndarray, estimate: np.ndarray, cfg: FeatureConfig
                             ) -> float:
    """Per note ``||A - B||_F / ||A||_F`` on linear Mel magnitudes, averaged over notes."""
    a = feature_to_amplitude(_f32(reference), cfg).reshape(len(reference), -1)
    b = feature_to_amplitude(_f32(estimate), cfg).reshape(len(estimate), -1)
    num = np.linalg.norm(a - b, axis=1)
    return float(np.mean(num / np.maximum(np.linalg.norm(a, axis=1), 1e-12)))


def mel_lsd_db(reference: np.ndarray, estimate: np.ndarray, cfg: FeatureConfig) -> float:
    """Per frame RMS of the Mel dB difference, averaged over frames and notes (dB)."""
    diff = (_f32(reference) - _f32(estimate)) * cfg.db_range
    return float(np.mean(np.sqrt(np.mean(diff**2, axis=1))))


def feature_metrics(reference: np.ndarray, estimate: np.ndarray, cfg: FeatureConfig
                    ) -> dict[str, float]:
    """The three reconstruction numbers for decoder outputs (Mel domain)."""
    _check(reference, estimate)
    return {
        "mel_l1": mel_l1(reference, estimate),
        "spectral_convergence": mel_spectral_convergence(reference, estimate, cfg),
        "lsd_db": mel_lsd_db(reference, estimate, cfg),
    }


def audio_metrics(reference: np.ndarray, estimate: np.ndarray, cfg: FeatureConfig
                  ) -> dict[str, float]:
    """The three numbers for rendered waveforms against the real ones (STFT domain)."""
    _check(reference, estimate)
    ref, est = _f32(reference), _f32(estimate)
    sc = [spectral_convergence(r, e, cfg) for r, e in zip(ref, est, strict=True)]
    lsd = [log_spectral_distance(r, e, cfg) for r, e in zip(ref, est, strict=True)]
    return {
        "mel_l1": mel_l1(log_mel(ref, cfg), log_mel(est, cfg)),
        "spectral_convergence": float(np.mean(sc)),
        "lsd_db": float(np.mean(lsd)),
    }


def _f32(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def _check(reference: np.ndarray, estimate: np.ndarray) -> None:
    if reference.shape != estimate.shape or len(reference) == 0:
        raise ValueError(f"reference {reference.shape} and estimate {estimate.shape} must be "
                         "equal, non-empty batches")
