"""Attributing the callback's stalls to their causes (readers only, never the callback).

A stall (``StallMonitor``) is a window in which the callback should have been running and
was not (it came late: from when it was due to when it started), or ran slowly (its own
block). Whatever else held the GIL in that window overlaps it: a collector pass
(``GcMonitor``, and on which thread it ran) or a step of a render thread (``StepTimes``).
On a virtual machine the host may also have taken the CPUs away (``steal``, sampled by
``realtime.engine.steal.StealSampler``): nothing of the guest ran then.
The overlap with the largest share of the window is named as the likely cause; with none,
the CPU was taken by another process or the OS (the callback's thread was not scheduled).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from realtime.engine.steal import steal_between
from realtime.engine.step_times import STEPS, StepTimes

OTHER = "other process / OS (no GIL holder of ours overlapped)"


def windows(stalls: np.ndarray) -> np.ndarray:
    """Stall rows ``(n, 4+)`` (start, gap, block time, period[, cpu]) -> ``(n, 2)`` windows.

    A late callback: from when it was due (one period after the previous start) to its own
    end; an on-time but slow one: its own block."""
    start, gap, took, period = stalls[:, 0], stalls[:, 1], stalls[:, 2], stalls[:, 3]
    late = gap > period
    w0 = np.where(late, start - gap + period, start)
    return np.stack([w0, start + took], axis=1)


def _waited(row: np.ndarray) -> float | None:
    """Time the block spent not computing (wall - CPU), ms; None when not measured."""
    if row.shape[0] < 5 or row[4] < 0:
        return None
    return round(max(float(row[2] - row[4]), 0.0) * 1e3, 3)


def _overlap(a0: float, a1: float, b0: np.ndarray, b1: np.ndarray) -> np.ndarray:
    return np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0.0, None)


def attribute(
    stalls: np.ndarray,
    gc_rows: np.ndarray,
    timers: list[StepTimes],
    audio_ident: int,
    t_ref: float = 0.0,
    worst: int = 10,
    steal: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """The ``worst`` stalls (by gap + block time), each with what overlapped it.

    ``gc_rows``: ``GcMonitor.rows()``; ``t_ref``: a perf_counter time the ``at_s`` figures
    are counted from (the start of a run); ``steal``: ``StealSampler.rows()``. Times in ms."""
    if stalls.shape[0] == 0:
        return []
    win = windows(stalls)
    order = np.argsort(-(stalls[:, 1] + stalls[:, 2]))[:worst]
    steps = [(t.thread, t.rows()) for t in timers]
    out = []
    for i in order:
        w0, w1 = float(win[i, 0]), float(win[i, 1])
        span = max(w1 - w0, 1e-9)
        found: list[tuple[float, str]] = []
        if gc_rows.shape[0]:
            ov = _overlap(w0, w1, gc_rows[:, 0], gc_rows[:, 0] + gc_rows[:, 1])
            for j in np.flatnonzero(ov > 0):
                where = "audio thread" if int(gc_rows[j, 4]) == audio_ident else "other thread"
                found.append(
                    (
                        float(ov[j]),
                        f"gc gen {int(gc_rows[j, 2])} {gc_rows[j, 1] * 1e3:.2f} ms ({where})",
                    )
                )
        for thread, rows in steps:
            if rows.shape[0]:
                ov = _overlap(w0, w1, rows[:, 0], rows[:, 0] + rows[:, 1])
                for j in np.flatnonzero(ov > 0):
                    step = STEPS[int(rows[j, 2])]
                    found.append((float(ov[j]), f"{thread}:{step} {rows[j, 1] * 1e3:.2f} ms"))
        if steal is not None:
            lost = steal_between(steal, w0, w1)
            if lost > 0:
                found.append((min(lost, span), f"host took the CPUs (steal {lost * 1e3:.0f} ms)"))
        found.sort(reverse=True)
        out.append(
            {
                "at_s": round(float(stalls[i, 0]) - t_ref, 3),
                "gap_ms": round(float(stalls[i, 1]) * 1e3, 3),
                "block_ms": round(float(stalls[i, 2]) * 1e3, 3),
                "block_waited_ms": _waited(stalls[i]),
                "cause": found[0][1] if found and found[0][0] >= 0.25 * span else OTHER,
                "overlaps": [text for _, text in found[:4]],
            }
        )
    return out
