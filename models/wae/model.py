"""The WAE family in one module: encoder, conditional decoder, optional Fader discriminator."""

from __future__ import annotations

import torch
from torch import nn

from models.config import ModelConfig
from models.wae.condition import Condition
from models.wae.decoder import Decoder
from models.wae.discriminator import LatentDiscriminator
from models.wae.encoder import Encoder


class WAE(nn.Module):
    """``encoder``: features ``(B, n_mels, T)`` -> ``z (B, L)``; ``decoder``: ``(z, cond)`` ->
    features; ``discriminator`` (wae-fader only, else ``None``): ``z`` -> style logits."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.discriminator: LatentDiscriminator | None = (
            LatentDiscriminator(cfg.latent_dim, cfg.n_styles, cfg.disc_hidden)
            if cfg.has_discriminator
            else None
        )

    def forward(
        self, features: torch.Tensor, cond: Condition | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruct: returns ``(reconstruction (B, n_mels, T), z (B, L))``."""
        z = self.encoder(features)
        return self.decoder(z, cond), z

    def autoencoder_parameters(self) -> list[nn.Parameter]:
        return [*self.encoder.parameters(), *self.decoder.parameters()]
