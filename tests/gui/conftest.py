"""GUI test fixtures."""

from __future__ import annotations

import pytest
from gui_fakes import RecordingBackend


@pytest.fixture
def recording_backend() -> RecordingBackend:
    return RecordingBackend()


@pytest.fixture
def show_window(qtbot):
    """``show_window(bridge) -> MainWindow``: shown, referenced until the test's teardown,
    then closed with its timers stopped. (A visible window that Python no longer references
    may be garbage-collected in the middle of a paint, which crashes Qt.)"""
    from gui.main_window import MainWindow

    windows = []

    def show(bridge):
        w = MainWindow(bridge)
        qtbot.addWidget(w)
        w.show()
        windows.append(w)
        return w

    yield show
    for w in windows:
        w.bridge.stop_timers()
        w.close()
