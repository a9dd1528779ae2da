"""A key of the window's keyboard held for seconds: the note sounds until the key is let go
(shipped model, violin; the callback driven directly, no audio stream)."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPoint, Qt

from gui.bridge import EngineBridge
from gui.engine_backend import EngineBackend, PlayOptions
from gui.surfaces import SurfaceOptions


def _run(engine, seconds: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    block = np.zeros((512, engine.config.channels), np.float32)
    out = []
    for _ in range(round(seconds * engine.config.sample_rate / 512)):
        engine.process(block)
        out.append(block[:, 0].copy())
    return np.concatenate(out)


def rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x.astype(np.float64))) + 1e-20))


def test_a_held_key_sounds_until_it_is_released(qtbot, show_window) -> None:
    quiet = SurfaceOptions(audio=False, osc=False, midi=False)
    backend = EngineBackend(PlayOptions(surfaces=quiet))  # the shipped model
    backend.start()
    try:
        window = show_window(EngineBridge(backend, poll_ms=20, drain_ms=10))
        qtbot.waitExposed(window)
        engine = backend.engine
        names = engine.controls.style_names
        engine.set("style", [1.0 if n == "violin" else 0.0 for n in names])
        engine.set("release", 0.2)
        kb = window.keyboard
        c = kb.key_rect(69).center()  # A4, inside the violin's range
        at = QPoint(round(c.x()), round(c.y()))
        qtbot.mousePress(kb, Qt.MouseButton.LeftButton, pos=at)
        qtbot.waitUntil(lambda: engine.stats()["notes_rendered"] >= 1, timeout=5000)
        engine.wait_idle()
        held = _run(engine, 4.0)  # four seconds, more than twice the rendered note
        sr = engine.config.sample_rate
        assert engine.stats()["held_loops"] == 1
        assert rms_db(held[round(3.5 * sr) :]) > rms_db(held[round(0.5 * sr) : sr]) - 3.0
        qtbot.mouseRelease(kb, Qt.MouseButton.LeftButton, pos=at)
        engine.wait_idle()
        after = _run(engine, 0.6)
        assert rms_db(after[round(0.4 * sr) :]) < rms_db(held[round(3.5 * sr) :]) - 40
    finally:
        backend.shutdown()
