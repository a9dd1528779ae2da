"""Sound-quality measures of rendered notes against the library's note for the same key.

All functions take batches of mono notes ``(B, N)`` float at ``sample_rate`` and return one
value per note ``(B,)`` float64 (NaN where a measure does not apply). Plain numpy: the
definitions are written out here so a reader of the report can check them.

- :func:`mr_stft`: multi-resolution STFT distance (Yamamoto et al. 2020): spectral
  convergence ``||A - B||_F / ||A||_F`` plus log-magnitude L1 ``mean |log A - log B|`` at
  FFT sizes 512/1024/2048 (hop = size/4, Hann), each averaged over the resolutions.
- :func:`log_spectral_distance`: per frame RMS of the dB difference of the power spectra
  (FFT 2048, hop 512), averaged over frames; power floored at -100 dB below full scale.
- :func:`hnr_db`: harmonic-to-noise ratio from the normalised autocorrelation (Boersma
  1993), see the function.
- :func:`high_band_db`: share of the note's energy above 11 kHz (dB), NaN where the sample
  rate cannot hold it.
- :func:`frame_comb_db`: how far the spectrum between the partials rises at multiples of the
  frame rate ``sample_rate / hop`` (the comb a frame-wise vocoder leaves), in dB.
"""

from __future__ import annotations

import numpy as np

MR_FFTS = (512, 1024, 2048)
LOG_EPS = 1e-5  # log-magnitude floor (-100 dB re a full-scale bin)
POWER_FLOOR = 1e-10  # LSD power floor (-100 dB)
HIGH_BAND_HZ = 11000.0
SUSTAIN_S = (0.1, 0.9)  # the held part of a note: key down at 0, key up at 1.0 s


def key_hz(midi: np.ndarray | float) -> np.ndarray:
    """MIDI key -> fundamental in Hz (A4 = 69 = 440 Hz)."""
    return np.asarray(440.0 * 2.0 ** ((np.asarray(midi, dtype=np.float64) - 69.0) / 12.0))


