"""OSC live beside the window: messages over UDP loopback move the faders on screen and play
notes in the same engine the window drives."""

from __future__ import annotations

from pathlib import Path

import pytest
from pythonosc.udp_client import SimpleUDPClient

from gui.bridge import EngineBridge
from gui.engine_backend import EngineBackend, PlayOptions
from gui.surfaces import SurfaceOptions


@pytest.fixture
def osc_window(qtbot, show_window, tiny_model_dir: Path):
    options = PlayOptions(
        model=str(tiny_model_dir),
        surfaces=SurfaceOptions(audio=False, osc=True, osc_port=0, midi=False),
    )
    backend = EngineBackend(options)
    backend.start()
    w = show_window(EngineBridge(backend, poll_ms=20, drain_ms=10))
    port = backend.surfaces.osc_port()
    assert port is not None, backend.surfaces.errors
    client = SimpleUDPClient("127.0.0.1", port)
    yield w, backend, client
    backend.shutdown()


def test_osc_moves_faders_on_screen(qtbot, osc_window) -> None:
    window, backend, client = osc_window
    client.send_message("/waefader/style/flute", 1.5)
    client.send_message("/waefader/gain", -24)  # an OSC int, taken as a float
    client.send_message("/waefader/octave_mix", [0.0, 0.0, 0.0, 0.5])
    client.send_message("/waefader/latent", [1.25, -0.5])
    client.send_message("/waefader/fx", 1)
    qtbot.waitUntil(lambda: window.styles.values()[1] == 1.5, timeout=3000)
    qtbot.waitUntil(lambda: window.play.value("gain") == -24.0, timeout=3000)
    qtbot.waitUntil(lambda: window.note_mix.octave.values()[3] == 0.5, timeout=3000)
    qtbot.waitUntil(lambda: window.latent.value()[:2] == (1.25, -0.5), timeout=3000)
    qtbot.waitUntil(window.play.fx.isChecked, timeout=3000)
    assert window.styles.slider(1).value() == window.styles.to_steps(1.5)
    # ... and the screen drives the same state back: the fader and OSC agree.
    window.styles.slider(1).setValue(window.styles.to_steps(0.25))
    assert backend.engine.get("style")[1] == pytest.approx(0.25, abs=0.01)


def test_osc_notes_play_in_the_windows_engine(qtbot, osc_window) -> None:
    window, backend, client = osc_window
    before = backend.engine.stats()["notes_rendered"]
    client.send_message("/waefader/note_on", [67, 100, 0.3])
    qtbot.waitUntil(lambda: backend.engine.stats()["notes_rendered"] > before, timeout=5000)
    qtbot.waitUntil(window.note_view.has_note, timeout=3000)
    assert window.status.text("osc").startswith("127.0.0.1:")


def test_midi_ccs_move_the_faders_and_notes_play(qtbot, show_window, tiny_model_dir: Path):
    """MIDI beside the window: serve's MIDI handler, fed on another thread as rtmidi's
    callback thread feeds it, moves the faders (default CC map) and plays the engine."""
    import threading

    import mido

    options = PlayOptions(
        model=str(tiny_model_dir), surfaces=SurfaceOptions(audio=False, osc=False, midi=True),
    )
    backend = EngineBackend(options)
    backend.start()
    try:
        window = show_window(EngineBridge(backend, poll_ms=20, drain_ms=10))
        assert backend.surfaces.server is not None
        handler = backend.surfaces.server.midi_handler
        before = backend.engine.stats()["notes_rendered"]
        messages = [
            mido.Message("control_change", control=7, value=0),  # volume -> gain -60 dB
            mido.Message("control_change", control=21, value=127),  # second style -> 1.0
            mido.Message("control_change", control=1, value=127),  # mod wheel -> variation 1
            mido.Message("note_on", note=62, velocity=90),
        ]
        feeder = threading.Thread(target=lambda: [handler.handle(m) for m in messages])
        feeder.start()
        feeder.join()
        qtbot.waitUntil(lambda: window.play.value("gain") == -60.0, timeout=3000)
        qtbot.waitUntil(lambda: window.styles.values()[1] == 1.0, timeout=3000)
        qtbot.waitUntil(lambda: window.latent.variation_amount() == 1.0, timeout=3000)
        qtbot.waitUntil(
            lambda: backend.engine.stats()["notes_rendered"] > before, timeout=5000
        )
        assert handler.counts["cc"] == 3 and handler.counts["notes"] == 1
        # the panel shows the port at its next poll (every 20 ms), not at once
        want = backend.surfaces.midi_port() or "off"
        qtbot.waitUntil(lambda: window.status.text("midi") == want, timeout=3000)
    finally:
        backend.shutdown()


def test_osc_port_in_use_and_bad_preset_are_problems_not_crashes(tiny_model_dir: Path) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        options = PlayOptions(
            model=str(tiny_model_dir), preset="no-such-preset-anywhere",
            surfaces=SurfaceOptions(audio=False, osc=True, osc_port=port, midi=False),
        )
        backend = EngineBackend(options)
        backend.start()
        try:
            problems = "\n".join(backend.problems)
            assert f"OSC off: cannot listen for OSC on 127.0.0.1:{port}" in problems
            assert "no-such-preset-anywhere" in problems
            assert backend.status().osc is None
            backend.note_on(60, 100)  # the engine itself runs
        finally:
            backend.shutdown()
