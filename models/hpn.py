"""The harmonic-plus-noise vocoder: the decoder's harmonic head rendered as sound directly.

The harmonic decoder head (:mod:`models.wae.harmonic_head`) already says, per frame, the
pitch (the key asked for plus a learned bend), the amplitude of each partial and a noise
floor per Mel band; it is trained so that those, drawn into a Mel spectrogram exactly as the
features see them, match the library's notes. This vocoder plays them:

- partials: phase-continuous sinusoids at whole multiples of the frame's pitch, amplitudes
  interpolated between frames (:func:`models.harmonic.additive`, the MCNN's own harmonic
  synthesis): in tune by construction, and no frame-rate comb, since nothing in it repeats
  every hop (the MCNN's heads do: +30 dB over the library between the partials);
- noise: ``bands`` fixed noise signals, each band-limited to a group of Mel bands (drawn
  once from a seeded generator and stored in the model), scaled per frame so each Mel band
  reads the head's noise floor. The gain of every band is measured on its own noise once, at
  construction, through the feature extractor.

No weights are learned here; the decoder's are the model. Shapes: ``f0 (B, T)`` Hz,
``amp (B, K, T)`` linear amplitudes, ``noise (B, n_mels, T)`` linear Mel magnitudes ->
``(B, T * hop)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from models.harmonic import additive, phase_quanta, sine_table
from realtime.dsp.features import FeatureConfig, mel_filterbank, mel_magnitude

NOISE_SEED = 20191202


@dataclass(frozen=True)
class HpnConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    partials: int = 80
    bands: int = 32  # noise signals: groups of n_mels / bands Mel bands


def noise_bank(cfg: HpnConfig) -> tuple[np.ndarray, np.ndarray]:
    """``(basis (bands, note_samples), gain (n_mels,))``: white noise band-limited to each
    group of Mel bands (the FFT bins between the group's outer triangle edges), and the Mel
    magnitude each band's noise reads in each of its own Mel bands (time median)."""
    f = cfg.features
    if f.n_mels % cfg.bands:
        raise ValueError(f"bands ({cfg.bands}) must divide n_mels ({f.n_mels})")
    n = f.note_samples
    fb = mel_filterbank(f)  # (M, F) over the STFT bins of n_fft
    bin_hz = np.fft.rfftfreq(f.n_fft, 1.0 / f.sample_rate)
    freqs = np.fft.rfftfreq(n, 1.0 / f.sample_rate)
    rng = np.random.default_rng(NOISE_SEED)
    per = f.n_mels // cfg.bands
    basis = np.zeros((cfg.bands, n), np.float64)
    gain = np.zeros(f.n_mels, np.float64)
    for b in range(cfg.bands):
        rows = fb[b * per : (b + 1) * per]
        support = bin_hz[(rows > 0).any(axis=0)]
        lo, hi = (support.min(), support.max()) if support.size else (0.0, 0.0)
        spec = rng.standard_normal(len(freqs)) + 1j * rng.standard_normal(len(freqs))
        spec[(freqs < lo) | (freqs > hi)] = 0.0
        x = np.fft.irfft(spec, n)
        basis[b] = x / max(np.sqrt(np.mean(x**2)), 1e-12)
        mel = mel_magnitude(basis[b].astype(np.float32), f)  # (M, T)
        gain[b * per : (b + 1) * per] = np.median(mel[b * per : (b + 1) * per], axis=1)
    return basis.astype(np.float32), np.maximum(gain, 1e-9).astype(np.float32)


class HarmonicNoiseVocoder(nn.Module):
    """Head parameters -> waveform (see the module doc)."""

    basis: torch.Tensor
    inv_gain: torch.Tensor
    sines: torch.Tensor

    def __init__(self, cfg: HpnConfig) -> None:
        super().__init__()
        self.cfg = cfg
        f = cfg.features
        self.hop, self.sample_rate = f.hop, float(f.sample_rate)
        self.quanta = phase_quanta(f)
        basis, gain = noise_bank(cfg)
        # Persistent: exported as an initializer (weight compression applies to it).
        # Laid out per frame, (T, bands, hop): a frame's noise is one small matrix product.
        per_frame = basis.reshape(cfg.bands, f.n_frames, f.hop).transpose(1, 0, 2)
        self.register_buffer("basis", torch.from_numpy(np.ascontiguousarray(per_frame)))
        self.register_buffer("sines", torch.from_numpy(sine_table(cfg.partials)), persistent=False)
        self.register_buffer("inv_gain", torch.from_numpy(1.0 / gain).view(1, -1, 1))

    def lookahead_frames(self) -> int:
        """Samples of frame t move towards frame t + 1."""
        return 1

    def forward(self, f0: torch.Tensor, amp: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        B, _, T = amp.shape
        wave = additive(f0, amp, self.hop, self.sample_rate, self.quanta, self.sines)
        # each band's level: the mean over its Mel bands of floor / that band's own reading
        per = self.cfg.features.n_mels // self.cfg.bands
        level = (noise * self.inv_gain).view(B, self.cfg.bands, per, T).mean(dim=2)  # (B, N, T)
        nxt = torch.cat([level[..., 1:], level[..., -1:]], dim=2)
        # Levels move linearly from frame t to t+1: per frame, sum_b level_b * noise_b plus
        # j * sum_b (next - level)_b * noise_b, two (1, N) x (N, hop) products per frame.
        # (T, N, hop); sliced only for a head (a slice of the whole copies it: 1 ms)
        basis = self.basis if self.basis.shape[0] == T else self.basis[:T]
        flat = torch.matmul(level.transpose(1, 2).unsqueeze(2), basis)  # (B, T, 1, hop)
        slope = torch.matmul((nxt - level).transpose(1, 2).unsqueeze(2), basis)
        j = torch.arange(self.hop, dtype=amp.dtype, device=amp.device) / self.hop
        noise_wave = (flat + slope * j).reshape(B, T * self.hop)
        out: torch.Tensor = wave + noise_wave
        return out
