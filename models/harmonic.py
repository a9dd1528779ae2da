"""The harmonic source of the MCNN: pitch from the Mel features, then phase-continuous partials.

Why it exists: a stack of transposed convolutions with a total stride of one hop is
translation-equivariant, so for a steady note (identical frames) it can only output a
waveform that repeats every hop, i.e. partials on multiples of ``sample_rate / hop``
(86.1 Hz at the defaults): a flute A4 came out at 430.7 Hz. A source whose phase runs on
across frames (as in neural source-filter vocoders) lets the partials sit at their true
frequencies; the MCNN heads keep rendering the rest (noise, attacks).

Everything is computed from the features alone (``(B, n_mels, T)`` in, waveform out), so
the MCNN keeps its interface:

1. f0 per frame: harmonic templates (sum of the Mel triangles at the first partials,
   minus the in-between positions) scored against sqrt Mel magnitudes on a grid of 1/5
   semitone, a parabolic refinement, snapped to whole cents, then a median of three
   frames. When the note's pitch is known (the synth always knows the key it was asked
   for), only candidates within :data:`PITCH_WINDOW` semitones of it compete: the search
   then follows vibrato, trills and glides but can no longer pick an octave or a fifth
   from an ambiguous spectrum. (It does not repair a spectrum whose odd partials are
   missing: that is the decoder's error, see docs/QUALITY.md.) Measured on the default
   corpus: median error 1 cent, 90th percentile 6-19 cents on sustained frames
   (tests/models/test_harmonic.py checks synthetic tones).
2. amplitudes per partial and frame: the Mel magnitude read at the partial's frequency
   (unit-height triangles read a sinusoid's amplitude), divided among the partials that
   share the band (``f0 / band width``), times a learned gain per frame and partial (a
   small 1x1-conv net on the features, initialised to 1).
3. synthesis: linear interpolation of f0 and amplitudes between frames; phase = a running
   sum over frames (kept in cycles, wrapped) plus the in-frame ramp; partials above
   ``fmax`` are muted.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from realtime.dsp.features import FeatureConfig, hz_to_mel, mel_to_hz

MIDI_LOW, MIDI_HIGH, GRID_STEP = 21.0, 108.0, 0.2  # f0 search range (A0..C8), semitones
TEMPLATE_PARTIALS = 24
TEMPLATE_DECAY = 0.5  # weight h**-decay of partial h in the template
INTER_WEIGHT = 0.5  # penalty at the half-way positions (h - 1/2) f0
# Candidates kept around a known pitch: wider than a trill or a vibrato, narrower than the
# fifth (3/2 f0) and the octave that a harmonic template confuses with f0.
PITCH_WINDOW = 5.0
# Points per cycle of the partials' wavetables (see :func:`additive`).
TABLE_SIZE = 2048


def mel_edges(cfg: FeatureConfig) -> np.ndarray:
    """The ``n_mels + 2`` filter edge frequencies (Hz) of the features' Mel filterbank."""
    return np.asarray(
        mel_to_hz(np.linspace(hz_to_mel(cfg.fmin), hz_to_mel(cfg.fmax), cfg.n_mels + 2))
    )


