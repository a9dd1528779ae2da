"""python-osc's warnings, counted instead of written.

python-osc logs a warning on the root logger for every bundle element it cannot identify
(``logging.warning(...)``). With stderr on a pipe nobody reads, that write blocks, and with
it the OSC thread: ``/status`` stops answering. A filter on the root logger takes those
records out before any handler sees them and counts them (``library_warnings`` in
``/status``); every other record passes untouched.
"""

from __future__ import annotations

import logging
import os
import threading

_PACKAGE = os.sep + "pythonosc" + os.sep


class _CountPythonOsc(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if _PACKAGE in record.pathname:
            with self._lock:
                self.count += 1
            return False
        return True


_filter = _CountPythonOsc()
_installed = threading.Lock()


def capture_library_warnings() -> None:
    """Install the filter once (idempotent)."""
    with _installed:
        root = logging.getLogger()
        if _filter not in root.filters:
            root.addFilter(_filter)


def library_warnings() -> int:
    """python-osc records taken out since the process started."""
    return _filter.count
