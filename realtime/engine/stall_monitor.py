"""The audio callback's worst cases: how long its blocks take, how far apart they come.

An underflow count says that the audio broke, not how close it came. A user (and a
benchmark) needs the headroom: the worst block against its budget (the block period),
the distribution of block times, and the stalls: callbacks that started late because
something kept the interpreter (the GIL) or the CPU from them. ``StallMonitor.block`` is
called at the end of every callback with two clock readings; it only writes into arrays
made here (no allocation, no lock), and readers copy.

- ``load_hist``: block time / block period, in bins of ``BIN`` (the last bin holds all
  from ``2.0`` up: blocks that took twice their budget).
- ``gap_hist``: time between the starts of two callbacks / block period, same bins. A
  device calls once per period, so a gap well above 1.0 is a stall: the callback came
  late (it waited for the GIL, or its thread for a CPU).
- ``callback_wait_max_ms``: the longest time a block spent not computing (its wall time
  minus the thread's CPU time): waiting for the GIL another thread held, or for a CPU.
- ``stalls``: the last ``size`` gaps over ``stall_factor`` periods or blocks over
  ``slow_load`` of their budget, each with its start, gap, block time and CPU time, so the
  reader can set it beside the collector passes and the worker steps of that moment
  (``realtime.engine.stalls.attribute``).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

BIN = 0.05  # histogram bin width, in block periods
BINS = 41  # 0 .. 2.0 periods in 40 bins, then everything beyond


def _bin(x: float) -> int:
    i = int(x / BIN)
    return i if i < BINS - 1 else BINS - 1


class StallMonitor:
    """Per-block timing of the callback; one writer (the callback), readers copy."""

    def __init__(
        self,
        sample_rate: int,
        stall_factor: float = 1.5,
        slow_load: float = 0.5,
        size: int = 256,
    ) -> None:
        self.sample_rate = sample_rate
        self.stall_factor = stall_factor
        self.slow_load = slow_load
        self.load_hist = np.zeros(BINS, np.int64)
        self.gap_hist = np.zeros(BINS, np.int64)
        # rows: start of the late callback (perf_counter s), gap before it (s), its block
        # time (s), its block period (s), its CPU time (s; -1: not measured)
        self.stalls = np.zeros((size, 5), np.float64)
        self.audio_ident = 0  # threading.get_ident() of the callback's thread
        self.reset()

    def reset(self) -> None:
        """Forget everything measured (a reader between runs; the callback may be running:
        the worst case of the block in flight may be lost, nothing else)."""
        self.load_hist.fill(0)
        self.gap_hist.fill(0)
        self.stall_count = 0
        self.worst_load = 0.0
        self.worst_ms = 0.0
        self.worst_at = 0.0
        self.gap_max_ms = 0.0
        self.wait_max_ms = 0.0
        self.prev_start = 0.0

    def block(self, t_start: float, t_end: float, frames: int, cpu: float = -1.0) -> None:
        """A callback ran from ``t_start`` to ``t_end`` (perf_counter s) for ``frames``,
        computing for ``cpu`` s of it (-1: not measured)."""
        if self.audio_ident == 0:
            self.audio_ident = threading.get_ident()
        if frames <= 0:
            return
        period = frames / self.sample_rate
        took = t_end - t_start
        load = took / period
        self.load_hist[_bin(load)] += 1
        if load > self.worst_load:
            self.worst_load = load
            self.worst_ms = took * 1e3
            self.worst_at = t_start
        if cpu >= 0.0 and (took - cpu) * 1e3 > self.wait_max_ms:
            self.wait_max_ms = (took - cpu) * 1e3
        prev = self.prev_start
        self.prev_start = t_start
        gap = 0.0
        if prev > 0.0:
            gap = t_start - prev
            self.gap_hist[_bin(gap / period)] += 1
            if gap * 1e3 > self.gap_max_ms:
                self.gap_max_ms = gap * 1e3
        if gap > self.stall_factor * period or load > self.slow_load:
            row = self.stalls[self.stall_count % self.stalls.shape[0]]
            row[0] = t_start
            row[1] = gap
            row[2] = took
            row[3] = period
            row[4] = cpu
            self.stall_count += 1

    # --- readers ---------------------------------------------------------------------------------
    def stall_rows(self) -> np.ndarray:
        """The recorded stalls, oldest first: ``(n, 5)`` copy."""
        size = self.stalls.shape[0]
        n = min(self.stall_count, size)
        if self.stall_count <= size:
            return self.stalls[:n].copy()
        k = self.stall_count % size
        return np.concatenate([self.stalls[k:], self.stalls[:k]])

    def summary(self) -> dict[str, Any]:
        """The figures /status and the window show (times in ms, loads in block periods)."""
        return {
            "callback_worst_ms": round(self.worst_ms, 3),
            "callback_worst_budget": round(self.worst_load, 4),
            "callback_gap_max_ms": round(self.gap_max_ms, 3),
            "callback_wait_max_ms": round(self.wait_max_ms, 3),
            "stalls": self.stall_count,
        }

    def histograms(self) -> dict[str, Any]:
        """Both histograms as ``{"bin": width, "load": counts, "gap": counts}`` (the last
        count: everything from ``2.0`` periods up)."""
        return {
            "bin": BIN,
            "load": self.load_hist.tolist(),
            "gap": self.gap_hist.tolist(),
        }
