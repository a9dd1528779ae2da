"""numpy (runtime) and torch (training) features agree; Griffin-Lim inverts them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.features import LogMel
from realtime.dsp.features import PRESETS, FeatureConfig, log_mel, mel_filterbank, stft
from realtime.dsp.griffinlim import features_to_audio, istft, spectral_convergence

# Stated tolerance between the two implementations, in feature units (1.0 = 100 dB).
PARITY_TOLERANCE = 1e-4


def harmonic_note(cfg: FeatureConfig, f0: float = 220.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(cfg.note_samples) / cfg.sample_rate
    x = sum(amp / k * np.sin(2 * np.pi * f0 * k * t) for k in range(1, 8))
    return (x * np.exp(-2 * t)).astype(np.float32)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_numpy_and_torch_features_agree(name: str) -> None:
    cfg = PRESETS[name]
    rng = np.random.default_rng(0)
    batch = np.stack(
        [harmonic_note(cfg), 0.1 * rng.standard_normal(cfg.note_samples).astype(np.float32)]
    )
    a = log_mel(batch, cfg)
    b = LogMel(cfg)(torch.from_numpy(batch)).numpy()
    assert a.shape == b.shape == (2, cfg.n_mels, cfg.n_frames)
    assert np.max(np.abs(a - b)) < PARITY_TOLERANCE


def test_scaling_is_global_so_dynamics_survive() -> None:
    cfg = FeatureConfig()
    loud, soft = harmonic_note(cfg, amp=0.5), harmonic_note(cfg, amp=0.05)
    fl, fs = log_mel(loud, cfg), log_mel(soft, cfg)
    # 20 dB quieter -> 0.2 lower on the fixed scale wherever the note is above the floor.
    mask = fs > 0.3
    assert np.allclose((fl - fs)[mask], 0.2, atol=0.01)


def test_full_scale_sine_reads_zero_db() -> None:
    cfg = FeatureConfig()
    t = np.arange(cfg.note_samples) / cfg.sample_rate
    f = log_mel(np.sin(2 * np.pi * 1000 * t).astype(np.float32), cfg)
    assert abs(f[:, 10:-10].max() - 1.0) < 0.03


def test_mel_filters_cover_the_band_once() -> None:
    cfg = FeatureConfig()
    fb = mel_filterbank(cfg)
    freqs = np.linspace(0, cfg.sample_rate / 2, cfg.n_bins)
    inside = (freqs > cfg.fmin * 1.5) & (freqs < cfg.fmax * 0.95)
    assert np.allclose(fb.sum(axis=0)[inside], 1.0, atol=1e-3)


def test_stft_round_trip_is_exact() -> None:
    cfg = FeatureConfig()
    x = harmonic_note(cfg)
    spec = stft(x, cfg)
    assert spec.shape == (cfg.n_bins, cfg.n_frames)
    assert np.max(np.abs(istft(spec, cfg) - x)) < 1e-5


def test_griffin_lim_inverts_features() -> None:
    cfg = FeatureConfig()
    x = harmonic_note(cfg)
    y = features_to_audio(log_mel(x, cfg), cfg, n_iter=60)
    assert y.shape == x.shape
    sc = spectral_convergence(x, y, cfg)
    noise = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32) * x.std()
    assert sc < 0.3
    assert sc < 0.3 * spectral_convergence(x, noise, cfg)
