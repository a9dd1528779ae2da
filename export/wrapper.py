"""The export wrappers: the graph interface of the runtime, declared once, apart from training.

Each wrapper takes trained modules and exposes exactly the inputs and output the manifest
promises (names and order from :func:`realtime.manifest.condition_layout`), so the exported
graph cannot drift from what the runtime feeds. Export runs every wrapper on zeros and on
real inputs before writing anything (:mod:`export.parity`).

Shapes: ``B`` notes, ``L`` latent size, ``S`` styles, ``T`` frames, ``hop`` samples/frame.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from models.hpn import HarmonicNoiseVocoder
from models.mcnn import MCNN
from models.wae.condition import Condition
from models.wae.decoder import Decoder
from models.wae.encoder import Encoder
from realtime.conditions import N_DYNAMICS, N_OCTAVES, N_PITCH_CLASSES
from realtime.manifest import ENCODER_INPUT, ENCODER_OUTPUT, SYNTH_OUTPUT, condition_layout

# The fast-start head renders at least this much audio: long enough that the whole note,
# rendered on a second thread, comes before it runs out on 2 busy cores. With whole notes
# at 16-23 ms, 100 ms ran out 3-54 times a minute at 32 notes/s and the head was 200 ms;
# since the wavetable synthesis (whole notes in 5-8 ms) 100 ms is enough again at 64/s,
# and the shorter head starts each note about 0.6 ms sooner (docs/REALTIME.md).
FIRST_AUDIO_MS = 100.0


Vocoder = MCNN | HarmonicNoiseVocoder


class SynthWrapper(nn.Module):
    """Decoder + vocoder (the MCNN, or the harmonic-plus-noise vocoder of :mod:`models.hpn`,
    which plays the decoder's harmonic head directly) as one graph.

    ``z (B, L)``, ``pitch_class (B, 12)``, ``octave (B, 9)``, ``style (B, S)``,
    ``dynamics (B, 3)`` -> ``waveform (B, frames * hop)``.

    ``frames=None`` renders the whole note. A smaller ``frames`` is the fast-start head: the
    decoder still runs whole (AdaIN normalises over all frames, so the first frames depend
    on the rest), but the MCNN, the costly part, renders only ``frames + lookahead`` frames
    and the output keeps the first ``frames * hop`` samples, equal to the whole render's.
    """

    def __init__(
        self, decoder: Decoder, mcnn: Vocoder, frames: int | None = None, guide_pitch: bool = True
    ) -> None:
        super().__init__()
        self.guide_pitch = guide_pitch  # False: the unguided search of models before 2026-12
        self.decoder = decoder
        self.mcnn = mcnn
        n_frames = decoder.cfg.features.n_frames
        self.frames = n_frames if frames is None else frames
        if not 0 < self.frames <= n_frames:
            raise ValueError(f"frames must be in 1..{n_frames}, got {frames}")
        self.mcnn_frames = min(n_frames, self.frames + mcnn.lookahead_frames())
        self.hop = mcnn.cfg.features.hop

    @property
    def samples(self) -> int:
        return self.frames * self.hop

    def forward(
        self,
        z: torch.Tensor,
        pitch_class: torch.Tensor,
        octave: torch.Tensor,
        style: torch.Tensor,
        dynamics: torch.Tensor,
    ) -> torch.Tensor:
        # The decoder is linear at its output; below 0 is below the -100 dB floor, where the
        # MCNN never saw data. Evaluation and fine-tuning clamp the same way.
        cond = Condition(pitch_class, octave, style, dynamics)
        n_frames = self.decoder.cfg.features.n_frames
        head = self.mcnn_frames if self.mcnn_frames < n_frames else None
        wave: torch.Tensor
        if isinstance(self.mcnn, HarmonicNoiseVocoder):
            wave = self.mcnn(*self.decoder.harmonic_params(z, cond, head))
        else:
            features = self.decoder(z, cond, head).clamp_min(0.0)
            # The key asked for guides the vocoder's pitch search (no octave errors).
            wave = self.mcnn(features, cond.midi() if self.guide_pitch else None)
        return wave[:, : self.samples] if self.frames < self.mcnn_frames else wave


class EncoderWrapper(nn.Module):
    """``features (B, n_mels, T)`` -> ``z (B, L)``; BatchNorm in eval mode (running stats)."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        z: torch.Tensor = self.encoder(features)
        return z


def head_frames(sample_rate: int, hop: int, n_frames: int) -> int:
    """Frames whose audio covers the first ``FIRST_AUDIO_MS`` (9 at 22,050 Hz, hop 256:
    104 ms)."""
    return min(n_frames, math.ceil(FIRST_AUDIO_MS / 1000.0 * sample_rate / hop))


def synth_io(latent_dim: int, n_styles: int) -> tuple[list[str], list[str]]:
    """(input names, output names) of the synth graphs, in the manifest's order."""
    return [c.name for c in condition_layout(latent_dim, n_styles)], [SYNTH_OUTPUT]


def encoder_io() -> tuple[list[str], list[str]]:
    return [ENCODER_INPUT], [ENCODER_OUTPUT]


def zero_synth_inputs(latent_dim: int, n_styles: int, batch: int = 2) -> tuple[torch.Tensor, ...]:
    """All-zero synth inputs (the silent 'no condition' point), used to trace and check."""
    sizes = (latent_dim, N_PITCH_CLASSES, N_OCTAVES, n_styles, N_DYNAMICS)
    return tuple(torch.zeros(batch, n) for n in sizes)
