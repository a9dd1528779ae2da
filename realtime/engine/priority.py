"""Scheduling priority of the engine's threads.

The audio callback needs the GIL. If a thread of ours holds the GIL and the OS puts it
aside for another busy process, the callback waits (priority inversion), and on a loaded
machine the device underflows: measured here, a few underflows a minute at 32 notes/s with
the other threads at nice -10, none with them real-time. So the audio thread asks for
SCHED_FIFO at ``rt_priority`` and the engine's own threads that take the GIL (render
worker, OSC, MIDI) for SCHED_FIFO at the lower ``worker_rt_priority``; they block on queues
and sockets between short bursts. Whole-note renders (onnxruntime, 4-20 ms, GIL released)
run demoted to normal scheduling (``demoted``) when the audio server is not real-time:
two real-time threads rendering on a 2-core machine starved a non-real-time JACK server
(44 xruns in 20 s, measured). Beside a real-time server they stay real-time: demoted, they
came too late on a loaded machine (18 of 32 notes ran out of their first frames), though
real-time they count against the kernel's real-time budget (``sched_rt_runtime_us``, 95 %
of each second per CPU; beyond it every real-time thread of that CPU, the callback
included, stops for the rest of the second: 45-57 ms gaps, measured). The first-frames
renders (1-3 ms, latency-critical) stay real-time. The thread that starts
the engine (a GUI's main thread) only gets a negative nice value. Where that is refused
(no permission, another OS) it falls back to nice, then to nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


def raise_nice(nice: int | None) -> bool:
    """Give the calling thread (and threads it starts later) this nice value."""
    if nice is None or not hasattr(os, "setpriority"):
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)  # this thread only
        return True
    except OSError:
        return False


def realtime(priority: int | None) -> bool:
    """SCHED_FIFO at ``priority`` for the calling thread."""
    if priority is None or not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))  # this thread only
        return True
    except (OSError, ValueError):
        return False


def raise_thread(rt_priority: int | None, nice: int | None) -> str:
    """SCHED_FIFO at ``rt_priority`` for the calling thread, else ``nice``; says which."""
    if realtime(rt_priority):
        return "realtime"
    return "nice" if raise_nice(nice) else "normal"


@contextmanager
def temporarily(rt_priority: int | None, nice: int | None) -> Iterator[str]:
    """``raise_thread`` for the calling thread inside a ``with`` block, then back as before."""
    tid = threading.get_native_id()
    policy = os.sched_getscheduler(0) if hasattr(os, "sched_getscheduler") else None
    param = os.sched_getparam(0) if policy is not None else None
    old_nice = os.getpriority(os.PRIO_PROCESS, tid) if hasattr(os, "getpriority") else None
    try:
        yield raise_thread(rt_priority, nice)
    finally:
        with suppress(OSError):
            if policy is not None and param is not None:
                os.sched_setscheduler(0, policy, param)
            if old_nice is not None:
                os.setpriority(os.PRIO_PROCESS, tid, old_nice)


@contextmanager
def demoted(nice: int | None) -> Iterator[None]:
    """Long work that releases the GIL (onnxruntime) runs at normal priority: a real-time
    thread busy for 15 ms would starve a non-real-time audio server on a small machine.
    The thread is real-time again for the short Python parts around it."""
    if not hasattr(os, "sched_getscheduler") or os.sched_getscheduler(0) != os.SCHED_FIFO:
        yield
        return
    param = os.sched_getparam(0)
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        raise_nice(nice)
    except OSError:
        pass
    try:
        yield
    finally:
        with suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_FIFO, param)


def background(nice: int = 5) -> None:
    """Normal scheduling at a positive ``nice`` for the calling thread: slow side work (a
    transform, about a second) started from a real-time thread would inherit SCHED_FIFO
    and starve the render worker and the audio server."""
    if hasattr(os, "sched_setscheduler"):
        with suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    raise_nice(nice)
