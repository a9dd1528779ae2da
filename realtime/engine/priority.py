"""Scheduling priority of the engine's threads.

The audio callback needs the GIL. If a thread of ours holds the GIL and the OS puts it
aside for another busy process, the callback waits, and on a loaded machine the device
underflows. So the audio thread asks for SCHED_FIFO (``realtime``) and the other threads
that take the GIL (render worker, OSC, MIDI, the thread that starts the engine) for a
higher CPU share (a negative nice value). Where that is refused (no permission, another OS)
nothing changes and the figures say so.
"""

from __future__ import annotations

import os
import threading


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
