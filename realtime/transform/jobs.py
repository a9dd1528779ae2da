"""A background thread for transforms asked while playing (OSC ``/waefader/transform``).

A transform takes about a second (encode, estimate the source, render). The thread that
asks (the OSC server's) must go back to its socket at once, so the work is queued to one
worker thread that runs at normal priority (``realtime.engine.priority.background``) and
does the jobs in order. At most ``limit`` wait; more are refused, not queued without end.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from realtime.engine.priority import background

Job = Callable[[], None]


class TransformJobs:
    """Runs jobs one at a time on a daemon thread started at the first ``submit``."""

    def __init__(self, limit: int = 4, nice: int = 5) -> None:
        self.limit = limit
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=limit)
        self._nice = nice
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._busy = 0  # submitted and not finished
        self.failures = 0  # jobs that raised (they should catch and report instead)
        self.last_error = ""

    def submit(self, job: Job) -> bool:
        """Queue ``job``; False when ``limit`` jobs already wait. A job catches and reports
        its own failures; one that raises anyway is counted in ``failures``."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="waefader-transform", daemon=True
                )
                self._thread.start()
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                return False
            self._busy += 1
            return True

    @property
    def pending(self) -> int:
        return self._busy

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every submitted job has finished (tests, shutdown)."""
        end = time.monotonic() + timeout
        while self._busy and time.monotonic() < end:
            time.sleep(0.005)
        return self._busy == 0

    def stop(self) -> None:
        """Let the queued jobs finish, then end the thread (waits up to 5 s)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(5.0)

    def _run(self) -> None:
        background(self._nice)
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                job()
            except Exception as exc:  # a job reports its own failures; this is a bug's net
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
            finally:
                with self._lock:
                    self._busy -= 1
