"""Notes refused so that memory stays bounded, counted by reason (``dropped`` in /status).

- ``device_lost``: played while the audio device is gone (they would wait for a callback
  that does not come; they are not queued);
- ``render_queue``: more than ``max_pending_renders`` notes waiting for the model;
- ``scheduled``: more than ``max_scheduled`` timed notes waiting for their time;
- ``inbox``: more than ``max_inbox`` messages waiting for the audio callback.
"""

from __future__ import annotations

import threading

REASONS = ("device_lost", "render_queue", "scheduled", "inbox")


class Drops:
    """Counters written by several threads (under a lock: a drop is rare and cheap)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(REASONS, 0)

    def add(self, reason: str) -> None:
        with self._lock:
            self._counts[reason] += 1

    @property
    def total(self) -> int:
        return sum(self._counts.values())

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
