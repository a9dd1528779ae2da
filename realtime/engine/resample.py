"""Resampling for the render worker: soxr, in short chunks, with a reused stream.

``soxr.resample`` keeps the GIL for the whole call (about 1-2 ms for a note), and the
audio callback cannot run meanwhile. The streaming API over 2,048-sample chunks gives the
same samples (tested) and lets the interpreter switch to the callback between chunks.
Making a stream designs its filter (about 0.5 ms with the GIL held, as long as resampling
a note's first frames), so each thread keeps one stream per rate pair and quality and
``clear()``s it after each note: the next note's samples are the same as from a new one.
"""

from __future__ import annotations

import threading

import numpy as np
import soxr

CHUNK = 2048

_local = threading.local()  # per thread: {(sr_in, sr_out, quality): ResampleStream}


def _stream(sr_in: int, sr_out: int, quality: str) -> soxr.ResampleStream:
    streams: dict[tuple[int, int, str], soxr.ResampleStream] | None = getattr(
        _local, "streams", None
    )
    if streams is None:
        streams = _local.streams = {}
    key = (sr_in, sr_out, quality)
    stream = streams.get(key)
    if stream is None:
        stream = streams[key] = soxr.ResampleStream(
            sr_in, sr_out, 1, dtype="float32", quality=quality
        )
    return stream


def resample(x: np.ndarray, sr_in: int, sr_out: int, quality: str = "HQ") -> np.ndarray:
    """``x (n,)`` float32 at ``sr_in`` -> float32 at ``sr_out``, identical to soxr's one-shot."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if sr_in == sr_out:
        return x.copy()
    stream = _stream(sr_in, sr_out, quality)
    parts = []
    n = x.shape[0]
    try:
        for start in range(0, max(n, 1), CHUNK):
            parts.append(stream.resample_chunk(x[start : start + CHUNK], last=start + CHUNK >= n))
    finally:
        stream.clear()  # ready for the next note, as new
    return np.concatenate(parts).astype(np.float32, copy=False)
