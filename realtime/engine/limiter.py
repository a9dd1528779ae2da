"""Output limiter: zero latency, never lets a sample past the threshold.

Envelope e[i] = max(running peak of |x| in this chunk, carried level * decay^i); gain =
threshold / max(e, threshold). Because e[i] >= |x[i]|, |x[i] * gain[i]| <= threshold always
(a brick wall without look-ahead, so it adds no delay). Peaks are held to the end of a chunk,
then released exponentially. Below the threshold the gain is exactly 1.
"""

from __future__ import annotations

import numpy as np


class Limiter:
    def __init__(self, threshold: float, release_ms: float, sample_rate: int, chunk: int) -> None:
        self.threshold = float(threshold)
        decay = 10 ** (-3 / max(release_ms * 1e-3 * sample_rate, 1.0))  # -60 dB in release_ms
        self._decay = (decay ** np.arange(1, chunk + 1, dtype=np.float64)).astype(np.float32)
        self._env = np.zeros(chunk, np.float32)  # float32 like the mix: no casting buffers
        self._abs = np.zeros(chunk, np.float32)
        self.level = 0.0
        self.min_gain = 1.0  # lowest gain since the last read (reduction meter)

    def process(self, x: np.ndarray) -> None:
        """Limit ``x (n,)`` float32 in place, ``n <= chunk``. No allocation."""
        n = x.shape[0]
        a = self._abs[:n]
        e = self._env[:n]
        np.abs(x, out=a)
        np.maximum.accumulate(a, out=a)
        prev = self.level
        np.multiply(self._decay[:n], prev, out=e)
        np.maximum(e, a, out=e)
        self.level = float(e[n - 1])
        if prev * self._decay[0] <= self.threshold and a[n - 1] <= self.threshold:
            return  # common case: the envelope stays below the threshold, gain is 1
        np.maximum(e, self.threshold, out=e)
        np.divide(self.threshold, e, out=e)
        np.multiply(x, e, out=x)
        g = float(e.min())
        if g < self.min_gain:
            self.min_gain = g

    def reset(self) -> None:
        self.level = 0.0
        self.min_gain = 1.0
