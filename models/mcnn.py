"""MCNN spectrogram inversion (Arik, Jun, Diamos 2018, arXiv 1808.06719), sized for one CPU core.

``features (B, n_mels, T)`` (the fixed-scale log-Mel features themselves) ->
``waveform (B, T * hop)``. With ``input_scale="linear"`` (default) the graph first maps the
features back to linear Mel magnitudes, which scale with the output amplitude. Each head is
a stack of strided transposed Conv1d layers with ELU between them; a trainable scalar
weights each head; the heads are summed and passed through a scaled softsign
``a * x / (1 + |b * x|)`` with trainable ``a`` and ``b``.

Known limit (measured, docs/TRAINING.md): the network is translation-equivariant with a
total stride of one hop, so a stationary input frame sequence gives an output that is
periodic with period ``hop``; steady partials land on multiples of ``sample_rate / hop``
(86.1 Hz at the defaults) instead of their true frequencies.

Chunked rendering. Every layer has ``kernel >= stride`` and crops its padding so that
``L`` inputs give exactly ``L * stride`` outputs; an output sample therefore depends on
few frames around its own. :meth:`MCNN.lookahead_frames` (computed from the geometry) says
how many frames past the last one of a prefix influence the prefix's samples: rendering
the first ``k + lookahead`` frames and keeping ``k * hop`` samples gives exactly the first
``k * hop`` samples of the full render; rendering the first ``k`` frames alone matches
except for the last :meth:`MCNN.edge_samples` samples. Tested in tests/models/test_mcnn.py.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from models.config import MCNNConfig
from models.harmonic import HarmonicSource


def transposed_padding(kernel: int, stride: int) -> tuple[int, int]:
    """``(padding, output_padding)`` so that ConvTranspose1d maps ``L`` to ``L * stride``."""
    extra = kernel - stride
    pad = (extra + 1) // 2
    return pad, 2 * pad - extra


class Head(nn.Module):
    """One head: ``(B, n_mels, T)`` -> ``(B, 1, T * hop)``."""

    def __init__(self, cfg: MCNNConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = cfg.features.n_mels
        for i, (s, k, c) in enumerate(zip(cfg.strides, cfg.kernels, cfg.channels, strict=True)):
            pad, out_pad = transposed_padding(k, s)
            layers.append(
                nn.ConvTranspose1d(c_in, c, k, stride=s, padding=pad, output_padding=out_pad)
            )
            if i < len(cfg.strides) - 1:
                layers.append(nn.ELU())
            c_in = c
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.net(x)
        return out


class MCNN(nn.Module):
    """Multi-head convolutional inverter. ``forward``: ``(B, n_mels, T)`` -> ``(B, T * hop)``."""

    def __init__(self, cfg: MCNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.heads = nn.ModuleList(Head(cfg) for _ in range(cfg.n_heads))
        # With the harmonic source the heads render what it misses: start them quiet.
        start = 0.1 if cfg.harmonics else 1.0
        self.head_scale = nn.Parameter(torch.full((cfg.n_heads,), start / cfg.n_heads))
        self.softsign_a = nn.Parameter(torch.tensor(1.0))
        self.softsign_b = nn.Parameter(torch.tensor(1.0))
        self.harmonic = HarmonicSource(cfg.features, cfg.harmonics) if cfg.harmonics else None

    def forward(self, features: torch.Tensor, pitch: torch.Tensor | None = None) -> torch.Tensor:
        """``features (B, n_mels, T)``, optional known ``pitch (B,)`` in MIDI units (guides
        the harmonic source; see :mod:`models.harmonic`) -> ``(B, T * hop)``."""
        fc = self.cfg.features
        amp = torch.pow(10.0, (features * fc.db_range + fc.db_floor) / 20.0)
        x = amp if self.cfg.input_scale == "linear" else features
        total = self.head_scale[0] * self.heads[0](x)
        for i in range(1, len(self.heads)):
            total = total + self.head_scale[i] * self.heads[i](x)
        y = total.squeeze(1)
        if self.harmonic is not None:
            y = y + self.harmonic(amp, features, pitch)
        return self.softsign_a * y / (1.0 + torch.abs(self.softsign_b * y))

    def lookahead_frames(self) -> int:
        """Frames after the last frame of a prefix that still change the prefix's samples."""
        la = lookahead_frames(self.cfg)
        return max(la, HarmonicSource.LOOKAHEAD) if self.harmonic is not None else la

    def left_context_frames(self) -> int:
        """Frames before the first frame of a chunk that change the heads' output for the
        chunk's first samples (the harmonic source's phase runs from frame 0)."""
        return left_context_frames(self.cfg)

    def edge_samples(self) -> int:
        """Samples at the end of a ``k``-frame render that differ from the full render."""
        edge = edge_samples(self.cfg)
        if self.harmonic is not None:
            edge = max(edge, HarmonicSource.LOOKAHEAD * self.cfg.features.hop)
        return edge


def lookahead_frames(cfg: MCNNConfig) -> int:
    """From the geometry: ConvTranspose1d output ``n`` reads inputs ``i <= (n + pad) // s``."""
    n = cfg.features.hop - 1  # last sample of frame 0
    for k, s in zip(reversed(cfg.kernels), reversed(cfg.strides), strict=True):
        pad, _ = transposed_padding(k, s)
        n = (n + pad) // s
    return n


def left_context_frames(cfg: MCNNConfig) -> int:
    """Output ``n`` reads inputs ``i >= ceil((n + pad - k + 1) / s)``."""
    n = 0  # first sample of frame 0
    for k, s in zip(reversed(cfg.kernels), reversed(cfg.strides), strict=True):
        pad, _ = transposed_padding(k, s)
        n = math.ceil((n + pad - k + 1) / s)
    return -n


def edge_samples(cfg: MCNNConfig) -> int:
    """Last samples of a prefix render that read (missing) frames past its end.

    Walks each layer back from the end: at a layer of stride ``s`` and padding ``p``, the
    last ``s - p``-aligned outputs before the end read input past the end once
    ``(n + p) // s`` reaches it; the counts compound through the upper layers' strides.
    """
    edge = 0  # in units of the current layer's input samples (starting at frames)
    for k, s in zip(cfg.kernels, cfg.strides, strict=True):
        pad, _ = transposed_padding(k, s)
        # Outputs n with (n + pad) // s >= L - edge, i.e. n >= s*(L - edge) - pad.
        edge = s * edge + pad
    return edge
