"""Log-Mel features in torch, for training on batches (optionally on a GPU).

Same definition as :mod:`realtime.dsp.features` (the Mel matrix is taken from there);
``tests/models/test_features_parity.py`` holds the two within a stated tolerance.
Shapes: ``(B, note_samples)`` -> ``(B, n_mels, n_frames)``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from realtime.dsp.features import EPS_AMPLITUDE, FeatureConfig, magnitude_scale, mel_filterbank


class LogMel(nn.Module):
    """Waveform -> fixed-scale log-Mel features, differentiable."""

    def __init__(self, cfg: FeatureConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.window: torch.Tensor
        self.mel_fb: torch.Tensor
        self.register_buffer("window", torch.hann_window(cfg.n_fft), persistent=False)
        fb = torch.from_numpy(np.array(mel_filterbank(cfg)))
        self.register_buffer("mel_fb", fb, persistent=False)

    def magnitude(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, samples)`` -> STFT magnitude ``(B, n_bins, n_frames)`` (0 dB = full scale)."""
        spec = torch.stft(
            x,
            n_fft=self.cfg.n_fft,
            hop_length=self.cfg.hop,
            window=self.window,
            center=True,
            pad_mode="reflect",
            return_complex=True,
        )
        return spec[..., : self.cfg.n_frames].abs() / magnitude_scale(self.cfg)

    def mel(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, samples)`` -> linear Mel magnitudes ``(B, n_mels, n_frames)``."""
        return torch.einsum("mf,bft->bmt", self.mel_fb, self.magnitude(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        db = 20.0 * torch.log10(self.mel(x).clamp_min(EPS_AMPLITUDE))
        return (db - self.cfg.db_floor) / self.cfg.db_range


def feature_to_amplitude(feat: torch.Tensor, cfg: FeatureConfig) -> torch.Tensor:
    """Inverse of the log scaling: features -> linear Mel magnitudes."""
    db = feat * cfg.db_range + cfg.db_floor
    # exp, not pow(10, .): the same values, and onnxruntime's Pow is several times slower.
    return torch.exp(db * (math.log(10.0) / 20.0))
