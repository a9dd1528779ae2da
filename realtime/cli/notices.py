"""One-line notices on stderr that never block the thread that has news.

The audio watchdog reports a lost or returned device from its own thread; stderr may be a
pipe nobody reads, and a write to a full pipe blocks. Lines go to a bounded queue and a
daemon thread writes them; when the queue is full the line is dropped (and counted).
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading


class StderrLines:
    def __init__(self, prog: str, size: int = 64) -> None:
        self.prog = prog
        self._queue: queue.Queue[str] = queue.Queue(maxsize=size)
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="waefader-notices", daemon=True)
        self._thread.start()

    def put(self, line: str) -> None:
        """Queue a line (from any thread); never blocks."""
        try:
            self._queue.put_nowait(f"{self.prog}: {line}")
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        while True:
            line = self._queue.get()
            with contextlib.suppress(OSError, ValueError):  # stderr closed: nobody to tell
                print(line, file=sys.stderr, flush=True)
