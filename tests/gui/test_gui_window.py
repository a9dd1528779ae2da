"""The window over a recording backend: each control reaches the backend, changes made
elsewhere reach the screen, keys play notes, errors become message boxes."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from gui_fakes import RecordingBackend
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QMessageBox

from gui.bridge import EngineBridge
from gui.keyboard import KEY_OFFSETS
from gui.main_window import MainWindow


def _point(p: QPointF) -> QPoint:
    return QPoint(round(p.x()), round(p.y()))


@pytest.fixture
def window(qtbot, show_window, recording_backend: RecordingBackend) -> MainWindow:
    w = show_window(EngineBridge(recording_backend, poll_ms=20, drain_ms=10))
    qtbot.waitExposed(w)
    return w


def test_style_and_normalise(window: MainWindow, recording_backend: RecordingBackend) -> None:
    window.styles.slider(1).setValue(window.styles.to_steps(1.5))
    assert recording_backend.state["style"] == pytest.approx([1.0, 1.5, 0.0], abs=0.01)
    window.styles.slider(2).setValue(400)  # the top of the travel is beyond 1
    assert recording_backend.state["style"][2] == pytest.approx(4.0)
    window.styles.normalise.setChecked(True)
    assert recording_backend.state["normalise"] is True


def test_note_mix(window: MainWindow, recording_backend: RecordingBackend) -> None:
    pc, octv = window.note_mix.pitch_class, window.note_mix.octave
    pc.slider(7).setValue(pc.to_steps(0.6))  # the fifth
    octv.slider(3).setValue(octv.to_steps(0.3))  # one octave down
    assert recording_backend.state["pitch_class_mix"][7] == pytest.approx(0.6, abs=0.01)
    assert recording_backend.state["pitch_class_mix"][0] == 1.0  # the root kept as it was
    assert recording_backend.state["octave_mix"][3] == pytest.approx(0.3, abs=0.01)
    assert recording_backend.state["octave_mix"][4] == 1.0


def test_latent_pad_slider_randomise_variation(
    qtbot, window: MainWindow, recording_backend: RecordingBackend
) -> None:
    pad = window.latent.pad
    target = pad.to_widget(1.5, -2.0)
    qtbot.mouseClick(pad, Qt.MouseButton.LeftButton, pos=_point(target))
    x, y, _ = recording_backend.state["latent"]
    assert (x, y) == pytest.approx((1.5, -2.0), abs=0.1)
    window.latent.z.setValue(-120)
    assert recording_backend.state["latent"][2] == pytest.approx(-1.2)
    before = recording_backend.state["latent"]
    window.latent.randomise.click()
    assert recording_backend.state["latent"] != before
    qtbot.waitUntil(lambda: window.latent.value() == recording_backend.state["latent"])
    window.latent.variation.setValue(135)
    assert recording_backend.state["variation"] == pytest.approx(1.35)


def test_play_panel(window: MainWindow, recording_backend: RecordingBackend) -> None:
    sliders = window.play.sliders
    sliders["velocity"].setValue(63)  # 1 + 63 = 64
    sliders["velocity_curve"].setValue(150)
    sliders["release"].setValue(sliders["release"].maximum())
    sliders["gain"].setValue(sliders["gain"].minimum() + 136)  # -80 + 136 / 2 = -12 dB
    window.play.fx.setChecked(True)
    window.play.panic.click()
    s = recording_backend.state
    assert (s["velocity"], s["velocity_curve"], s["gain"], s["fx"]) == (64, 1.5, -12.0, True)
    assert s["release"] == pytest.approx(20.0)
    assert recording_backend.panics == 1


def test_mouse_plays_the_key_under_it(qtbot, window: MainWindow) -> None:
    kb = window.keyboard
    window.play.sliders["velocity"].setValue(89)
    centre = kb.key_rect(61).center()  # C#4, a black key
    qtbot.mouseClick(kb, Qt.MouseButton.LeftButton, pos=_point(centre))
    notes = window.bridge.backend.notes  # type: ignore[attr-defined]
    assert notes == [("on", 61, 90), ("off", 61, 0)]


def test_computer_keys_play_whatever_has_focus(qtbot, window: MainWindow) -> None:
    window.styles.slider(0).setFocus()
    base = window.keyboard.base_pitch()
    qtbot.keyPress(window.styles.slider(0), "e")
    qtbot.keyRelease(window.styles.slider(0), "e")
    qtbot.keyClick(window, Qt.Key.Key_Equal)  # one octave up
    qtbot.keyPress(window, "z")
    qtbot.keyRelease(window, "z")
    notes = window.bridge.backend.notes  # type: ignore[attr-defined]
    assert notes == [
        ("on", base + KEY_OFFSETS["e"], 100), ("off", base + KEY_OFFSETS["e"], 0),
        ("on", base + 12, 100), ("off", base + 12, 0),
    ]


def test_change_from_another_thread_moves_the_fader(
    qtbot, window: MainWindow, recording_backend: RecordingBackend
) -> None:
    # What an OSC or MIDI thread does: set the control on the backend, off the GUI thread.
    t = threading.Thread(target=recording_backend.set_control, args=("style", [0.2, 0.0, 1.7]))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: window.styles.values() == pytest.approx([0.2, 0.0, 1.7]), timeout=2000)
    recording_backend.set_control("gain", -20.5)
    qtbot.waitUntil(lambda: window.play.value("gain") == -20.5, timeout=2000)
    assert window.play.sliders["gain"].value() == 119  # (-20.5 + 80) * 2
    # Moving the faders on screen must not have echoed a change back, nor rounded values.
    window.styles.slider(1).setValue(window.styles.to_steps(0.5))
    sent = recording_backend.state["style"]
    assert (sent[0], sent[2]) == (0.2, 1.7) and sent[1] == pytest.approx(0.5, abs=0.01)


def test_status_and_last_note(qtbot, window: MainWindow) -> None:
    window.bridge.note_on(60, 100)
    qtbot.waitUntil(window.note_view.has_note, timeout=2000)
    assert window.status.text("latency") == "p50 4.0 ms, p99 7.5 ms"
    assert window.status.text("osc") == "127.0.0.1:9000"
    assert window.status.text("headroom") == "1.2 ms (22 % of a block), 1 stall"
    assert window.status.text("underflows") == "2 (server xruns 2)"
    assert window.banner.isHidden()


def test_no_audio_device_is_said(qtbot, show_window) -> None:
    w = show_window(EngineBridge(RecordingBackend(running=False), poll_ms=20))
    qtbot.waitUntil(w.banner.isVisible, timeout=2000)
    assert "No audio output" in w.banner.text()
    assert w.status.text("audio").startswith("NO AUDIO")


def test_bad_model_gives_a_message_box(qtbot, window: MainWindow) -> None:
    window.load_model("/no/such/model")
    boxes = window.findChildren(QMessageBox, "error-box")
    assert len(boxes) == 1 and "/no/such/model" in boxes[0].text()


def test_screenshot_is_produced(qtbot, window: MainWindow, tmp_path) -> None:
    window.bridge.note_on(60, 100)
    qtbot.waitUntil(window.note_view.has_note, timeout=2000)
    path = tmp_path / "window.png"
    window.resize(1280, 720)  # the window fits the (small) offscreen screen; show a laptop's
    assert window.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() >= 800 and image.height() >= 500
    grid = [(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 23)]
    pixels = {image.pixel(x, y) for x, y in grid}
    assert len(pixels) > 20  # a drawn window, not a blank rectangle


def test_spectrogram_finds_the_tone() -> None:
    from gui.note_view import N_FFT, spectrogram_db

    rate, f0 = 22050, 1000.0
    t = np.arange(rate) / rate
    db = spectrogram_db(np.sin(2 * np.pi * f0 * t))
    peak_bin = int(np.argmax(db.mean(axis=1)))
    assert abs(peak_bin * rate / N_FFT - f0) < rate / N_FFT


def test_ctrl_q_closes_the_window_and_the_last_note_is_named(qtbot, window: MainWindow) -> None:
    window.bridge.note_on(69, 100)
    qtbot.waitUntil(window.note_view.has_note, timeout=2000)
    assert window.note_view.caption == "A4 · violin 1.00"  # pitch and style, in words
    window.activateWindow()
    window.keyboard.setFocus()
    closed = []
    window.closed.connect(lambda: closed.append(True))
    qtbot.keyClick(window.keyboard, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(closed), timeout=2000)
    assert not window.isVisible()


def test_style_labels_have_one_word_a_line() -> None:
    from gui.faders import fader_label

    assert fader_label("english horn") == "english\nhorn"
    assert fader_label("violin-staccato") == "violin-\nstaccato"
    assert fader_label("alto sax") == "alto\nsax"
