"""Frozen configuration dataclasses of the models and their training, saved as JSON.

One dataclass per concern: :class:`ModelConfig` (the WAE family), :class:`TrainConfig`
(WAE training), :class:`MCNNConfig` (the inverter) and :class:`MCNNTrainConfig` (its
training). Each round-trips through ``to_dict`` / ``from_dict`` (plain JSON types; tuples
become lists), so a run folder's ``config.json`` rebuilds exactly the model it holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from realtime.conditions import N_DYNAMICS, N_OCTAVES, N_PITCH_CLASSES
from realtime.dsp.features import FeatureConfig

VARIANTS = ("wae-mmd", "wae-note", "wae-style", "wae-fader")
RECON_LOSSES = ("l1", "mse", "l1+sc")
SC_WEIGHT = 0.1  # "l1+sc": weight of the spectral-convergence term (the two start alike)

T = TypeVar("T")


def _from_dict(cls: type[T], d: dict[str, Any]) -> T:
    """Build a dataclass from a dict, turning lists back into tuples and a ``features``
    dict into a FeatureConfig; unknown keys fail."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(d) - names
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown keys {sorted(unknown)}")
    kw: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
    if isinstance(d.get("features"), dict):
        kw["features"] = FeatureConfig.from_dict(d["features"])
    return cls(**kw)


DEC_HEADS = ("linear", "harmonic")


@dataclass(frozen=True)
class ModelConfig:
    """The WAE family. ``features`` is the corpus feature config (JSON: its dict).

    Encoder: ``len(enc_channels)`` stride-2 Conv1d layers (Mel bins are the input
    channels), BatchNorm, then an MLP to ``latent_dim``. Decoder: ``z`` -> ``dec_channels[0]``
    x ``n_frames / 2**len(dec_channels)`` frames, then one x2 upsampling block per entry of
    ``dec_channels``, each modulated by AdaIN and FiLM from the condition embedding.
    ``dec_head``: "linear" (the paper's 1x1 convolution to Mel bins) or "harmonic" (the
    partials of the asked pitch + a noise floor, :mod:`models.wae.harmonic_head`, with
    ``partials`` partials; needs the note condition).
    """

    variant: str = "wae-fader"
    latent_dim: int = 3
    n_styles: int = 1
    style_names: tuple[str, ...] = ("default",)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    enc_channels: tuple[int, ...] = (192, 128, 128, 128)
    enc_hidden: int = 256
    dec_channels: tuple[int, ...] = (192, 128, 128, 128)
    cond_hidden: int = 128
    disc_hidden: int = 128
    dec_head: str = "linear"
    partials: int = 80

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; known: {', '.join(VARIANTS)}")
        if self.dec_head not in DEC_HEADS:
            raise ValueError(f"unknown decoder head {self.dec_head!r}; known: {DEC_HEADS}")
        if self.dec_head == "harmonic" and not self.uses_note:
            raise ValueError("the harmonic decoder head needs the note condition (not wae-mmd)")
        if len(self.style_names) != self.n_styles:
            raise ValueError(f"{self.n_styles} styles but {len(self.style_names)} style names")
        if self.latent_dim < 1:
            raise ValueError("latent_dim must be >= 1")
        for name, chans in (
            ("enc_channels", self.enc_channels),
            ("dec_channels", self.dec_channels),
        ):
            if self.features.n_frames % (2 ** len(chans)):
                raise ValueError(
                    f"n_frames={self.features.n_frames} not divisible by 2**len({name})"
                )

    @property
    def uses_note(self) -> bool:
        """Pitch class, octave and dynamics condition the decoder (all but wae-mmd)."""
        return self.variant != "wae-mmd"

    @property
    def uses_style(self) -> bool:
        return self.variant in ("wae-style", "wae-fader")

    @property
    def has_discriminator(self) -> bool:
        return self.variant == "wae-fader"

    @property
    def cond_dim(self) -> int:
        """Width of the concatenated condition vector the decoder reads."""
        note = N_PITCH_CLASSES + N_OCTAVES + N_DYNAMICS if self.uses_note else 0
        return note + (self.n_styles if self.uses_style else 0)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["features"] = self.features.to_dict()
        return json.loads(json.dumps(d))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        return _from_dict(cls, d)

    @classmethod
    def tiny(cls, **kw: Any) -> ModelConfig:
        """A very small model for tests and smoke runs (same code path)."""
        base: dict[str, Any] = dict(
            enc_channels=(16, 16),
            enc_hidden=32,
            dec_channels=(16, 16),
            cond_hidden=16,
            disc_hidden=16,
        )
        return cls(**{**base, **kw})


