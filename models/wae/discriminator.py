"""The Fader latent discriminator: z -> style logits."""

from __future__ import annotations

import torch
from torch import nn


class LatentDiscriminator(nn.Module):
    """``z (B, L)`` -> style logits ``(B, S)``: a small MLP (the encoder learns to fool it)."""

    def __init__(self, latent_dim: int, n_styles: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, n_styles),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.net(z)
        return out
