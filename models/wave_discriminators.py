"""Waveform discriminators for adversarial training of the decoder through the hpn vocoder.

Two families, as the GAN vocoders of the field use them (HiFi-GAN's multi-period, UnivNet's
multi-resolution):

- :class:`PeriodDiscriminator`: the waveform folded into ``(samples / p, p)`` and read by 2-D
  convolutions along the first axis only, so each column sees every p-th sample. Periodic
  structure (the partials' phase relations, the fine pitch) is what it judges.
- :class:`ResolutionDiscriminator`: 2-D convolutions over one STFT's log magnitude. The
  spectral texture (noise between partials, the air above 11 kHz, onsets) is what it judges.

Every discriminator returns its logits map and the feature maps of its layers (for the
feature-matching loss). They are small (16..64 channels): they run beside a CPU training
step, on crops of a few notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

SLOPE = 0.1  # LeakyReLU slope of GAN discriminators (HiFi-GAN, UnivNet)

Judgement = tuple[torch.Tensor, list[torch.Tensor]]  # logits map, feature maps


@dataclass(frozen=True)
class WaveDiscConfig:
    """``periods``: the multi-period discriminator's folds (primes, so no two share a
    period); ``ffts``: the multi-resolution discriminator's STFT sizes (hop = size / 4);
    ``channels``: the widest layer of each."""

    periods: tuple[int, ...] = (2, 3, 5, 7, 11)
    ffts: tuple[int, ...] = (512, 1024, 2048)
    channels: int = 64

    def __post_init__(self) -> None:
        if not self.periods and not self.ffts:
            raise ValueError("a wave discriminator needs at least one period or one STFT size")
        if any(p < 1 for p in self.periods) or any(n < 16 for n in self.ffts):
            raise ValueError("periods must be >= 1 and STFT sizes >= 16")
        if self.channels < 4:
            raise ValueError("channels must be >= 4")

    @classmethod
    def for_rate(cls, n_fft: int, channels: int = 64) -> WaveDiscConfig:
        """STFT sizes in proportion to the features' ``n_fft`` (the same durations at
        22,050 Hz and 44.1 kHz): n_fft/2, n_fft/4, n_fft/8."""
        return cls(ffts=(n_fft // 2, n_fft // 4, n_fft // 8), channels=channels)


def _judge(convs: nn.ModuleList, out: nn.Module, h: torch.Tensor) -> Judgement:
    """The convolution stack with LeakyReLU, keeping each layer's output, then the logits."""
    feats = []
    for conv in convs:
        h = F.leaky_relu(conv(h), SLOPE)
        feats.append(h)
    return out(h), feats


class PeriodDiscriminator(nn.Module):
    """``(B, samples)`` -> logits ``(B, 1, frames, p)`` and feature maps."""

    def __init__(self, period: int, channels: int) -> None:
        super().__init__()
        self.period = period
        widths = [1, max(4, channels // 4), max(4, channels // 2), channels, channels]
        self.convs = nn.ModuleList(
            nn.Conv2d(a, b, (5, 1), (3 if i < 3 else 1, 1), padding=(2, 0))
            for i, (a, b) in enumerate(pairwise(widths))
        )
        self.out = nn.Conv2d(channels, 1, (3, 1), padding=(1, 0))

    def forward(self, x: torch.Tensor) -> Judgement:
        pad = (-x.shape[-1]) % self.period
        if pad:  # reflect: a zero tail would be an easy tell of the fake
            x = F.pad(x.unsqueeze(1), (0, pad), mode="reflect").squeeze(1)
        h = x.reshape(x.shape[0], 1, -1, self.period)
        return _judge(self.convs, self.out, h)


class ResolutionDiscriminator(nn.Module):
    """``(B, samples)`` -> logits ``(B, 1, bins', frames')`` and feature maps, from the log
    magnitude of one STFT (hop ``n_fft / 4``)."""

    def __init__(self, n_fft: int, channels: int) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        c = max(4, channels // 4)
        # strided along frequency from the first layer: the bins are many (a 2048-point
        # STFT has 1,025), a crop's frames few; full-resolution layers cost 10x the rest
        self.convs = nn.ModuleList(
            nn.Conv2d(a, c, (9, 3), (2, 1), padding=(4, 1)) for a in (1, c, c, c)
        )
        self.out = nn.Conv2d(c, 1, (3, 3), padding=(1, 1))

    def forward(self, x: torch.Tensor) -> Judgement:
        spec = torch.stft(x, self.n_fft, self.n_fft // 4, window=self.window,  # type: ignore[arg-type]
                          return_complex=True)
        h = torch.log(spec.abs() + 1e-5).unsqueeze(1)
        return _judge(self.convs, self.out, h)


class WaveDiscriminator(nn.Module):
    """All period and resolution discriminators: ``(B, samples)`` -> one judgement each."""

    def __init__(self, cfg: WaveDiscConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.members = nn.ModuleList(
            [PeriodDiscriminator(p, cfg.channels) for p in cfg.periods]
            + [ResolutionDiscriminator(n, cfg.channels) for n in cfg.ffts]
        )

    def forward(self, x: torch.Tensor) -> list[Judgement]:
        return [d(x) for d in self.members]


def discriminator_loss(real: Sequence[Judgement], fake: Sequence[Judgement]) -> torch.Tensor:
    """Least-squares GAN: real judged 1, fake 0; mean over the discriminators."""
    terms = [((r - 1) ** 2).mean() + (f**2).mean() for (r, _), (f, _) in zip(real, fake,
                                                                             strict=True)]
    return torch.stack(terms).mean()


def generator_loss(fake: Sequence[Judgement]) -> torch.Tensor:
    """Least-squares GAN: the generator wants its notes judged 1; mean over discriminators."""
    return torch.stack([((f - 1) ** 2).mean() for f, _ in fake]).mean()


def feature_matching(real: Sequence[Judgement], fake: Sequence[Judgement]) -> torch.Tensor:
    """Mean L1 between the discriminators' feature maps of real and fake notes (the real
    ones detached): a dense, stable signal beside the adversarial one."""
    terms = [
        F.l1_loss(ff, rf.detach())
        for (_, rfs), (_, ffs) in zip(real, fake, strict=True)
        for rf, ff in zip(rfs, ffs, strict=True)
    ]
    return torch.stack(terms).mean()


def aligned_crops(
    fake: torch.Tensor, real: torch.Tensor, length: int, g: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same random window of ``length`` samples from each note of ``fake`` and ``real``
    ``(B, samples)`` -> ``(B, length)`` each (the whole note if shorter). Windows start in the
    first half of the note: the tail is mostly release and silence, easy for both."""
    n = min(fake.shape[-1], real.shape[-1])
    if length >= n:
        return fake[..., :n], real[..., :n]
    last = max(1, min(n - length, n // 2) + 1)
    starts = torch.randint(0, last, (fake.shape[0],), generator=g).tolist()
    idx = torch.tensor(starts, device=fake.device).unsqueeze(1) + torch.arange(
        length, device=fake.device
    )
    return fake.gather(1, idx), real.gather(1, idx)