@dataclass(frozen=True)
class TrainConfig:
    """WAE training. ``steps`` counts optimiser steps; ``batch_size`` is the global batch
    (split evenly over the processes of a distributed run)."""

    steps: int = 6000
    batch_size: int = 64
    lr: float = 1e-3
    lr_final_fraction: float = 0.1
    warmup_steps: int = 0  # 0: warmup_fraction of the run instead
    warmup_fraction: float = 0.03
    weight_decay: float = 0.0
    seed: int = 0
    recon_loss: str = "l1"
    sc_weight: float = SC_WEIGHT
    # The waveform term (harmonic head only): the notes played by the harmonic-plus-noise
    # vocoder against the library's audio, multi-resolution spectral convergence plus
    # log-magnitude L1, on the first ``wave_batch`` notes of each batch (it costs more than
    # the rest of a step). 0: off.
    wave_weight: float = 0.0
    wave_batch: int = 8
    # Adversarial training on the same played notes (harmonic head only): multi-period and
    # multi-resolution discriminators (models/wave_discriminators.py), least-squares GAN
    # plus feature matching, on aligned crops of ``gan_crop`` samples. 0: off.
    gan_weight: float = 0.0
    gan_crop: int = 16384
    gan_lr: float = 2e-4
    mmd_weight: float = 10.0
    mmd_scales: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
    disc_lr: float = 1e-3
    alpha_max: float = 4.0
    alpha_pre_fraction: float = 0.1
    alpha_rise_end_fraction: float = 0.5
    grad_clip: float = 5.0
    checkpoint_every: int = 500
    log_every: int = 10
    valid_every: int = 500
    # Start from another WAE run's weights (those whose names and shapes match; e.g. a
    # shipped model read back by ``waefader recover``) and optionally keep its encoder, so
    # z, the Fader result and transform mode stay those of that model.
    init_from: str = ""
    freeze_encoder: bool = False

    def __post_init__(self) -> None:
        if self.freeze_encoder and not self.init_from:
            raise ValueError("freeze_encoder needs init_from (a trained encoder to keep)")
        if self.recon_loss not in RECON_LOSSES:
            raise ValueError(f"recon_loss must be one of {RECON_LOSSES}")
        if self.wave_weight < 0 or self.wave_batch < 1:
            raise ValueError("wave_weight must be >= 0 and wave_batch >= 1")
        if self.gan_weight < 0 or self.gan_crop < 256 or self.gan_lr <= 0:
            raise ValueError("gan_weight must be >= 0, gan_crop >= 256 and gan_lr > 0")
        if self.steps < 1 or self.batch_size < 2:
            raise ValueError("steps must be >= 1 and batch_size >= 2 (MMD needs pairs)")
        if not 0.0 <= self.alpha_pre_fraction <= self.alpha_rise_end_fraction <= 1.0:
            raise ValueError("need 0 <= alpha_pre_fraction <= alpha_rise_end_fraction <= 1")
        _check_warmup(self.warmup_steps, self.warmup_fraction, self.steps)

    @property
    def warmup(self) -> int:
        """Learning-rate warm-up in steps: ``warmup_steps``, or ``warmup_fraction`` of the run."""
        return warmup_length(self.warmup_steps, self.warmup_fraction, self.steps)

    @property
    def plays_notes(self) -> bool:
        """A waveform term is on: the decoder's notes are played and need their audio."""
        return self.wave_weight > 0 or self.gan_weight > 0

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        return _from_dict(cls, d)


