"""The garbage collector while the engine plays: timed, and kept off the audio path.

Why: a collection holds the GIL from start to end, and CPython runs it in whichever thread
happens to allocate the object that crosses a threshold, the audio callback included (it
makes a few small objects per block: iterators, floats). A full collection walks every
tracked object of the process (numpy, onnxruntime's wrappers, Qt...), tens of milliseconds
on a busy machine: several blocks of audio lost at once.

``GcMonitor`` times every collection through ``gc.callbacks`` (start, duration, generation,
objects collected, the thread that ran it) into preallocated rings, so a stall of the
callback can be set beside the collections that overlapped it (``realtime.engine.stalls``).

``GcControl`` (``EngineConfig.gc_control``): when the engine starts, one full collection,
then ``gc.freeze()`` moves the start-up heap (modules, the model, the GUI) into the
permanent generation that collections never walk; automatic collection is switched off,
and the thread ``waefader-gc`` collects instead, the young generation every ``period_s``
(0.2 s: short passes, only the objects made since the last one), the middle one every
fifth pass, the oldest every fiftieth (10 s), so cycles are still freed. Few wake-ups on
purpose: every thread that wakes wants the GIL, and one that has waited a switch interval
makes the callback hand it over mid-block and wait until that thread has taken it.
Stopping the last engine undoes it all (``gc.unfreeze``, automatic collection back as it
was).
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

import numpy as np

from realtime.engine.priority import raise_thread

_perf = time.perf_counter


class GcMonitor:
    """Every collection of the process while installed: a ring of ``size`` passes.

    Rows of ``passes (size, 5)``: start (perf_counter s), duration (s), generation, objects
    collected, and the ``threading.get_ident()`` of the thread that ran it."""

    def __init__(self, size: int = 1024) -> None:
        self.passes = np.zeros((size, 5), np.float64)
        self.count = 0
        self._t0 = 0.0
        self._installed = False

    def install(self) -> None:
        if not self._installed:
            gc.callbacks.append(self._on_gc)
            self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            gc.callbacks.remove(self._on_gc)
            self._installed = False

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        # runs inside the collection, GIL held: no allocation beyond the floats
        if phase == "start":
            self._t0 = _perf()
            return
        row = self.passes[self.count % self.passes.shape[0]]
        row[0] = self._t0
        row[1] = _perf() - self._t0
        row[2] = info.get("generation", -1)
        row[3] = info.get("collected", 0)
        row[4] = threading.get_ident()
        self.count += 1

    def clear(self) -> None:
        self.count = 0

    def rows(self) -> np.ndarray:
        """Copy of the recorded passes, oldest first: ``(n, 5)``."""
        size = self.passes.shape[0]
        n = min(self.count, size)
        if self.count <= size:
            return self.passes[:n].copy()
        k = self.count % size
        return np.concatenate([self.passes[k:], self.passes[:k]])

    def summary(self, audio_ident: int = 0) -> dict[str, Any]:
        """Passes, their longest and total time (ms), how many ran on the audio thread."""
        r = self.rows()
        ms = r[:, 1] * 1e3
        return {
            "gc_passes": int(r.shape[0]),
            "gc_ms_max": round(float(ms.max()), 3) if ms.size else None,
            "gc_ms_total": round(float(ms.sum()), 3),
            "gc_on_audio_thread": int((r[:, 4] == audio_ident).sum()) if audio_ident else 0,
            "gc_by_generation": [int((r[:, 2] == g).sum()) for g in range(3)],
        }


# How many engines hold the collector switched off (process-wide, as the collector is).
_lock = threading.Lock()
_holders = 0
_was_enabled = True


class GcControl:
    """Freeze the start-up heap and collect on ``waefader-gc`` while the engine runs."""

    def __init__(
        self,
        period_s: float = 0.2,
        rt_priority: int | None = None,
        nice: int | None = None,
    ) -> None:
        self.period_s = period_s
        self.rt_priority = rt_priority
        self.nice = nice
        self.frozen = 0  # objects gc.freeze() moved aside at start
        self.passes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        global _holders, _was_enabled
        if self._thread is not None:
            return
        with _lock:
            if _holders == 0:
                _was_enabled = gc.isenabled()
                gc.collect()  # start-up garbage goes now, not in the middle of a note
                gc.freeze()
                gc.disable()
            _holders += 1
        self.frozen = gc.get_freeze_count()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="waefader-gc", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        global _holders
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(2.0)
        self._thread = None
        with _lock:
            _holders -= 1
            if _holders == 0:
                gc.unfreeze()
                if _was_enabled:
                    gc.enable()

    def step(self) -> int:
        """One collection pass: the generation it collected (0, 1 or 2)."""
        self.passes += 1
        generation = 2 if self.passes % 50 == 0 else 1 if self.passes % 5 == 0 else 0
        gc.collect(generation)
        return generation

    def _run(self) -> None:
        # real-time like the other threads that take the GIL: a collector put aside by the
        # OS in the middle of a pass would keep the callback waiting (priority.py)
        raise_thread(self.rt_priority, self.nice)
        while not self._stop.wait(self.period_s):
            self.step()