def _frames(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """``(B, N)`` -> Hann-windowed frames ``(B, T, n_fft)`` (centred, zero padded)."""
    pad = n_fft // 2
    xp = np.pad(np.asarray(x, dtype=np.float32), ((0, 0), (pad, pad)))
    fr = np.lib.stride_tricks.sliding_window_view(xp, n_fft, axis=-1)[:, ::hop, :]
    win = np.hanning(n_fft + 1)[:-1].astype(np.float32)  # periodic Hann
    return fr * win


def magnitude(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """STFT magnitudes ``(B, N)`` -> ``(B, T, n_fft // 2 + 1)`` float32."""
    return np.abs(np.fft.rfft(_frames(x, n_fft, hop), axis=-1)).astype(np.float32)


def mr_stft(reference: np.ndarray, estimate: np.ndarray,
            ffts: tuple[int, ...] = MR_FFTS) -> dict[str, np.ndarray]:
    """``sc``, ``log_mag`` and their sum ``total``, each ``(B,)``, averaged over ``ffts``.

    Identical notes give 0; the library's note is the reference (denominator of SC)."""
    _check(reference, estimate)
    sc = np.zeros(len(reference))
    lm = np.zeros(len(reference))
    for n_fft in ffts:
        a, b = magnitude(reference, n_fft, n_fft // 4), magnitude(estimate, n_fft, n_fft // 4)
        num = np.sqrt(np.sum((a - b) ** 2, axis=(1, 2), dtype=np.float64))
        den = np.sqrt(np.sum(a.astype(np.float64) ** 2, axis=(1, 2)))
        sc += num / np.maximum(den, 1e-12)
        lm += np.mean(np.abs(np.log(a + LOG_EPS) - np.log(b + LOG_EPS)), axis=(1, 2))
    sc, lm = sc / len(ffts), lm / len(ffts)
    return {"sc": sc, "log_mag": lm, "total": sc + lm}


def log_spectral_distance(reference: np.ndarray, estimate: np.ndarray, n_fft: int = 2048
                          ) -> np.ndarray:
    """Mean over frames of the RMS dB difference of the power spectra, ``(B,)`` dB."""
    _check(reference, estimate)
    scale = np.hanning(n_fft + 1)[:-1].sum() / 2  # a full-scale sine reads 0 dB
    a = (magnitude(reference, n_fft, n_fft // 4) / scale) ** 2
    b = (magnitude(estimate, n_fft, n_fft // 4) / scale) ** 2
    diff = 10 * np.log10(np.maximum(a, POWER_FLOOR)) - 10 * np.log10(np.maximum(b, POWER_FLOOR))
    return np.asarray(np.mean(np.sqrt(np.mean(diff.astype(np.float64) ** 2, axis=2)), axis=1))


def _sustain(x: np.ndarray, sample_rate: int) -> np.ndarray:
    a, b = (int(s * sample_rate) for s in SUSTAIN_S)
    return np.asarray(x, dtype=np.float64)[:, a : min(b, x.shape[1])]


def hnr_db(x: np.ndarray, sample_rate: int, midi: np.ndarray, frame_s: float = 0.04,
           hop_s: float = 0.05, level_db: float = 30.0) -> np.ndarray:
    """Harmonic-to-noise ratio ``(B,)`` dB of the held part (0.1-0.9 s) of each note.

    Per Hann frame (40 ms, or longer for low keys: at least 3.3 periods of the key), every
    50 ms: the normalised autocorrelation divided by the window's own autocorrelation
    (Boersma 1993), and its highest value ``r`` at lags between 0.45 and 1.1 periods of the
    key's fundamental (a note an octave high is periodic there too: pitch is judged
    elsewhere; lags stay below a third of the frame, where the correction is sound).
    ``HNR = 10 log10(r / (1 - r))``, the median over the frames within ``level_db`` of the
    loudest; ``r`` is clipped to [1e-3, 1 - 1e-6], so values lie in -30..60 dB. NaN for a
    silent note."""
    midi = np.broadcast_to(np.asarray(midi, dtype=np.float64), (len(x),))
    held = _sustain(x, sample_rate)
    hop = int(hop_s * sample_rate)
    out = np.full(len(x), np.nan)
    for i in range(len(x)):
        period = sample_rate / float(key_hz(midi[i]))
        n = max(int(frame_s * sample_rate), int(np.ceil(3.3 * 1.1 * period)))
        lo, hi = max(2, int(np.floor(0.45 * period))), int(np.ceil(1.1 * period)) + 1
        if held.shape[1] < n or lo >= hi:
            continue
        r = _frame_peaks(held[i], n, hop, lo, min(hi, n // 3 + 1), level_db)
        if r is not None:
            out[i] = float(np.median(10 * np.log10(r / (1 - r))))
    return out


def _frame_peaks(x: np.ndarray, n: int, hop: int, lo: int, hi: int, level_db: float
                 ) -> np.ndarray | None:
    """Window-corrected autocorrelation peak in lags [lo, hi) of the loud frames of one
    signal ``(N,)`` -> ``(F,)`` clipped to [1e-3, 1 - 1e-6]; None when silent."""
    win = np.hanning(n)
    n_fft = 1 << (2 * n - 1).bit_length()
    wac = np.fft.irfft(np.abs(np.fft.rfft(win, n_fft)) ** 2)[:n]
    fr = np.lib.stride_tricks.sliding_window_view(x, n)[::hop]
    fr = (fr - fr.mean(axis=-1, keepdims=True)) * win
    energy = np.sum(fr**2, axis=-1)
    if energy.max() <= 1e-12:
        return None
    fr = fr[energy >= energy.max() * 10 ** (-level_db / 10)]
    ac = np.fft.irfft(np.abs(np.fft.rfft(fr, n_fft, axis=-1)) ** 2, axis=-1)[:, :n]
    ac = ac / np.maximum(ac[:, :1], 1e-20) / np.maximum(wac / wac[0], 1e-3)
    return np.asarray(np.clip(ac[:, lo:hi].max(axis=-1), 1e-3, 1 - 1e-6))


def _power_spectrum(x: np.ndarray, sample_rate: int, n_fft: int) -> np.ndarray:
    """Mean power spectrum ``(B, n_fft // 2 + 1)`` of the held part (hop n_fft/4)."""
    held = _sustain(x, sample_rate)
    if held.shape[1] < n_fft:
        held = np.pad(held, ((0, 0), (0, n_fft - held.shape[1])))
    fr = np.lib.stride_tricks.sliding_window_view(held, n_fft, axis=-1)[:, :: n_fft // 4, :]
    spec = np.abs(np.fft.rfft(fr * np.hanning(n_fft), axis=-1)) ** 2
    return np.asarray(spec.mean(axis=1))


def high_band_db(x: np.ndarray, sample_rate: int, cutoff_hz: float = HIGH_BAND_HZ,
                 n_fft: int = 4096) -> np.ndarray:
    """Energy above ``cutoff_hz`` over the whole note's energy, ``(B,)`` dB (floor -120).

    NaN when the band does not exist (Nyquist at or below ``cutoff_hz`` + 500 Hz, e.g. at
    22,050 Hz): the measure is for full-band models."""
    if sample_rate / 2 <= cutoff_hz + 500.0:
        return np.full(len(x), np.nan)
    p = _power_spectrum(x, sample_rate, n_fft)
    f = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    ratio = p[:, f >= cutoff_hz].sum(axis=1) / np.maximum(p.sum(axis=1), 1e-30)
    return np.asarray(10 * np.log10(np.maximum(ratio, 1e-12)))


def frame_comb_db(x: np.ndarray, sample_rate: int, hop: int, midi: np.ndarray,
                  n_fft: int = 8192, guard_hz: float = 40.0) -> np.ndarray:
    """Frame-rate comb prominence ``(B,)`` dB of the held part of each note.

    A vocoder that builds its output frame by frame can leave energy at multiples of the
    frame rate ``fr = sample_rate / hop`` (86 Hz at 22,050 / 256). Between the partials of
    the note, the mean power at the lines ``k * fr`` is compared with the mean power half
    way between them: ``10 log10(P(lines) / P(midpoints))``. About 0 dB for a clean note;
    a comb reads several dB up. Lines and midpoints closer than
    ``min(guard_hz, f0 / 4)`` to a partial ``n * f0`` are left out; NaN when none is left
    or the note is silent."""
    midi = np.broadcast_to(np.asarray(midi, dtype=np.float64), (len(x),))
    p = _power_spectrum(x, sample_rate, n_fft)
    bin_hz = sample_rate / n_fft
    rate = sample_rate / hop
    lines = np.arange(1, int((sample_rate / 2 - rate) / rate)) * rate
    mids = lines + rate / 2
    out = np.full(len(x), np.nan)
    for i in range(len(x)):
        f0 = float(key_hz(midi[i]))
        guard = min(guard_hz, f0 / 4)

        def clear(f: np.ndarray, f0: float = f0, guard: float = guard) -> np.ndarray:
            return np.asarray(np.abs(f - np.round(f / f0) * f0) > guard)

        at, mid = lines[clear(lines)], mids[clear(mids)]
        if len(at) == 0 or len(mid) == 0 or p[i].sum() <= 1e-20:
            continue
        pl = np.median(p[i][np.round(at / bin_hz).astype(int)])
        pm = np.median(p[i][np.round(mid / bin_hz).astype(int)])
        out[i] = float(10 * np.log10(max(pl, 1e-30) / max(pm, 1e-30)))
    return out


def level_db(x: np.ndarray) -> np.ndarray:
    """RMS level of each whole note ``(B,)`` dBFS (floor -120)."""
    rms = np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2, axis=1))
    return np.asarray(20 * np.log10(np.maximum(rms, 1e-6)))


def _check(reference: np.ndarray, estimate: np.ndarray) -> None:
    if reference.shape != estimate.shape or reference.ndim != 2:
        raise ValueError(f"reference {reference.shape} and estimate {estimate.shape} must be "
                         "equal (B, N) batches")
