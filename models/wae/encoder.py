"""The non-conditional encoder: log-Mel features -> deterministic latent z."""

from __future__ import annotations

import itertools

import torch
from torch import nn

from models.config import ModelConfig


def _down(c_in: int, c_out: int) -> nn.Sequential:
    """Stride-2 Conv1d over frames (Mel bins are channels) + BatchNorm + LeakyReLU."""
    return nn.Sequential(
        nn.Conv1d(c_in, c_out, kernel_size=4, stride=2, padding=1, bias=False),
        nn.BatchNorm1d(c_out),
        nn.LeakyReLU(0.2),
    )


class Encoder(nn.Module):
    """``features (B, n_mels, T)`` -> ``z (B, latent_dim)``; BatchNorm, no sampling."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        chans = (cfg.features.n_mels, *cfg.enc_channels)
        self.convs = nn.Sequential(*(_down(a, b) for a, b in itertools.pairwise(chans)))
        t_last = cfg.features.n_frames // 2 ** len(cfg.enc_channels)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(chans[-1] * t_last, cfg.enc_hidden, bias=False),
            nn.BatchNorm1d(cfg.enc_hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(cfg.enc_hidden, cfg.latent_dim),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(self.convs(features))
