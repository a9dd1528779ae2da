"""Resampling for the render worker: soxr, in short chunks.

``soxr.resample`` keeps the GIL for the whole call (about 1-2 ms for a note), and the
audio callback cannot run meanwhile. The streaming API over 2,048-sample chunks gives the
same samples (tested) and lets the interpreter switch to the callback between chunks.
"""

from __future__ import annotations

import numpy as np
import soxr

CHUNK = 2048


def resample(x: np.ndarray, sr_in: int, sr_out: int, quality: str = "HQ") -> np.ndarray:
    """``x (n,)`` float32 at ``sr_in`` -> float32 at ``sr_out``, identical to soxr's one-shot."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if sr_in == sr_out:
        return x.copy()
    stream = soxr.ResampleStream(sr_in, sr_out, 1, dtype="float32", quality=quality)
    parts = []
    n = x.shape[0]
    for start in range(0, max(n, 1), CHUNK):
        parts.append(stream.resample_chunk(x[start : start + CHUNK], last=start + CHUNK >= n))
    return np.concatenate(parts).astype(np.float32, copy=False)
