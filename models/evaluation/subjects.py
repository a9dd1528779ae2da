"""What the evaluation measures: trained WAE variants and renderers, behind small interfaces.

The study code (generation, mixing, probe, reconstruction) talks numpy to these protocols
only, so it can be tested with stand-in models and does not follow every change of the
torch classes. Shapes: features ``(B, n_mels, T)``; ``z (B, L)``; conditions as in
realtime/conditions.py (``pitch_class (B, 12)``, ``octave (B, 9)``, ``style (B, S)``,
``dynamics (B, 3)``); audio ``(B, note_samples)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from models.mcnn import MCNN
from models.wae import WAE, Condition
from realtime.conditions import N_DYNAMICS, N_OCTAVES, N_PITCH_CLASSES
from realtime.dsp.features import FeatureConfig
from realtime.dsp.griffinlim import features_to_audio


@dataclass(frozen=True)
class Conditions:
    """A batch of condition weights (numpy, float32)."""

    pitch_class: np.ndarray
    octave: np.ndarray
    style: np.ndarray
    dynamics: np.ndarray

    @classmethod
    def one_hot(cls, pitch: np.ndarray, style: np.ndarray, dynamics: np.ndarray, n_styles: int
                ) -> Conditions:
        """From MIDI pitches, style and dynamics indices, each ``(B,)`` int."""
        pitch = np.asarray(pitch, dtype=np.int64)
        octv = np.clip(pitch // 12 - 1, 0, N_OCTAVES - 1)
        return cls(_eye(N_PITCH_CLASSES)[pitch % 12], _eye(N_OCTAVES)[octv],
                   _eye(n_styles)[np.asarray(style)], _eye(N_DYNAMICS)[np.asarray(dynamics)])

    def __len__(self) -> int:
        return int(self.pitch_class.shape[0])

    def take(self, idx: slice | np.ndarray) -> Conditions:
        return Conditions(self.pitch_class[idx], self.octave[idx], self.style[idx],
                          self.dynamics[idx])


def _eye(n: int) -> np.ndarray:
    return np.eye(n, dtype=np.float32)


class EvalModel(Protocol):
    """A trained autoencoder variant as the evaluation sees it."""

    name: str
    latent_dim: int
    styles: tuple[str, ...]

    def encode(self, features: np.ndarray) -> np.ndarray:
        """``(B, n_mels, T)`` -> ``z (B, L)``."""
        ...

    def decode(self, z: np.ndarray, cond: Conditions) -> np.ndarray:
        """``z (B, L)`` + conditions -> features ``(B, n_mels, T)`` in [0, ...)."""
        ...


class Renderer(Protocol):
    """Features -> audio; ``name`` keys the ``renderers`` table of report.json."""

    name: str

    def render(self, features: np.ndarray) -> np.ndarray:
        """``(B, n_mels, T)`` -> ``(B, note_samples)`` float32."""
        ...


class TorchWAE:
    """:class:`EvalModel` over a ``models.wae.WAE`` (eval mode, CPU, batched, no grad)."""

    def __init__(self, wae: WAE, name: str, batch: int = 64) -> None:
        self.wae = wae.eval()
        cfg = wae.cfg
        self.name = name
        self.latent_dim = int(cfg.latent_dim)
        self.styles = tuple(cfg.style_names)
        self.batch = batch

    @torch.no_grad()
    def encode(self, features: np.ndarray) -> np.ndarray:
        out = []
        for s in range(0, len(features), self.batch):
            x = torch.as_tensor(np.asarray(features[s : s + self.batch], dtype=np.float32))
            out.append(self.wae.encoder(x).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.latent_dim), np.float32)

    @torch.no_grad()
    def decode(self, z: np.ndarray, cond: Conditions) -> np.ndarray:
        out = []
        for s in range(0, len(z), self.batch):
            c = cond.take(slice(s, s + self.batch))
            tc = Condition(*(torch.as_tensor(a, dtype=torch.float32)
                             for a in (c.pitch_class, c.octave, c.style, c.dynamics)))
            zz = torch.as_tensor(np.asarray(z[s : s + self.batch], dtype=np.float32))
            # The decoder is linear at its output; below 0 means below the -100 dB floor.
            out.append(self.wae.decoder(zz, tc).clamp_min(0.0).numpy())
        return np.concatenate(out)


class GriffinLimRenderer:
    """The offline reference: Mel inversion + fast Griffin-Lim (numpy)."""

    def __init__(self, cfg: FeatureConfig, n_iter: int = 100, name: str = "griffin_lim") -> None:
        self.cfg = cfg
        self.n_iter = n_iter
        self.name = name

    def render(self, features: np.ndarray) -> np.ndarray:
        return np.stack([features_to_audio(np.asarray(f, np.float32), self.cfg, self.n_iter)
                         for f in features])


class TorchMCNN:
    """:class:`Renderer` over a ``models.mcnn.MCNN`` (features -> waveform)."""

    def __init__(self, mcnn: MCNN, name: str, batch: int = 16) -> None:
        self.mcnn = mcnn.eval()
        self.name = name
        self.batch = batch

    @torch.no_grad()
    def render(self, features: np.ndarray) -> np.ndarray:
        out = []
        for s in range(0, len(features), self.batch):
            x = torch.as_tensor(np.asarray(features[s : s + self.batch], dtype=np.float32))
            out.append(self.mcnn(x).numpy())
        return np.concatenate(out).astype(np.float32)


def timed_render(renderer: Renderer, features: np.ndarray) -> tuple[np.ndarray, float]:
    """Render and return ``(audio, milliseconds per note)`` (wall clock, this process).

    One note is rendered first, untimed, so one-off costs (allocator, thread pool, lazy
    init) are not billed to the notes. Shared machines make this noisy: ``waefader bench
    render`` is the authoritative timing of the real-time path.
    """
    if len(features):
        renderer.render(features[:1])
    t0 = time.perf_counter()
    audio = renderer.render(features)
    return audio, 1000.0 * (time.perf_counter() - t0) / max(len(features), 1)
