"""The conditional decoder: (z, condition) -> log-Mel features, modulated by AdaIN + FiLM."""

from __future__ import annotations

import torch
from torch import nn

from models.config import ModelConfig
from models.wae.condition import Condition
from models.wae.conditioning import AdaIN, ConditionEmbedding, FiLM
from models.wae.harmonic_head import HarmonicMelHead


class UpBlock(nn.Module):
    """x2 in time: ConvTranspose1d -> AdaIN -> act -> Conv1d -> FiLM -> act.
    ``x (B, C_in, T)`` -> ``(B, C_out, 2T)``."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose1d(c_in, c_out, kernel_size=4, stride=2, padding=1)
        self.adain = AdaIN(emb_dim, c_out)
        self.conv = nn.Conv1d(c_out, c_out, kernel_size=3, padding=1)
        self.film = FiLM(emb_dim, c_out)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        x = self.act(self.adain(self.up(x), emb))
        return self.act(self.film(self.conv(x), emb))


class Decoder(nn.Module):
    """``z (B, L)``, :class:`Condition` -> ``features (B, n_mels, T)``.

    wae-mmd ignores the condition (``None`` is accepted); the others read the weights of
    their variant (:meth:`Condition.vector`). The output is linear (not squashed), so the
    quiet floor (feature 0) keeps a gradient; export may clamp it.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        chans = cfg.dec_channels
        self.t0 = cfg.features.n_frames // 2 ** len(chans)
        self.embed = ConditionEmbedding(cfg.latent_dim, cfg.cond_dim, cfg.cond_hidden)
        self.inp = nn.Linear(cfg.latent_dim, chans[0] * self.t0)
        self.inp_film = FiLM(cfg.cond_hidden, chans[0])
        self.blocks = nn.ModuleList(
            UpBlock(a, b, cfg.cond_hidden)
            for a, b in zip((chans[0], *chans[:-1]), chans, strict=True)
        )
        self.out: nn.Module
        if cfg.dec_head == "harmonic":
            self.out = HarmonicMelHead(cfg.features, chans[-1], cfg.partials)
        else:
            self.out = nn.Conv1d(chans[-1], cfg.features.n_mels, kernel_size=1)

    def cond_vector(self, cond: Condition | None, batch: int, like: torch.Tensor) -> torch.Tensor:
        if self.cfg.cond_dim == 0:
            return like.new_zeros(batch, 0)
        if cond is None:
            raise ValueError(f"{self.cfg.variant} needs a condition")
        return cond.vector(self.cfg.uses_note, self.cfg.uses_style)

    def features(
        self, z: torch.Tensor, cond: Condition | None, frames: int | None = None
    ) -> torch.Tensor:
        """The last block's output ``(B, C, T)`` (or its first ``frames``), before the head."""
        emb = self.embed(z, self.cond_vector(cond, z.shape[0], z))
        x = self.inp(z).view(z.shape[0], -1, self.t0)
        x = torch.nn.functional.leaky_relu(self.inp_film(x, emb), 0.2)
        for block in self.blocks:
            x = block(x, emb)
        return x if frames is None else x[:, :, :frames]

    def harmonic_params(
        self, z: torch.Tensor, cond: Condition, frames: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The harmonic head's pitch, partials and noise floor (:meth:`HarmonicMelHead.params`)
        for the harmonic-plus-noise vocoder."""
        if not isinstance(self.out, HarmonicMelHead):
            raise ValueError("the harmonic-plus-noise vocoder needs the harmonic decoder head")
        return self.out.params(self.features(z, cond, frames), cond.midi())

    def forward(
        self, z: torch.Tensor, cond: Condition | None, frames: int | None = None
    ) -> torch.Tensor:
        """``frames``: only the first frames of the output (the fast-start graph). The blocks
        still run whole (AdaIN normalises over all frames); the output head works frame by
        frame, so it runs on the frames asked for only."""
        return self.head(self.features(z, cond, frames), cond)

    def head(self, x: torch.Tensor, cond: Condition | None) -> torch.Tensor:
        """The output head on the last block's output ``x (B, C, T)`` -> features."""
        if isinstance(self.out, HarmonicMelHead):
            assert cond is not None  # checked by the config: the head needs the note
            harmonic: torch.Tensor = self.out(x, cond.midi())
            return harmonic
        out: torch.Tensor = self.out(x)
        return out
