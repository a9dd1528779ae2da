"""The sample panel (transform mode) over the recording backend: a dropped or chosen file is
loaded off the GUI thread, its z moves the latent pad, the three buttons ask the backend for
the three sounds, failures become messages and keep the previous sample."""

from __future__ import annotations

import pytest
from gui_fakes import RecordingBackend
from PyQt6.QtCore import QMimeData, QPointF, Qt, QUrl
from PyQt6.QtGui import QDropEvent
from PyQt6.QtWidgets import QMessageBox

from gui.bridge import EngineBridge
from gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, show_window, recording_backend: RecordingBackend) -> MainWindow:
    w = show_window(EngineBridge(recording_backend, poll_ms=20, drain_ms=10))
    qtbot.waitExposed(w)
    return w


def drop(widget, path: str) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path)])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    widget.dropEvent(event)


def test_buttons_wait_for_a_sample(window: MainWindow) -> None:
    assert not any(b.isEnabled() for b in window.sample.buttons.values())


@pytest.mark.parametrize("target", ["panel", "window"])
def test_a_dropped_file_loads_and_its_z_moves_the_pad(
    qtbot, window: MainWindow, recording_backend: RecordingBackend, target: str, tmp_path
) -> None:
    path = str(tmp_path / "oboe A3.wav")
    with qtbot.waitSignal(window.sample_loader.loaded, timeout=5000):
        drop(window.sample if target == "panel" else window, path)
    assert recording_backend.sample is not None and recording_backend.sample.path == path
    assert all(b.isEnabled() for b in window.sample.buttons.values())
    assert "A3 flute" in window.sample.info.text() and "+0.50" in window.sample.info.text()
    qtbot.waitUntil(lambda: window.latent.value() == pytest.approx((0.5, -0.5, 1.0)))
    qtbot.waitUntil(lambda: window.styles.values() == pytest.approx([0.0, 1.0, 0.0]))


def test_the_three_buttons_ask_for_the_three_sounds(
    qtbot, window: MainWindow, recording_backend: RecordingBackend
) -> None:
    with qtbot.waitSignal(window.sample_loader.loaded, timeout=5000):
        window.sample.sample_chosen.emit("/tmp/x.wav")  # what the Load button's dialog emits
    window.sample.transpose.setValue(-12)
    for which in ("original", "reconstruction", "transformed"):
        qtbot.mouseClick(window.sample.buttons[which], Qt.MouseButton.LeftButton)
    assert recording_backend.sample_plays == [
        ("original", -12), ("reconstruction", -12), ("transformed", -12)
    ]  # fmt: skip


def test_a_bad_file_is_a_message_and_the_old_sample_stays(
    qtbot, window: MainWindow, recording_backend: RecordingBackend
) -> None:
    with qtbot.waitSignal(window.sample_loader.loaded, timeout=5000):
        window.load_sample("/tmp/good.wav")
    with qtbot.waitSignal(window.sample_loader.failed, timeout=5000):
        window.load_sample("/tmp/notes.bad")
    box = window.findChild(QMessageBox, "error-box")
    assert box is not None and "not readable as audio" in box.text()
    assert "still loaded" in window.sample.info.text()
    assert window.sample.buttons["transformed"].isEnabled()
    assert recording_backend.sample is not None and recording_backend.sample.path == "/tmp/good.wav"
