"""One WAE training step (all four variants) and its validation.

Each step does one forward and one backward. The Fader discriminator learns to classify
the style from ``z.detach()`` while, in the same backward pass, the encoder learns to fool
a copy of the discriminator whose weights are detached; so each network receives only its
own objective's gradient, and DistributedDataParallel sees one ordinary forward/backward.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from models.config import ModelConfig, TrainConfig
from models.hpn import HarmonicNoiseVocoder, HpnConfig
from models.training import losses
from models.training.checkpoint import CHECKPOINT, OptimisedState, load_checkpoint
from models.training.data import NoteSet
from models.training.distributed import BatchOrder, DistInfo, step_generator, wrap
from models.training.errors import TrainingError
from models.training.schedule import alpha_at, lr_factor
from models.wae.condition import Condition
from models.wae.harmonic_head import HarmonicMelHead
from models.wae.mmd import mmd_rbf
from models.wae.model import WAE
from models.wave_discriminators import (
    WaveDiscConfig,
    WaveDiscriminator,
    aligned_crops,
    discriminator_loss,
    feature_matching,
    generator_loss,
)

# The waveform term's STFT sizes, as fractions of the features' n_fft: 2048 .. 256 at
# 22,050 Hz, 4096 .. 512 at 44.1 kHz (the same durations).
WAVE_FFT_DIVISORS = (1, 2, 4, 8)
WAVE_BANDS = 64  # the noise bank the shipped model is exported with (export --hpn-bands)
# Feature matching against the adversarial term, HiFi-GAN's ratio (2 : 1).
FM_WEIGHT = 2.0
GAN_BETAS = (0.8, 0.99)  # Adam's betas of GAN vocoders: a shorter memory for a moving target


class WAEObjective(nn.Module):
    """``forward(features, pc, oct, style_w, dyn, style_labels, prior, alpha, audio)`` -> loss
    terms.

    Shapes: features ``(B, n_mels, T)``; the four condition tensors as in
    :class:`Condition`; ``style_labels (B,)`` int64; ``prior (B, L)`` samples of N(0, I);
    ``audio (B, T * hop)`` the notes' waveforms, or None (needed by the waveform term only).
    """

    def __init__(self, model: WAE, tcfg: TrainConfig) -> None:
        super().__init__()
        self.model = model
        self.tcfg = tcfg
        self.vocoder: HarmonicNoiseVocoder | None = None
        self.wave_disc: WaveDiscriminator | None = None
        if tcfg.plays_notes:
            if not isinstance(model.decoder.out, HarmonicMelHead):
                raise TrainingError("--wave-weight and --gan-weight play the harmonic head with "
                                    "the hpn vocoder: train with --dec-head harmonic")
            f = model.cfg.features
            bands = math.gcd(WAVE_BANDS, f.n_mels)  # the shipped noise bank where it fits
            device = next(model.parameters()).device  # the model is on its device already
            self.vocoder = HarmonicNoiseVocoder(HpnConfig(f, model.cfg.partials, bands)).to(device)
            self.ffts = tuple(f.n_fft // d for d in WAVE_FFT_DIVISORS)
            if tcfg.gan_weight > 0:
                self.wave_disc = WaveDiscriminator(WaveDiscConfig.for_rate(f.n_fft)).to(device)

    def play(self, h: torch.Tensor, cond: Condition) -> torch.Tensor:
        """The first ``wave_batch`` notes of the decoder's last features ``h (B, C, T)``
        played by the hpn vocoder -> ``(n, T * hop)``."""
        assert self.vocoder is not None and isinstance(self.model.decoder.out, HarmonicMelHead)
        n = min(self.tcfg.wave_batch, h.shape[0])
        f0, amp, noise = self.model.decoder.out.params(h[:n], cond.midi()[:n])
        return self.vocoder(f0, amp, noise)

    def wave(self, played: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """Multi-resolution spectral convergence + log-magnitude L1 of ``played (n, S)``
        against ``audio (n, S)``."""
        sc, log_mag = losses.spectral_losses(played, audio, self.ffts)
        return sc + log_mag

    def adversarial(self, played: torch.Tensor, audio: torch.Tensor) -> dict[str, torch.Tensor]:
        """The wave discriminators' loss and the decoder's adversarial and feature-matching
        terms, on aligned crops of ``played`` and ``audio (n, S)``.

        As with the Fader discriminator, one backward serves both sides: the discriminators
        judge a detached copy of the played notes, and the decoder is judged by a copy of
        the discriminators whose weights are detached."""
        assert self.wave_disc is not None
        fake, real = aligned_crops(played, audio, self.tcfg.gan_crop)
        disc = self.wave_disc
        real_j = disc(real)
        d_loss = discriminator_loss(real_j, disc(fake.detach()))
        frozen = {n: p.detach() for n, p in disc.named_parameters()}
        fake_j = functional_call(disc, frozen, (fake,))
        return {"gan_d": d_loss, "gan_g": generator_loss(fake_j),
                "gan_fm": feature_matching(real_j, fake_j)}

    def forward(
        self,
        x: torch.Tensor,
        pc: torch.Tensor,
        octv: torch.Tensor,
        style_w: torch.Tensor,
        dyn: torch.Tensor,
        style: torch.Tensor,
        prior: torch.Tensor,
        alpha: float,
        audio: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        z = self.model.encoder(x)
        cond = Condition(pc, octv, style_w, dyn)
        dec = self.model.decoder
        h = dec.features(z, cond)  # kept: the waveform term plays the head from it too
        rec = dec.head(h, cond)
        recon = losses.reconstruction(
            rec, x, self.tcfg.recon_loss, self.model.cfg.features, self.tcfg.sc_weight
        )
        mmd = mmd_rbf(z, prior, self.tcfg.mmd_scales)
        total = recon + self.tcfg.mmd_weight * mmd
        out = {"recon": recon, "mmd": mmd}
        if self.vocoder is not None:
            if audio is None:
                raise TrainingError("the waveform terms need the notes' audio")
            played = self.play(h, cond)
            real = audio[: played.shape[0]]
            if self.tcfg.wave_weight > 0:
                out["wave"] = self.wave(played, real)
                total = total + self.tcfg.wave_weight * out["wave"]
            if self.wave_disc is not None:
                gan = self.adversarial(played, real)
                out.update(gan)
                total = total + gan["gan_d"] + self.tcfg.gan_weight * (
                    gan["gan_g"] + FM_WEIGHT * gan["gan_fm"])
        disc = self.model.discriminator
        if disc is not None:
            logits = disc(z.detach())
            disc_loss = losses.discriminator_loss(logits, style)
            frozen = {n: p.detach() for n, p in disc.named_parameters()}
            adv = losses.adversarial_loss(functional_call(disc, frozen, (z,)), style)
            total = total + alpha * adv + disc_loss
            out.update(disc=disc_loss, adv=adv, disc_acc=losses.accuracy(logits, style))
        out["loss"] = total
        return out


class WAETask(OptimisedState):
    """Model, optimiser, scheduler and batch order of a WAE run; see :mod:`loop`."""

    columns = (
        "loss",
        "recon",
        "wave",
        "gan_d",
        "gan_g",
        "gan_fm",
        "mmd",
        "disc",
        "adv",
        "disc_acc",
        "alpha",
        "lr",
        "valid_recon",
        "valid_mmd",
        "valid_disc_acc",
    )

    model: WAE

    def __init__(
        self,
        cfg: ModelConfig,
        tcfg: TrainConfig,
        train: NoteSet,
        valid: NoteSet | None,
        info: DistInfo,
    ) -> None:
        self.cfg, self.tcfg, self.info = cfg, tcfg, info
        torch.manual_seed(tcfg.seed)  # the same initial weights on every process
        self.model = WAE(cfg).to(info.device)
        if tcfg.init_from:
            init_weights(self.model, Path(tcfg.init_from), tcfg.freeze_encoder)
        objective = WAEObjective(self.model, tcfg)
        self.wave_disc = objective.wave_disc  # kept in checkpoints beside the model
        self.objective = wrap(objective, info)
        trainable = [p for p in self.model.autoencoder_parameters() if p.requires_grad]
        groups: list[dict[str, Any]] = [{"params": trainable, "lr": tcfg.lr}]
        if self.model.discriminator is not None:
            groups.append(
                {"params": list(self.model.discriminator.parameters()), "lr": tcfg.disc_lr}
            )
        if self.wave_disc is not None:
            groups.append({"params": list(self.wave_disc.parameters()), "lr": tcfg.gan_lr,
                           "betas": GAN_BETAS})
        self.optimizer = torch.optim.Adam(groups, weight_decay=tcfg.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            lambda s: lr_factor(s, tcfg.steps, tcfg.warmup, tcfg.lr_final_fraction),
        )
        self.train_set = _to_device(train, info.device)
        self.valid_set = _to_device(valid, info.device) if valid is not None else None
        self.order = BatchOrder(len(train), tcfg.batch_size, info, tcfg.seed)
        self.steps_per_epoch = self.order.steps_per_epoch

    def state(self) -> dict[str, Any]:
        out = super().state()
        if self.wave_disc is not None:
            out["wave_disc"] = self.wave_disc.state_dict()
        return out

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        if self.wave_disc is not None:
            if "wave_disc" not in state:
                raise KeyError("the checkpoint has no wave discriminators (--gan-weight was 0)")
            self.wave_disc.load_state_dict(state["wave_disc"])

    def train_step(self, step: int) -> dict[str, float]:
        idx = self.order.indices(step).to(self.info.device)
        data = self.train_set
        cond = data.condition(idx)
        g = step_generator(self.tcfg.seed, self.info.rank, step)
        prior = torch.randn(len(idx), self.cfg.latent_dim, generator=g).to(self.info.device)
        alpha = alpha_at(
            step,
            self.tcfg.steps,
            self.tcfg.alpha_max,
            self.tcfg.alpha_pre_fraction,
            self.tcfg.alpha_rise_end_fraction,
        )
        self._train_mode()
        audio = data.audio[idx] if data.audio is not None and self.tcfg.plays_notes else None
        out = self.objective(
            data.features[idx], *cond.tensors(), data.labels["style"][idx], prior, alpha, audio
        )
        self.optimizer.zero_grad(set_to_none=True)
        out["loss"].backward()
        for group in self.optimizer.param_groups:
            nn.utils.clip_grad_norm_(group["params"], self.tcfg.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        terms = {k: float(v.detach()) for k, v in out.items()}
        terms.update(alpha=alpha, lr=self.optimizer.param_groups[0]["lr"])
        return terms

    def _train_mode(self) -> None:
        self.model.train()
        if self.tcfg.freeze_encoder:  # a kept encoder keeps its BatchNorm statistics too
            self.model.encoder.eval()

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        data = self.valid_set
        if data is None:
            return {}
        self.model.eval()
        recon, zs, accs = [], [], []
        for idx in torch.arange(len(data), device=self.info.device).split(256):
            x = data.features[idx]
            rec, z = self.model(x, data.condition(idx))
            recon.append(losses.reconstruction(rec, x, "l1") * len(idx))
            zs.append(z)
            if self.model.discriminator is not None:
                style = data.labels["style"][idx]
                accs.append(losses.accuracy(self.model.discriminator(z), style) * len(idx))
        self._train_mode()
        z_all = torch.cat(zs)
        g = step_generator(self.tcfg.seed, 0, -1)
        prior = torch.randn(z_all.shape, generator=g).to(z_all.device)
        out = {
            "valid_recon": float(sum(recon)) / len(data),
            "valid_mmd": float(mmd_rbf(z_all, prior, self.tcfg.mmd_scales)),
        }
        if accs:
            out["valid_disc_acc"] = float(sum(accs)) / len(data)
        return out


def init_weights(model: WAE, run: Path, freeze_encoder: bool) -> None:
    """Copy the weights of ``run``'s checkpoint whose names and shapes match ``model``'s
    (a new decoder head starts fresh); freeze the encoder if asked."""
    source = load_checkpoint(run / CHECKPOINT)["model"]
    own = model.state_dict()
    same = {k: v for k, v in source.items() if k in own and own[k].shape == v.shape}
    if not any(k.startswith("decoder.") for k in same):
        raise TrainingError(f"{run}: no decoder weight matches this model")
    if freeze_encoder and not all(k in same for k in own if k.startswith("encoder.")):
        raise TrainingError(f"{run}: its encoder does not match this model's; cannot freeze it")
    model.load_state_dict({**own, **same})
    if freeze_encoder:
        for p in model.encoder.parameters():
            p.requires_grad_(False)


def _to_device(data: NoteSet, device: torch.device) -> NoteSet:
    if device.type == "cpu":
        return data
    labels = {k: v.to(device) for k, v in data.labels.items()}
    audio = data.audio.to(device) if data.audio is not None else None
    return NoteSet(data.features.to(device), audio, labels, data.n_styles)
