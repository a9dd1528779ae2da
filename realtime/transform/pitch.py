"""Fundamental-frequency estimate of a single note, in numpy (YIN, de Cheveigné & Kawahara 2002).

One pitch per note: YIN runs on overlapping frames of the loud part of the note and the
median of the voiced frames' log-frequencies is the note's pitch, so an attack transient,
vibrato or a short glide do not move it. YIN's lag is coarse for high notes (a 4 kHz
period is 5 samples at 22 kHz), so the estimate is then refined on the harmonics' peaks in
one long spectrum of the loud part. Shapes: ``x (samples,)`` float at ``sample_rate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

A4_HZ = 440.0
FMIN_HZ = 25.0  # below A0 (27.5 Hz): the lowest note of the corpus
FMAX_HZ = 4500.0  # above C8 (4186 Hz)


@dataclass(frozen=True)
class PitchConfig:
    """YIN settings. ``window`` is the integration window in seconds; frames are hopped by
    ``hop`` seconds; only frames within ``loud_db`` of the loudest take part."""

    fmin: float = FMIN_HZ
    fmax: float = FMAX_HZ
    window: float = 0.046  # ~1024 samples at 22 kHz: more than one period of FMIN
    hop: float = 0.0116
    threshold: float = 0.15  # the aperiodicity under which a dip counts (paper: 0.1-0.15)
    loud_db: float = 30.0
    min_voiced: float = 0.25  # fraction of the loud frames that must be voiced


@dataclass(frozen=True)
class PitchEstimate:
    """The note's pitch: ``hz``, the fractional MIDI pitch ``midi``, the fraction of loud
    frames found periodic (``voiced``) and their median aperiodicity (0 = pure tone)."""

    hz: float
    voiced: float
    aperiodicity: float

    @property
    def midi(self) -> float:
        return 69.0 + 12.0 * math.log2(self.hz / A4_HZ)

    @property
    def nearest(self) -> int:
        return round(self.midi)

    @property
    def cents(self) -> float:
        """Deviation from the nearest equal-tempered pitch, -50..50 cents."""
        return 100.0 * (self.midi - self.nearest)


def midi_to_hz(midi: float) -> float:
    return A4_HZ * 2.0 ** ((midi - 69.0) / 12.0)


def _frames(x: np.ndarray, length: int, hop: int) -> np.ndarray:
    """``(samples,)`` -> ``(F, length)`` overlapping frames (the tail zero-padded)."""
    if x.shape[0] < length:
        x = np.pad(x, (0, length - x.shape[0]))
    n = 1 + (x.shape[0] - length) // hop
    return np.lib.stride_tricks.sliding_window_view(x, length)[: n * hop : hop]


def cmnd(frames: np.ndarray, window: int, max_lag: int) -> np.ndarray:
    """YIN's cumulative-mean-normalised difference of each frame.

    ``frames (F, window + max_lag)`` -> ``(F, max_lag + 1)``: value at lag 0 is 1; a value
    near 0 at lag tau means the frame repeats with period tau. The squared difference
    ``d(tau) = sum_j (x_j - x_{j+tau})^2, j < window`` is computed through one FFT
    correlation and running energies, not a loop over lags.
    """
    f = frames.astype(np.float64)
    n_fft = 1 << math.ceil(math.log2(f.shape[1] + window))
    head = np.fft.rfft(f[:, :window], n_fft)
    full = np.fft.rfft(f, n_fft)
    cross = np.fft.irfft(np.conj(head) * full, n_fft)[:, : max_lag + 1]
    sq = np.cumsum(np.pad(f * f, ((0, 0), (1, 0))), axis=1)
    lags = np.arange(max_lag + 1)
    energy_shifted = sq[:, lags + window] - sq[:, lags]
    d = sq[:, window : window + 1] + energy_shifted - 2.0 * cross
    d = np.maximum(d, 0.0)
    running = np.cumsum(d[:, 1:], axis=1)
    out = np.ones_like(d)
    out[:, 1:] = d[:, 1:] * lags[1:] / np.maximum(running, 1e-12)
    return out


def _pick_lag(row: np.ndarray, lo: int, threshold: float) -> tuple[float, float]:
    """(fractional lag, aperiodicity) of one cmnd row: the first dip under ``threshold``
    followed down to its local minimum, else the global minimum; parabolic refinement."""
    seg = row[lo:]
    below = np.flatnonzero(seg < threshold)
    if below.size:
        k = int(below[0])
        while k + 1 < seg.size and seg[k + 1] < seg[k]:
            k += 1
    else:
        k = int(np.argmin(seg))
    tau = k + lo
    shift = 0.0
    if lo < tau < row.size - 1:
        a, b, c = row[tau - 1], row[tau], row[tau + 1]
        den = a - 2 * b + c
        if den > 0:
            shift = float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    return tau + shift, float(row[tau])


def estimate_pitch(
    x: np.ndarray, sample_rate: int, cfg: PitchConfig | None = None
) -> PitchEstimate | None:
    """The note's pitch, or None when too few loud frames are periodic (noise, clicks,
    silence)."""
    cfg = cfg or PitchConfig()
    x = np.asarray(x, dtype=np.float64)
    window = max(int(cfg.window * sample_rate), 8)
    max_lag = min(math.ceil(sample_rate / cfg.fmin), window)
    min_lag = max(int(sample_rate / cfg.fmax), 2)
    hop = max(int(cfg.hop * sample_rate), 1)
    frames = _frames(x, window + max_lag, hop)
    rms = np.sqrt(np.mean(frames[:, :window] ** 2, axis=1))
    if rms.size == 0 or float(rms.max()) <= 0.0:
        return None
    loud = frames[rms >= rms.max() * 10 ** (-cfg.loud_db / 20)]
    rows = cmnd(loud, window, max_lag)
    picks = [_pick_lag(r, min_lag, cfg.threshold) for r in rows]
    voiced = [(lag, ap) for lag, ap in picks if ap < cfg.threshold]
    if len(voiced) < max(1, int(cfg.min_voiced * len(picks))):
        return None
    lags = np.array([lag for lag, _ in voiced])
    hz = float(np.exp(np.median(np.log(sample_rate / lags))))
    first = int(np.flatnonzero(rms >= rms.max() * 10 ** (-cfg.loud_db / 20))[0]) * hop
    hz = refine_on_harmonics(x[first : first + REFINE_SAMPLES], sample_rate, hz)
    aperiodicity = float(np.median([ap for _, ap in voiced]))
    return PitchEstimate(hz=float(hz), voiced=len(voiced) / len(picks), aperiodicity=aperiodicity)


REFINE_SAMPLES = 1 << 15  # the spectrum of at most this much of the loud part
REFINE_HARMONICS = 8
REFINE_CENTS = 40.0  # how far from the YIN estimate a harmonic's peak is looked for


def refine_on_harmonics(x: np.ndarray, sample_rate: int, hz: float) -> float:
    """``hz`` moved onto the harmonics' spectral peaks: the weighted median of
    peak_k / k over the first harmonics found within +-REFINE_CENTS of k x hz (each peak
    parabola-interpolated on log magnitude). Unchanged when no harmonic stands out."""
    if x.shape[0] < 64:
        return hz
    n_fft = 4 << math.ceil(math.log2(x.shape[0]))
    mag = np.abs(np.fft.rfft(x * np.hanning(x.shape[0]), n_fft))
    floor = float(mag.max()) * 1e-3  # -60 dB: below this a "peak" is noise
    bin_hz = sample_rate / n_fft
    ratio = 2 ** (REFINE_CENTS / 1200)
    found: list[tuple[float, float]] = []
    for k in range(1, REFINE_HARMONICS + 1):
        lo, hi = int(k * hz / ratio / bin_hz), math.ceil(k * hz * ratio / bin_hz)
        if hi >= mag.shape[0] - 1 or lo < 1:
            break
        i = lo + int(np.argmax(mag[lo : hi + 1]))
        if mag[i] < floor or i in (lo, hi):  # no peak inside the band (an edge is a slope)
            continue
        a, b, c = np.log(mag[i - 1 : i + 2] + 1e-12)
        den = a - 2 * b + c
        shift = 0.5 * (a - c) / den if den < 0 else 0.0
        found.append(((i + shift) * bin_hz / k, float(mag[i])))
    if not found:
        return hz
    found.sort()
    weights = np.cumsum([w for _, w in found])
    return found[int(np.searchsorted(weights, weights[-1] / 2))][0]
