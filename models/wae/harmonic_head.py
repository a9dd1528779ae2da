"""A decoder output that is in tune by construction: partials of the asked pitch + noise, in Mel.

The paper's decoder ends in a 1x1 convolution from channels to Mel bins, so every pitch's
comb of partials is a mix of a few learned basis spectra. Where the corpus has few notes
(octave 2 of the bassoon, trombone, horn and cello) the mix came out as the comb of the
octave above (odd partials 30-60 dB down): those keys sounded an octave high.

This head draws the comb itself. From the decoder's last features ``x (B, C, T)`` it
predicts, per frame,
- ``K`` partial amplitudes (feature units, 0 = -100 dB, 1 = 0 dB),
- a pitch deviation in semitones (``+-max_bend``, tanh): vibrato, trills and glides,
- a noise floor per Mel bin (attacks, bow and breath noise, whatever is not a partial),
and renders the Mel magnitude of those sinusoids exactly as the feature extractor would
see them: the response of every Mel band to a unit cosine at each frequency is tabulated
once (:func:`sinusoid_table`, Hann window and filterbank of the feature config), and each
partial adds its amplitude times that response, interpolated between the two nearest grid
frequencies so the pitch deviation gets a gradient. The pitch comes from the condition
(:meth:`Condition.midi`), so a key can no longer sound in another octave.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import nn

from models.features import feature_to_amplitude
from realtime.dsp.features import FeatureConfig, hann_window, magnitude_scale, mel_filterbank

GRID_HZ = 1.0  # table resolution; responses change smoothly well within a 1 Hz step
CHUNK = 512
# Window leakage below -60 dB of the partial is left out (the noise floor covers it): this
# keeps the table a few bands wide instead of the whole spectrum.
LEAK_FLOOR = 1e-3


@lru_cache(maxsize=4)
def sinusoid_table(cfg: FeatureConfig, grid_hz: float = GRID_HZ) -> tuple[np.ndarray, np.ndarray]:
    """Mel response to a unit cosine at ``g * grid_hz`` Hz for ``g = 0 .. fmax / grid_hz``:
    ``start (G,)`` int64, the first band with a response, and ``resp (G, W)`` float32, the
    responses of bands ``start .. start + W - 1``."""
    freqs = np.arange(0.0, cfg.fmax + grid_hz, grid_hz)
    n = np.arange(cfg.n_fft)
    w = hann_window(cfg.n_fft).astype(np.float64)
    fb = mel_filterbank(cfg).astype(np.float64)
    dense = np.empty((len(freqs), cfg.n_mels))
    for i in range(0, len(freqs), CHUNK):
        f = freqs[i : i + CHUNK, None]
        mag = np.abs(np.fft.rfft(w * np.cos(2 * np.pi * f * n / cfg.sample_rate), axis=-1))
        dense[i : i + CHUNK] = (mag / magnitude_scale(cfg)) @ fb.T
    dense[dense < LEAK_FLOOR] = 0.0
    nz = dense > 0
    first = np.where(nz.any(axis=1), nz.argmax(axis=1), 0)
    last = np.where(nz.any(axis=1), cfg.n_mels - 1 - nz[:, ::-1].argmax(axis=1), 0)
    width = int((last - first).max()) + 1
    start = np.minimum(first, cfg.n_mels - width)
    cols = start[:, None] + np.arange(width)
    resp = np.take_along_axis(dense, cols, axis=1)
    return start.astype(np.int64), resp.astype(np.float32)


class HarmonicMelHead(nn.Module):
    """``x (B, C, T)``, ``midi (B,)`` -> features ``(B, n_mels, T)`` (see the module doc)."""

    start: torch.Tensor
    resp: torch.Tensor
    k: torch.Tensor

    def __init__(
        self, cfg: FeatureConfig, channels: int, partials: int = 80, max_bend: float = 2.5
    ) -> None:
        super().__init__()
        self.cfg, self.partials, self.max_bend = cfg, partials, max_bend
        start, resp = sinusoid_table(cfg)
        # Not persistent: rebuilt from the feature config, so checkpoints stay small.
        self.register_buffer("start", torch.from_numpy(start), persistent=False)
        self.register_buffer("resp", torch.from_numpy(resp), persistent=False)
        k = torch.arange(1, partials + 1, dtype=torch.float32).view(1, -1, 1)
        self.register_buffer("k", k, persistent=False)
        self.amp = nn.Conv1d(channels, partials, 1)
        self.noise = nn.Conv1d(channels, cfg.n_mels, 1)
        self.bend = nn.Conv1d(channels, 1, 1)
        # Start quiet (-60 dB partials, -80 dB noise) and in tune (no bend).
        for conv, bias in ((self.amp, 0.4), (self.noise, 0.2), (self.bend, 0.0)):
            nn.init.normal_(conv.weight, std=0.01)
            nn.init.constant_(conv.bias, bias)  # type: ignore[arg-type]

    def pitch(self, x: torch.Tensor, midi: torch.Tensor) -> torch.Tensor:
        """The bent pitch of every frame ``(B, 1, T)`` in Hz."""
        bend = self.max_bend * torch.tanh(self.bend(x))  # (B, 1, T)
        return 440.0 * torch.pow(2.0, (midi.view(-1, 1, 1) + bend - 69.0) / 12.0)

    def frequencies(self, x: torch.Tensor, midi: torch.Tensor) -> torch.Tensor:
        """Partial frequencies ``(B, K, T)`` in Hz for the bent pitch of every frame."""
        return self.k * self.pitch(x, midi)

    def params(
        self, x: torch.Tensor, midi: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """What the head draws, before it is drawn as a Mel: pitch ``(B, T)`` Hz, partial
        amplitudes ``(B, K, T)`` (0 at and above ``fmax``) and the noise floor ``(B, n_mels,
        T)``, all linear (the harmonic-plus-noise vocoder, :mod:`models.hpn`, plays them)."""
        f0 = self.pitch(x, midi)
        below = (self.k * f0 < self.cfg.fmax).to(x.dtype)
        amp = feature_to_amplitude(self.amp(x), self.cfg) * below
        return f0[:, 0], amp, feature_to_amplitude(self.noise(x), self.cfg)

    def forward(self, x: torch.Tensor, midi: torch.Tensor) -> torch.Tensor:
        freqs = self.frequencies(x, midi)
        amp = feature_to_amplitude(self.amp(x), self.cfg)
        return self.draw(freqs, amp, feature_to_amplitude(self.noise(x), self.cfg))

    def draw(self, freqs: torch.Tensor, amp: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Partials at ``freqs (B, K, T)`` Hz with linear amplitudes ``amp (B, K, T)`` (those
        at and above ``fmax`` left out) plus the linear noise floor ``noise (B, n_mels, T)``,
        drawn as the features see them: ``(B, n_mels, T)`` feature units."""
        B, _, T = amp.shape
        amp = amp * (freqs < self.cfg.fmax).to(amp.dtype)
        g = freqs.clamp(0.0, self.cfg.fmax) / GRID_HZ
        i0 = g.floor().clamp(max=self.resp.shape[0] - 2)
        frac = (g - i0).unsqueeze(-1)  # (B, K, T, 1)
        i0 = i0.long()
        width = self.resp.shape[1]
        cols = torch.arange(width, device=amp.device)
        mel = amp.new_zeros(B, self.cfg.n_mels, T)
        for idx, w in ((i0, 1.0 - frac), (i0 + 1, frac)):
            vals = amp.unsqueeze(-1) * w * self.resp[idx]  # (B, K, T, W)
            bands = self.start[idx].unsqueeze(-1) + cols  # (B, K, T, W)
            vals = vals.permute(0, 1, 3, 2).reshape(B, -1, T)  # (B, K * W, T)
            bands = bands.permute(0, 1, 3, 2).reshape(B, -1, T)
            mel = mel.scatter_add(1, bands, vals)
        db = 20.0 * torch.log10(mel + noise + 1e-5)
        return (db - self.cfg.db_floor) / self.cfg.db_range
