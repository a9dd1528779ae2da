"""Time the machine itself lost: CPU *steal* of a virtual machine, sampled for the benchmarks.

On a virtual machine the host may take the virtual CPUs away (other guests, or a CPU quota
on the whole VM: measured on the 2-core test VM, both CPUs stopped for 30-40 ms of every
100 ms while the machine was saturated). Nothing inside the guest runs meanwhile, the
audio server and the callback included: a stall no engine can prevent. Linux counts that
time as ``steal`` in ``/proc/stat``; ``StealSampler`` reads it every ``period_s`` on a
thread of its own so ``realtime.engine.stalls.attribute`` can name it as a stall's cause.
Where there is no ``/proc/stat`` (another OS) it records nothing.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np

STAT = "/proc/stat"
TICK_S = 1.0 / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


def read_steal(path: str = STAT) -> float | None:
    """Seconds of steal summed over all CPUs since boot, or None where not available."""
    try:
        with open(path) as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    return int(fields[8]) * TICK_S


class StealSampler:
    """A ring of ``(perf_counter s, cumulative steal s)`` samples taken on its own thread."""

    def __init__(self, period_s: float = 0.01, size: int = 16384, path: str = STAT) -> None:
        self.period_s = period_s
        self.path = path
        self.data = np.zeros((size, 2), np.float64)
        self.count = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return read_steal(self.path) is not None

    def start(self) -> None:
        if self._thread is None and self.available:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="waefader-steal", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(2.0)
            self._thread = None

    def sample(self) -> None:
        value = read_steal(self.path)
        if value is not None:
            row = self.data[self.count % self.data.shape[0]]
            row[0] = time.perf_counter()
            row[1] = value
            self.count += 1

    def clear(self) -> None:
        self.count = 0

    def rows(self) -> np.ndarray:
        """The samples, oldest first: ``(n, 2)`` copy."""
        size = self.data.shape[0]
        if self.count <= size:
            return self.data[: self.count].copy()
        k = self.count % size
        return np.concatenate([self.data[k:], self.data[:k]])

    def total_s(self) -> float:
        """Steal seen over the samples kept (all CPUs together)."""
        r = self.rows()
        return float(r[-1, 1] - r[0, 1]) if r.shape[0] > 1 else 0.0

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            self.sample()


def steal_between(rows: np.ndarray, t0: float, t1: float) -> float:
    """Steal (s, all CPUs) counted by the samples that bracket ``t0 .. t1``: from the last
    sample at or before ``t0`` to the first at or after ``t1``."""
    if rows.shape[0] < 2:
        return 0.0
    t = rows[:, 0]
    i = max(int(np.searchsorted(t, t0, side="right")) - 1, 0)
    j = min(int(np.searchsorted(t, t1, side="left")), t.shape[0] - 1)
    return float(rows[j, 1] - rows[i, 1]) if j > i else 0.0
