"""How long the render threads hold the GIL, step by step.

The callback can only run when no other thread of the process holds the GIL. The render
threads release it while onnxruntime computes; the Python and numpy steps around a model
call (stacking the controls, cleaning, trimming and resampling a note, the cache, handing
messages over) keep it. Each such step is timed here from its start to its end: an upper
bound of the time it held the GIL (the interpreter hands the GIL to a waiting callback
between bytecodes after ``sys.getswitchinterval()``, but never inside one numpy or soxr
call, nor while the thread is put aside by the OS).

One ``StepTimes`` per thread (one writer each, no lock); readers copy. ``rows`` are
``(start s, duration s, step index)`` with ``STEPS[step]`` its name.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

STEPS = ("controls", "cache", "prepare", "emit", "upgrade")
CONTROLS, CACHE, PREPARE, EMIT, UPGRADE = range(len(STEPS))

_perf = time.perf_counter


class StepTimes:
    """A ring of the last ``size`` timed steps of one thread."""

    def __init__(self, thread: str, size: int = 2048) -> None:
        self.thread = thread
        self.data = np.zeros((size, 3), np.float64)
        self.count = 0

    def done(self, step: int, t0: float) -> None:
        """Step ``step`` ran from ``t0`` (perf_counter s) until now."""
        row = self.data[self.count % self.data.shape[0]]
        row[0] = t0
        row[1] = _perf() - t0
        row[2] = step
        self.count += 1

    def clear(self) -> None:
        self.count = 0

    def rows(self) -> np.ndarray:
        size = self.data.shape[0]
        n = min(self.count, size)
        return self.data[:n].copy()

    def summary(self) -> dict[str, dict[str, float]]:
        """Per step: how many, p99 and max wall time in ms."""
        r = self.rows()
        out: dict[str, dict[str, float]] = {}
        for i, name in enumerate(STEPS):
            ms = r[r[:, 2] == i, 1] * 1e3
            if ms.size:
                out[name] = {
                    "n": int(ms.size),
                    "p99_ms": round(float(np.percentile(ms, 99)), 3),
                    "max_ms": round(float(ms.max()), 3),
                }
        return out


def longest(timers: list[StepTimes]) -> dict[str, Any]:
    """The longest step of any of these threads: ``{"thread", "step", "ms"}`` (or empty)."""
    best: dict[str, Any] = {}
    for t in timers:
        r = t.rows()
        if r.shape[0]:
            i = int(np.argmax(r[:, 1]))
            ms = float(r[i, 1]) * 1e3
            if not best or ms > best["ms"]:
                best = {"thread": t.thread, "step": STEPS[int(r[i, 2])], "ms": round(ms, 3)}
    return best