@dataclass(frozen=True)
class MCNNConfig:
    """The MCNN inverter (Arik et al. 2018): ``n_heads`` parallel heads, each a stack of
    transposed Conv1d layers with the given ``strides`` (their product is the hop),
    ``kernels`` and output ``channels`` (the last is 1), ELU between layers; a trainable
    scale per head, the heads summed, a scaled softsign with trainable parameters.

    ``input_scale``: the model always takes the log-Mel features; ``linear`` (default)
    turns them back into linear Mel magnitudes inside the graph first, so the layers see
    inputs proportional to the output amplitude (measured: with ``log`` the net barely
    learned the level after 1,500 steps, see docs/TRAINING.md).

    ``harmonics`` > 0 adds the harmonic source of :mod:`models.harmonic` (that many
    partials, pitch estimated from the features, phase continuous across frames) to the
    heads' sum, so steady partials are not pulled onto multiples of ``sample_rate / hop``."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    n_heads: int = 2
    strides: tuple[int, ...] = (4, 4, 4, 4)
    kernels: tuple[int, ...] = (8, 8, 8, 8)
    channels: tuple[int, ...] = (96, 32, 12, 1)
    input_scale: str = "linear"
    harmonics: int = 64

    def __post_init__(self) -> None:
        if self.input_scale not in ("linear", "log"):
            raise ValueError("input_scale must be 'linear' or 'log'")
        if not len(self.strides) == len(self.kernels) == len(self.channels):
            raise ValueError("strides, kernels and channels need one entry per layer")
        prod = 1
        for s in self.strides:
            prod *= s
        if prod != self.features.hop:
            raise ValueError(f"product of strides {prod} != hop {self.features.hop}")
        if self.channels[-1] != 1:
            raise ValueError("the last layer of a head must have 1 channel")
        for k, s in zip(self.kernels, self.strides, strict=True):
            if k < s:
                raise ValueError(f"kernel {k} shorter than its stride {s} leaves gaps")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["features"] = self.features.to_dict()
        return json.loads(json.dumps(d))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MCNNConfig:
        return _from_dict(cls, d)

    @classmethod
    def for_features(cls, features: FeatureConfig) -> MCNNConfig:
        """The default architecture; for a hop other than 256 the strides are refactored
        (4s, then a 2) and the other lists follow the default pattern."""
        default = cls()
        if features.hop == default.features.hop:
            return cls(features=features)
        strides = _factor_strides(features.hop)
        n = len(strides)
        chans = (*tuple(max(1, default.channels[0] // 3**i) for i in range(n - 1)), 1)
        return cls(
            features=features,
            strides=strides,
            kernels=tuple(2 * s for s in strides),
            channels=chans,
        )

    @classmethod
    def tiny(cls, features: FeatureConfig | None = None, harmonics: int = 4) -> MCNNConfig:
        f = features or FeatureConfig()
        strides = _factor_strides(f.hop)
        return cls(
            features=f,
            harmonics=harmonics,
            n_heads=2,
            strides=strides,
            kernels=tuple(2 * s for s in strides),
            channels=(*(8 for _ in strides[:-1]), 1),
        )


def _factor_strides(hop: int) -> tuple[int, ...]:
    """Factor the hop into strides of 4 (and one 2 if needed)."""
    out: list[int] = []
    while hop % 4 == 0 and hop > 1:
        out.append(4)
        hop //= 4
    if hop == 2:
        out.append(2)
    elif hop != 1:
        raise ValueError("hop must be a power of two")
    return tuple(out)


@dataclass(frozen=True)
class MCNNTrainConfig:
    """MCNN training on random crops of ``crop_frames`` frames (the model is local, so
    crops give more varied batches per second of CPU). Losses: spectral convergence +
    log-magnitude L1, averaged over the STFT sizes in ``fft_sizes`` (hop = size / 4)."""

    steps: int = 8000
    batch_size: int = 16
    crop_frames: int = 32
    lr: float = 1e-3
    lr_final_fraction: float = 0.1
    warmup_steps: int = 0  # 0: warmup_fraction of the run instead
    warmup_fraction: float = 0.03
    seed: int = 0
    fft_sizes: tuple[int, ...] = (2048, 1024, 512, 256)
    log_mag_weight: float = 1.0
    grad_clip: float = 5.0
    checkpoint_every: int = 500
    log_every: int = 10
    valid_every: int = 500

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1 or self.crop_frames < 1:
            raise ValueError("steps, batch_size and crop_frames must be >= 1")
        _check_warmup(self.warmup_steps, self.warmup_fraction, self.steps)

    @property
    def warmup(self) -> int:
        """Learning-rate warm-up in steps: ``warmup_steps``, or ``warmup_fraction`` of the run."""
        return warmup_length(self.warmup_steps, self.warmup_fraction, self.steps)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MCNNTrainConfig:
        return _from_dict(cls, d)


def warmup_length(steps: int, fraction: float, total: int) -> int:
    """Warm-up steps: ``steps`` when set (> 0), else ``fraction`` of ``total`` (at least 1)."""
    if steps > 0:
        return steps
    return max(1, round(fraction * total))


def _check_warmup(steps: int, fraction: float, total: int) -> None:
    if steps < 0 or not 0.0 <= fraction <= 1.0:
        raise ValueError("the warm-up needs warmup_steps >= 0 and 0 <= warmup_fraction <= 1")
    if steps > total:
        raise ValueError(
            f"a warm-up of {steps} steps is longer than the run ({total} steps); "
            "give it as a fraction (e.g. --warmup 0.05) or fewer steps"
        )


def write_json(path: Path, obj: dict[str, Any]) -> None:
    """Atomic JSON write (tmp + os.replace)."""
    import os

    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2) + "\n")
    os.replace(tmp, path)
