"""Condition -> per-layer modulation: the embedding MLP, AdaIN and FiLM.

The embedding's first layer is linear in the condition vector, so fader mixes (any
non-negative weights, also above 1) map to the same mix of the one-hot embeddings before
the non-linearity; ``z`` enters the same MLP, so the modulation can depend on both.
"""

from __future__ import annotations

import torch
from torch import nn


class ConditionEmbedding(nn.Module):
    """``(z (B, L), cond (B, C))`` -> embedding ``(B, hidden)``."""

    def __init__(self, latent_dim: int, cond_dim: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim + cond_dim, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
        )

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, cond], dim=1))


class FiLM(nn.Module):
    """Feature-wise linear modulation: ``x * (1 + gamma) + beta``, gamma/beta per channel
    from the embedding. ``x (B, C, T)``, ``emb (B, E)``."""

    def __init__(self, emb_dim: int, channels: int) -> None:
        super().__init__()
        self.proj = nn.Linear(emb_dim, 2 * channels)
        # Start near identity so the decoder trains like an unconditioned one at first.
        nn.init.normal_(self.proj.weight, std=0.05)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(emb).unsqueeze(-1).chunk(2, dim=1)
        return x * (1.0 + gamma) + beta


class AdaIN(FiLM):
    """Adaptive instance normalisation: normalise each channel over time per example,
    then the conditional scale/shift of :class:`FiLM`. No running statistics, so train and
    eval modes agree (and the ONNX graph is plain arithmetic)."""

    eps = 1e-5

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=-1, keepdim=True)
        var = (x - mean).pow(2).mean(dim=-1, keepdim=True)
        return super().forward((x - mean) * torch.rsqrt(var + self.eps), emb)
