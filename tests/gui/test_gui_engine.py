"""The window over the real engine (tiny exported model, no audio stream): every control
changes the engine's state, keys play notes in the engine, changes made on the engine move
the faders, errors become messages."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QMessageBox

from gui.bridge import EngineBridge
from gui.engine_backend import EngineBackend, PlayOptions
from gui.main_window import MainWindow
from gui.model_bar import shipped_presets
from gui.surfaces import SurfaceOptions
from realtime.engine import EngineConfig

QUIET = SurfaceOptions(audio=False, osc=False, midi=False)


@pytest.fixture
def backend(tiny_model_dir: Path):
    b = EngineBackend(PlayOptions(model=str(tiny_model_dir), surfaces=QUIET))
    b.start()
    yield b
    b.shutdown()


@pytest.fixture
def window(qtbot, show_window, backend: EngineBackend) -> MainWindow:
    w = show_window(EngineBridge(backend, poll_ms=20, drain_ms=10))
    qtbot.waitExposed(w)
    return w


def test_every_control_changes_the_engine(qtbot, window: MainWindow, backend: EngineBackend):
    engine = backend.engine
    window.styles.slider(2).setValue(400)
    window.styles.normalise.setChecked(True)
    window.note_mix.pitch_class.slider(7).setValue(200)
    window.note_mix.octave.slider(3).setValue(200)
    window.latent.z.setValue(150)
    centre = window.latent.pad.to_widget(-1.0, 2.0)
    qtbot.mouseClick(window.latent.pad, Qt.MouseButton.LeftButton,
                     pos=QPoint(round(centre.x()), round(centre.y())))
    window.latent.variation.setValue(50)
    for name, slider in window.play.sliders.items():
        slider.setValue(slider.maximum() if name != "gain" else slider.minimum())
    window.play.fx.setChecked(True)
    assert engine.get("style") == (1.0, 0.0, 4.0)
    assert engine.get("normalise") is True
    assert engine.get("pitch_class_mix")[7] == pytest.approx(1.0)
    assert engine.get("octave_mix")[3] == pytest.approx(1.0)
    latent = engine.get("latent")
    assert latent[:3] == pytest.approx((-1.0, 2.0, 1.5), abs=0.06)
    assert engine.get("variation") == pytest.approx(0.5)
    assert (engine.get("velocity"), engine.get("velocity_curve")) == (127.0, 4.0)
    assert (engine.get("release"), engine.get("gain")) == (pytest.approx(20.0), -80.0)
    assert engine.get("fx") is True
    before = engine.get("latent")
    window.latent.randomise.click()
    assert engine.get("latent") != before
    qtbot.waitUntil(lambda: window.latent.value() == pytest.approx(engine.get("latent")[:3]))


def _sounds(backend: EngineBackend, notes_before: int, count: int) -> bool:
    """Wait for ``count`` new renders, then run the callback: the voices must sound."""
    engine = backend.engine
    if engine.stats()["notes_rendered"] < notes_before + count:
        return False
    engine.wait_idle()
    out = np.zeros((2048, engine.config.channels), np.float32)
    engine.process(out)
    return bool(np.abs(out).max() > 0) and engine.stats()["voices"] >= 1


def test_mouse_and_computer_keys_play_in_the_engine(
    qtbot, window: MainWindow, backend: EngineBackend
):
    engine = backend.engine
    kb = window.keyboard
    rendered = engine.stats()["notes_rendered"]
    c = kb.key_rect(64).center()
    at = QPoint(round(c.x()), round(c.y()))
    qtbot.mousePress(kb, Qt.MouseButton.LeftButton, pos=at)
    assert kb.lit_pitches() == {64}
    qtbot.waitUntil(lambda: _sounds(backend, rendered, 1), timeout=5000)
    qtbot.mouseRelease(kb, Qt.MouseButton.LeftButton, pos=at)
    qtbot.keyPress(window, "w")  # D above the upper row's C: another note, another render
    assert kb.lit_pitches() == {kb.base_pitch() + 14}
    qtbot.waitUntil(lambda: _sounds(backend, rendered, 2), timeout=5000)
    qtbot.keyRelease(window, "w")
    assert kb.lit_pitches() == set()
    qtbot.waitUntil(window.note_view.has_note, timeout=2000)
    status = backend.status()  # the window's headroom read-out comes from the engine
    assert status.callback_worst is not None and status.callback_worst > 0
    assert status.callback_worst_ms is not None and status.stalls is not None


def test_engine_changes_move_the_faders(qtbot, window: MainWindow, backend: EngineBackend):
    """What OSC and MIDI do: set controls on the engine from their own threads."""
    def remote() -> None:
        backend.engine.set("style", [0.0, 2.5, 0.5])
        backend.engine.set("gain", -30.0)
        backend.engine.controls.set_style("violin", 1.25)

    t = threading.Thread(target=remote)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: window.styles.values() == [1.25, 2.5, 0.5], timeout=2000)
    qtbot.waitUntil(lambda: window.play.value("gain") == -30.0, timeout=2000)
    assert window.styles.slider(1).value() == window.styles.to_steps(2.5)


def test_a_preset_loaded_over_osc_shows_in_the_preset_box(qtbot, window: MainWindow, backend):
    """/waefader/preset from the OSC thread: the box names it (it kept the old one)."""
    window.load_preset(str(shipped_presets()[0]))
    t = threading.Thread(target=lambda: backend.engine.load_preset("Warm Strings"))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: window.model_bar.presets.currentText() == "warm strings", timeout=2000)
    names = [window.model_bar.presets.itemText(i) for i in range(window.model_bar.presets.count())]
    assert len(names) == len(set(names)) == len(shipped_presets()) + 1  # + "(choose)"


def test_shipped_presets_load_into_engine_and_screen(qtbot, window: MainWindow, backend):
    presets = shipped_presets()
    assert len(presets) >= 8  # the window lists every shipped preset, as OSC does
    for path in presets:
        window.load_preset(str(path))
        assert not window.findChildren(QMessageBox, "error-box"), path
        values = backend.controls()
        assert window.styles.values() == pytest.approx(list(values["style"]))
        assert window.play.value("release") == pytest.approx(values["release"])


def test_bad_model_folder_is_a_message_not_a_traceback(
    qtbot, window: MainWindow, backend: EngineBackend, tmp_path: Path
):
    (tmp_path / "manifest.json").write_text("{not json")
    window.load_model(str(tmp_path))
    boxes = window.findChildren(QMessageBox, "error-box")
    assert len(boxes) == 1 and "corrupt" in boxes[0].text()
    assert backend.model.style_names == ("violin", "flute", "cello")  # the old model kept


def test_other_model_folder_rebuilds_the_style_bank(
    qtbot, window: MainWindow, backend: EngineBackend, tiny_model_dir: Path
):
    window.play.sliders["gain"].setValue(10)
    window.load_model(str(tiny_model_dir))
    assert len(window.styles) == 3 and window.styles.style_names == backend.model.style_names
    assert backend.engine.get("gain") == -75.0  # kept across the swap
    window.styles.slider(1).setValue(400)
    assert backend.engine.get("style")[1] == 4.0  # the new bank drives the new engine


def test_no_audio_device_still_opens_and_says_so(qtbot, show_window, tiny_model_dir: Path):
    options = PlayOptions(
        model=str(tiny_model_dir), surfaces=SurfaceOptions(osc=False, midi=False),
        engine=EngineConfig(device="no such audio device at all"),
    )
    backend = EngineBackend(options)
    backend.start()
    try:
        w = show_window(EngineBridge(backend, poll_ms=20))
        qtbot.waitUntil(w.banner.isVisible, timeout=2000)
        assert "No audio output" in w.banner.text()
        assert w.status.text("audio").startswith("NO AUDIO")
        w.keyboard.note_on.emit(60, 100)  # playing still renders (heard nowhere)
        qtbot.waitUntil(lambda: backend.engine.stats()["notes_rendered"] >= 1, timeout=5000)
    finally:
        backend.shutdown()


def test_preset_save_and_load_round_trip(qtbot, window: MainWindow, backend, tmp_path: Path):
    window.styles.slider(1).setValue(300)
    window.play.sliders["release"].setValue(50)
    saved = backend.controls()
    path = tmp_path / "mine.json"
    window.save_preset(str(path))
    assert path.is_file()
    window.styles.slider(1).setValue(0)
    window.play.sliders["release"].setValue(300)
    window.load_preset(str(path))
    assert backend.controls()["style"] == saved["style"]
    assert backend.controls()["release"] == pytest.approx(saved["release"])
    assert window.styles.slider(1).value() == 300
    assert window.play.sliders["release"].value() == 50


def test_unreadable_preset_is_a_message(qtbot, window: MainWindow, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    window.load_preset(str(bad))
    boxes = window.findChildren(QMessageBox, "error-box")
    assert len(boxes) == 1 and "bad.json" in boxes[0].text()
