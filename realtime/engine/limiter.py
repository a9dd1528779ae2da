"""Output limiter: zero latency, never lets a sample past the threshold.

Peak envelope with instant attack and exponential release, the per-sample recursion
``e[i] = max(|x[i]|, e[i-1] * d)``, computed without a Python loop as
``e[i] = d^(i+1) * max(e[-1], max_{j<=i} |x[j]| * d^-(j+1))`` (so the result does not depend
on how the signal is cut into blocks). Gain = threshold / max(e, threshold): since
``e[i] >= |x[i]|``, ``|x[i] * gain[i]| <= threshold`` always, a brick wall without look-ahead,
so it adds no delay. Below the threshold the gain is exactly 1.
"""

from __future__ import annotations

import numpy as np

from realtime.engine.config import EngineError


class Limiter:
    def __init__(self, threshold: float, release_ms: float, sample_rate: int, chunk: int) -> None:
        self.threshold = float(threshold)
        release = max(release_ms * 1e-3 * sample_rate, 1.0)
        if 3 * chunk / release > 30:  # d^-chunk must stay far inside float32's range
            raise EngineError("limiter release too short for the chunk size")
        d = 10 ** (-3 / release)  # -60 dB over the release time
        steps = np.arange(1, chunk + 1, dtype=np.float64)
        self._dpow = (d**steps).astype(np.float32)
        self._dinv = (d**-steps).astype(np.float32)
        self._d = float(d)
        self._env = np.zeros(chunk, np.float32)  # float32 like the mix: no casting buffers
        self._abs = np.zeros(chunk, np.float32)
        self.level = 0.0
        self.min_gain = 1.0  # lowest gain applied (a reduction meter; readers may reset it)

    def process(self, x: np.ndarray) -> None:
        """Limit ``x (n,)`` float32 in place, ``n <= chunk``. No allocation."""
        n = x.shape[0]
        if n == 0:
            return
        a = self._abs[:n]
        e = self._env[:n]
        prev = self.level
        np.abs(x, out=a)
        np.multiply(a, self._dinv[:n], out=a)
        np.maximum.accumulate(a, out=a)
        np.maximum(a, prev, out=a)
        np.multiply(a, self._dpow[:n], out=e)
        self.level = float(e[n - 1])
        if prev * self._d <= self.threshold and float(e.max()) <= self.threshold:
            return  # the common case: gain 1
        np.maximum(e, self.threshold, out=e)
        np.divide(self.threshold, e, out=e)
        np.multiply(x, e, out=x)
        g = float(e.min())
        if g < self.min_gain:
            self.min_gain = g

    def reset(self) -> None:
        self.level = 0.0
        self.min_gain = 1.0
