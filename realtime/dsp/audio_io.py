"""Reading user audio robustly: any rate, channel count and length -> mono float32 notes.

Every failure is an :class:`AudioError` whose message is the reason a person reads in an
import report or on the command line; callers never see a raw decoder traceback.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SILENCE_DBFS = -60.0


class AudioError(ValueError):
    """A file that cannot be used as a note, with the reason as its message."""


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Decode a file. Returns ``(samples, channels)`` float32 and its sample rate."""
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"not a file: {p}")
    if p.stat().st_size == 0:
        raise AudioError("empty file")
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types for bad headers
        raise AudioError(f"unreadable audio ({type(exc).__name__}: {exc})") from None
    if data.shape[0] == 0:
        raise AudioError("no samples (truncated or empty audio)")
    if not np.all(np.isfinite(data)):
        raise AudioError("audio contains NaN or infinite samples")
    return data, int(sr)


def to_mono(data: np.ndarray) -> np.ndarray:
    """``(samples, channels)`` -> ``(samples,)`` by averaging the channels."""
    return data.mean(axis=1) if data.ndim == 2 else data


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """High-quality resampling with soxr (identity when the rates match)."""
    if sr_in == sr_out:
        return np.ascontiguousarray(x, dtype=np.float32)
    return soxr.resample(x.astype(np.float32), sr_in, sr_out, quality="HQ").astype(np.float32)


def peak_dbfs(x: np.ndarray) -> float:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return 20 * np.log10(max(peak, 1e-12))


def trim_to_onset(x: np.ndarray, threshold_db: float = -40.0) -> np.ndarray:
    """Drop the leading silence: start 10 ms before the first sample above peak + threshold."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak == 0.0:
        return x
    above = np.flatnonzero(np.abs(x) >= peak * 10 ** (threshold_db / 20))
    return x[max(0, int(above[0]) - 220) :] if above.size else x


def fit_length(x: np.ndarray, n: int, fade: int = 256) -> np.ndarray:
    """Cut (with a short fade-out, so no click) or zero-pad to exactly ``n`` samples."""
    if x.shape[0] >= n:
        y = x[:n].astype(np.float32, copy=True)
        k = min(fade, n)
        y[n - k :] *= np.linspace(1.0, 0.0, k, dtype=np.float32)
        return y
    return np.pad(x.astype(np.float32), (0, n - x.shape[0]))


def load_note(
    path: str | Path, sample_rate: int, note_samples: int, trim: bool = True
) -> np.ndarray:
    """Any audio file -> one mono note of ``(note_samples,)`` float32 at ``sample_rate``.

    Raises :class:`AudioError` for unreadable, empty or silent files.
    """
    data, sr = read_audio(path)
    x = resample(to_mono(data), sr, sample_rate)
    if peak_dbfs(x) < SILENCE_DBFS:
        raise AudioError(f"silent (peak below {SILENCE_DBFS:.0f} dBFS)")
    if trim:
        x = trim_to_onset(x)
    return fit_length(x, note_samples)


def write_wav(path: str | Path, x: np.ndarray, sample_rate: int) -> None:
    """Write float audio ``(samples,)`` or ``(samples, channels)`` as 24-bit WAV."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.asarray(x, dtype=np.float32), sample_rate, subtype="PCM_24")
