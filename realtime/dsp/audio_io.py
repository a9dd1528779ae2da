"""Reading user audio robustly: any rate, channel count and length -> mono float32 notes.

Every failure is an :class:`AudioError` whose message is the reason a person reads in an
import report or on the command line; callers never see a raw decoder traceback.

Before decoding, the header is checked against :class:`AudioLimits` (rate, channels,
length, file size): a 44 KB file whose header claims 2 Hz would otherwise be resampled to
gigabytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

SILENCE_DBFS = -60.0


class AudioError(ValueError):
    """A file that cannot be used as a note, with the reason as its message."""


@dataclass(frozen=True)
class AudioLimits:
    """What a file may claim before it is decoded (defaults: a generous sound file)."""

    min_rate: int = 8000
    max_rate: int = 384000
    max_channels: int = 64
    max_seconds: float = 600.0
    max_bytes: int = 2**30
    max_samples: int = 2**27  # frames x channels decoded (512 MB as float32)

    def check(self, rate: int, channels: int, frames: int, size: int) -> None:
        """AudioError naming the first bound the file breaks."""
        if not self.min_rate <= rate <= self.max_rate:
            raise AudioError(f"sample rate {rate} Hz outside {self.min_rate}..{self.max_rate} Hz")
        if not 1 <= channels <= self.max_channels:
            raise AudioError(f"{channels} channels, at most {self.max_channels} accepted")
        if frames / rate > self.max_seconds:
            raise AudioError(f"{frames / rate:.1f} s long, at most {self.max_seconds:g} s accepted")
        if size > self.max_bytes:
            raise AudioError(f"{size / 2**20:.0f} MB, at most {self.max_bytes / 2**20:.0f} MB")
        if frames * channels > self.max_samples:
            raise AudioError(f"{frames * channels} samples, at most {self.max_samples}")


DEFAULT_LIMITS = AudioLimits()
# A note to transform: a few seconds are used, 60 s is plenty; 8 channels, 100 MB, 64 MB decoded.
NOTE_LIMITS = AudioLimits(max_channels=8, max_seconds=60.0, max_bytes=100 * 2**20,
                          max_samples=2**24)  # fmt: skip


def read_audio(
    path: str | Path | BinaryIO, limits: AudioLimits = DEFAULT_LIMITS
) -> tuple[np.ndarray, int]:
    """Decode a file (a path, or a file opened in binary mode). Returns ``(samples,
    channels)`` float32 and its sample rate. The header is checked against ``limits``
    before any sample is decoded."""
    if isinstance(path, str | Path):
        p = Path(path)
        if not p.is_file():
            raise AudioError(f"not a file: {p}")
        size = p.stat().st_size
        source: str | BinaryIO = str(p)
    else:
        size = os.fstat(path.fileno()).st_size
        source = path
    if size == 0:
        raise AudioError("empty file")
    try:
        with sf.SoundFile(source) as f:
            limits.check(int(f.samplerate), int(f.channels), int(f.frames), size)
            data = f.read(dtype="float32", always_2d=True)
            sr = int(f.samplerate)
    except AudioError:
        raise
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