def triangle_response(freqs: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Response of each unit-height Mel triangle at ``freqs``: ``(..., n_mels)``."""
    e = mel_edges(cfg)
    lo, mid, hi = e[:-2], e[1:-1], e[2:]
    f = np.asarray(freqs, dtype=np.float64)[..., None]
    return np.maximum(0.0, np.minimum((f - lo) / (mid - lo), (hi - f) / (hi - mid)))


def f0_grid() -> np.ndarray:
    """Candidate pitches in MIDI units, ``(C,)``."""
    return np.arange(MIDI_LOW, MIDI_HIGH + 1e-9, GRID_STEP)


def f0_templates(cfg: FeatureConfig) -> np.ndarray:
    """Harmonic templates ``(C, n_mels)`` float32: + at partials, - half-way between."""
    f0 = 440.0 * 2.0 ** ((f0_grid() - 69.0) / 12.0)
    out = np.zeros((len(f0), cfg.n_mels))
    for h in range(1, TEMPLATE_PARTIALS + 1):
        w = h**-TEMPLATE_DECAY
        for freq, sign in ((h * f0, 1.0), ((h - 0.5) * f0, -INTER_WEIGHT)):
            ok = freq < cfg.fmax
            out[ok] += sign * w * triangle_response(freq[ok], cfg)
    return out.astype(np.float32)


def _median3(x: torch.Tensor) -> torch.Tensor:
    """Median of each frame and its two neighbours along the last axis (edges repeat)."""
    prev = torch.cat([x[..., :1], x[..., :-1]], dim=-1)
    nxt = torch.cat([x[..., 1:], x[..., -1:]], dim=-1)
    return torch.maximum(torch.minimum(prev, x), torch.minimum(torch.maximum(prev, x), nxt))


def phase_quanta(cfg: FeatureConfig) -> float:
    """Quanta per cycle for the frame phase sums: a power of two with the longest sum (top
    pitch over all frames) still below 2**24 quanta (exact in float32)."""
    most = 440.0 * 2.0 ** ((MIDI_HIGH - 69.0) / 12.0) * cfg.note_samples / cfg.sample_rate
    return float(2 ** (24 - int(np.ceil(np.log2(most)))))


def sine_table(partials: int, size: int = TABLE_SIZE) -> np.ndarray:
    """``(K, size + 1)``: one cycle of ``sin(2 pi k x)`` for partials k = 1..K at ``size``
    points, the first point repeated at the end (interpolation never wraps)."""
    x = np.arange(size + 1, dtype=np.float64) / size
    k = np.arange(1, partials + 1, dtype=np.float64)[:, None]
    return np.sin(2.0 * np.pi * k * x).astype(np.float32)


def frame_phase(f0: torch.Tensor, hop: int, sr: float, quanta: float) -> torch.Tensor:
    """The fundamental's phase in cycles, wrapped to [0, 1), of every sample ``(B, T, hop)``
    for pitch ``f0 (B, T)`` Hz, starting at 0 on the first sample; the pitch moves linearly
    from frame t to frame t + 1 (frame t covers samples [t * hop, (t + 1) * hop))."""
    f_next = torch.cat([f0[:, 1:], f0[:, -1:]], dim=1)
    j = torch.arange(hop, dtype=f0.dtype, device=f0.device) / hop  # (hop,)
    # A running sum over frames (wrapped) + the in-frame ramp. The cycles per frame are
    # snapped to multiples of a power of two small enough that every partial sum is exact
    # in float32: the running sum is then the same whatever the summation order (torch and
    # onnxruntime agree bit for bit) instead of drifting by rounding over the note. The ramp
    # is rescaled to end on the snapped value, so the phase stays continuous; the pitch
    # moves by less than 0.05 Hz.
    exact = (f0 + f_next) * (0.5 * hop / sr)  # cycles advanced over frame t
    per_frame = torch.round(exact * quanta) / quanta
    start = torch.cumsum(per_frame, dim=1) - per_frame
    start = start - start.floor()
    ramp = (f0.unsqueeze(-1) * j + 0.5 * (f_next - f0).unsqueeze(-1) * j * j) * (hop / sr)
    ramp = ramp * (per_frame / exact.clamp_min(1e-9)).unsqueeze(-1)
    phase = start.unsqueeze(-1) + ramp
    return phase - phase.floor()


def additive(
    f0: torch.Tensor, a: torch.Tensor, hop: int, sr: float, quanta: float, sines: torch.Tensor
) -> torch.Tensor:
    """Phase-continuous partials: pitch ``f0 (B, T)`` Hz and amplitudes ``a (B, K, T)`` of
    partials 1..K -> ``(B, T * hop)``, ``sum_k a_k sin(2 pi k phase)`` with the phase of
    :func:`frame_phase` and amplitudes moving linearly from frame t to t + 1.
    ``sines``: :func:`sine_table` for at least K partials."""
    B, partials, T = a.shape
    # Every partial is a whole multiple of one phase, so a frame's sum of partials is one
    # periodic waveform: a wavetable per frame (one matrix product), read at the phase.
    # Amplitudes move linearly from frame t to t+1, and so does the sum: the sample is
    # table_t + j * (table_t+1 - table_t) at its phase. The same sound as summing
    # sinusoids (the tables' linear interpolation is off by (2 pi k / size)^2 / 8 of
    # partial k: -42 dB at k = 80, -66 dB at k = 20), at a tenth of the cost on one core.
    size = sines.shape[1] - 1
    tables = torch.matmul(a.transpose(1, 2), sines[:partials])  # (B, T, size + 1)
    tables = torch.cat([tables, tables[:, -1:]], dim=1).reshape(B, (T + 1) * (size + 1))
    pos = frame_phase(f0, hop, sr, quanta) * size
    i0 = pos.floor().clamp(0.0, size - 1.0)
    frac = (pos - i0).reshape(B, T * hop)
    row = torch.arange(T, device=a.device).view(1, T, 1) * (size + 1)
    idx = (i0.long() + row).reshape(B, T * hop)

    def read(at: torch.Tensor) -> torch.Tensor:
        lo, hi = tables.gather(1, at), tables.gather(1, at + 1)
        return lo + frac * (hi - lo)

    now, nxt = read(idx), read(idx + (size + 1))
    j = (torch.arange(hop, dtype=a.dtype, device=a.device) / hop).repeat(T).view(1, T * hop)
    return now + j * (nxt - now)


class HarmonicSource(nn.Module):
    """Linear Mel magnitudes ``(B, n_mels, T)`` (+ log features for the gain net) ->
    the harmonic part of the waveform ``(B, T * hop)``.

    Samples of frame ``t`` read frames ``t`` and ``t + 1``, and the median reads one more:
    :data:`LOOKAHEAD` frames. The phase runs from the first frame, so a render of the first
    ``k + LOOKAHEAD`` frames matches the full render on its first ``k * hop`` samples.
    """

    LOOKAHEAD = 2
    templates: torch.Tensor
    grid: torch.Tensor
    width: torch.Tensor
    k: torch.Tensor
    sines: torch.Tensor

    def __init__(self, cfg: FeatureConfig, partials: int, gain_hidden: int = 64) -> None:
        super().__init__()
        self.cfg, self.partials = cfg, partials
        # Persistent: exported as an initializer (weight compression applies to it), and a
        # checkpoint keeps the templates its model was trained with.
        self.register_buffer("templates", torch.from_numpy(f0_templates(cfg)))
        self.register_buffer(
            "grid", torch.from_numpy(f0_grid().astype(np.float32)), persistent=False
        )
        # Quanta per cycle for the frame phase sums: a power of two with the longest sum
        # (top pitch over all frames) still below 2**24 quanta (exact in float32).
        self.quanta = phase_quanta(cfg)
        edges = mel_edges(cfg)
        e = hz_to_mel(edges)
        self.mel_lo, self.mel_step = float(e[0]), float(e[1] - e[0])
        # Equivalent width (Hz) of each unit-height triangle: a band holding several
        # partials reads their sum, so each partial's share is f0 / width of it.
        width = torch.from_numpy(((edges[2:] - edges[:-2]) / 2).astype(np.float32))
        self.register_buffer("width", width.view(1, -1, 1), persistent=False)
        last = nn.Conv1d(gain_hidden, partials, 1)
        nn.init.zeros_(last.weight)  # gains start at exp(0) = 1
        if last.bias is not None:
            nn.init.zeros_(last.bias)
        self.gain = nn.Sequential(nn.Conv1d(cfg.n_mels, gain_hidden, 1), nn.ELU(), last)
        self.register_buffer(
            "k", torch.arange(1, partials + 1, dtype=torch.float32).view(1, -1, 1), persistent=False
        )
        # Not persistent: rebuilt here, so checkpoints from before the tables still load.
        self.register_buffer("sines", torch.from_numpy(sine_table(partials)), persistent=False)

    def f0(self, amp: torch.Tensor, pitch: torch.Tensor | None = None) -> torch.Tensor:
        """Pitch per frame in Hz, ``(B, T)``, from linear Mel magnitudes ``(B, n_mels, T)``.

        ``pitch (B,)``: the note's known pitch in MIDI units; the search stays within
        :data:`PITCH_WINDOW` semitones of it. ``None``, or 0 for a note, searches the
        whole grid."""
        score = torch.einsum("cm,bmt->bct", self.templates, amp.clamp_min(0).sqrt())
        if pitch is not None:
            p = pitch.view(-1, 1).to(score.dtype)
            far = ((self.grid.view(1, -1) - p).abs() > PITCH_WINDOW) & (p > 0)  # (B, C)
            score = score - far.unsqueeze(-1).to(score.dtype) * 1e4
        best = score.argmax(dim=1)  # (B, T)
        b = best.clamp(1, self.grid.shape[0] - 2)
        y0 = score.gather(1, (b - 1).unsqueeze(1)).squeeze(1)
        y1 = score.gather(1, b.unsqueeze(1)).squeeze(1)
        y2 = score.gather(1, (b + 1).unsqueeze(1)).squeeze(1)
        den = y0 - 2.0 * y1 + y2
        offset = torch.where(
            den.abs() > 1e-9, 0.5 * (y0 - y2) / torch.where(den.abs() > 1e-9, den, 1.0), 0.0
        )
        midi = self.grid[b] + GRID_STEP * offset.clamp(-0.5, 0.5)
        # Whole cents: a steady note gets one steady pitch, whatever the float noise.
        cents = _median3(torch.round(midi * 100.0))
        return 440.0 * torch.pow(2.0, (cents - 6900.0) / 1200.0)

    def amplitudes(self, amp: torch.Tensor, freqs: torch.Tensor, f0: torch.Tensor) -> torch.Tensor:
        """Partial amplitudes ``(B, K, T)`` at ``freqs (B, K, T)`` Hz for pitch ``f0 (B, T)``:
        the Mel magnitude there (linear interpolation between the two nearest band
        centres), times the partial's share of its band; 0 above ``fmax``."""
        f = freqs.clamp_min(1.0)
        mel = torch.where(
            f >= 1000.0, 15.0 + torch.log(f / 1000.0) / (np.log(6.4) / 27.0), f / (200.0 / 3.0)
        )
        pos = (mel - self.mel_lo) / self.mel_step - 1.0  # band index (centre m at position m)
        n = self.cfg.n_mels
        lo = pos.floor().clamp(0, n - 1)
        frac = (pos - lo).clamp(0.0, 1.0)
        hi = (lo + 1).clamp(max=n - 1)
        a_lo = amp.gather(1, lo.long())  # out[b, k, t] = amp[b, lo[b, k, t], t]
        a_hi = amp.gather(1, hi.long())
        width = self.width.expand(amp.shape[0], -1, amp.shape[2])
        w = (1.0 - frac) * width.gather(1, lo.long()) + frac * width.gather(1, hi.long())
        share = (f0.unsqueeze(1) / w).clamp(max=1.0)
        inside = (freqs < self.cfg.fmax) & (pos > -1.0)
        return torch.where(inside, ((1.0 - frac) * a_lo + frac * a_hi) * share, 0.0)

    def forward(
        self, amp: torch.Tensor, features: torch.Tensor, pitch: torch.Tensor | None = None
    ) -> torch.Tensor:
        hop, sr = self.cfg.hop, float(self.cfg.sample_rate)
        f0 = self.f0(amp, pitch)  # (B, T)
        freqs = self.k * f0.unsqueeze(1)  # (B, K, T)
        a = self.amplitudes(amp, freqs, f0)
        a = a * torch.exp(self.gain(features))
        return additive(f0, a, hop, sr, self.quanta, self.sines)
