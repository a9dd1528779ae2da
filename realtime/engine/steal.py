"""Time the machine itself lost: CPU *steal* of a virtual machine, sampled for the benchmarks.

On a virtual machine the host may take the virtual CPUs away (other guests, or a CPU quota
on the whole VM: measured on the 2-core test VM, both CPUs stopped for 30-40 ms of every
100 ms while the machine was saturated). Nothing inside the guest runs meanwhile, the
audio server and the callback included: a stall no engine can prevent. Linux counts that
time as ``steal`` in ``/proc/stat``; ``StealSampler`` reads it every ``period_s`` so
``realtime.engine.stalls.attribute`` can name it as a stall's cause. The sampling runs in
a child process (``sample_to``), not a thread: a thread would take
the GIL 100 times a second and could itself delay the callback it is there to explain
(``perf_counter`` is the system's monotonic clock, the same in both processes).
Where there is no ``/proc/stat`` (another OS) it records nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    """A ring of ``(perf_counter s, cumulative steal s)`` samples: ``sample()`` here, or
    ``start()``: a child process samples every ``period_s`` until ``stop()`` reads them in
    (``rows()`` before that gives what was read so far)."""

    def __init__(self, period_s: float = 0.01, size: int = 16384, path: str = STAT) -> None:
        self.period_s = period_s
        self.path = path
        self.data = np.zeros((size, 2), np.float64)
        self.count = 0
        self._child: subprocess.Popen[bytes] | None = None
        self._file: Path | None = None
        self._read = 0  # bytes of the child's file taken in so far

    @property
    def available(self) -> bool:
        return read_steal(self.path) is not None

    def start(self) -> None:
        if self._child is None and self.available:
            fd, name = tempfile.mkstemp(prefix="waefader-steal-", suffix=".f64")
            os.close(fd)
            self._file, self._read = Path(name), 0
            code = (
                "import sys; from realtime.engine.steal import sample_to; sample_to(*sys.argv[1:])"
            )
            cmd = [sys.executable, "-c", code, name, str(self.period_s), self.path]
            self._child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.terminate()
            child.wait(5.0)
        self.collect()
        if self._file is not None:
            self._file.unlink(missing_ok=True)
            self._file = None

    def collect(self) -> None:
        """Take in the samples the child process wrote since the last call."""
        if self._file is None:
            return
        with open(self._file, "rb") as f:
            f.seek(self._read)
            raw = f.read()
        whole = len(raw) // 16 * 16
        self._read += whole
        for t, value in np.frombuffer(raw[:whole], np.float64).reshape(-1, 2):
            self._push(float(t), float(value))

    def _push(self, t: float, value: float) -> None:
        row = self.data[self.count % self.data.shape[0]]
        row[0] = t
        row[1] = value
        self.count += 1

    def sample(self) -> None:
        """One sample taken here and now."""
        value = read_steal(self.path)
        if value is not None:
            self._push(time.perf_counter(), value)

    def clear(self) -> None:
        self.collect()
        self.count = 0

    def rows(self) -> np.ndarray:
        """The samples, oldest first: ``(n, 2)`` copy."""
        self.collect()
        size = self.data.shape[0]
        if self.count <= size:
            return self.data[: self.count].copy()
        k = self.count % size
        return np.concatenate([self.data[k:], self.data[:k]])

    def total_s(self) -> float:
        """Steal seen over the samples kept (all CPUs together)."""
        r = self.rows()
        return float(r[-1, 1] - r[0, 1]) if r.shape[0] > 1 else 0.0


def sample_to(out: str, period_s: float | str, path: str = STAT) -> None:
    """The child process: append ``(perf_counter s, steal s)`` float64 pairs to ``out``
    every ``period_s`` until terminated."""
    period_s = float(period_s)
    with open(out, "ab", buffering=0) as f:
        while True:
            value = read_steal(path)
            if value is not None:
                f.write(np.array([time.perf_counter(), value], np.float64).tobytes())
            time.sleep(period_s)


def steal_between(rows: np.ndarray, t0: float, t1: float) -> float:
    """Steal (s, all CPUs) counted by the samples that bracket ``t0 .. t1``: from the last
    sample at or before ``t0`` to the first at or after ``t1``."""
    if rows.shape[0] < 2:
        return 0.0
    t = rows[:, 0]
    i = max(int(np.searchsorted(t, t0, side="right")) - 1, 0)
    j = min(int(np.searchsorted(t, t1, side="left")), t.shape[0] - 1)
    return float(rows[j, 1] - rows[i, 1]) if j > i else 0.0
