"""Widget details: keyboard geometry and keys, fader travel, the bridge's queue."""

from __future__ import annotations

import pytest
from gui_fakes import RecordingBackend
from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtGui import QKeyEvent

from gui.bridge import EngineBridge
from gui.faders import FaderBank
from gui.keyboard import KeyboardWidget, is_black
from gui.performance import TRAVELS


def _key(kind: QEvent.Type, text: str, repeat: bool = False) -> QKeyEvent:
    return QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, text, repeat)


def test_every_key_is_hit_where_it_is_drawn(qtbot) -> None:
    kb = KeyboardWidget(36, 96)
    qtbot.addWidget(kb)
    kb.resize(900, 100)
    for pitch in range(36, 97):
        assert kb.pitch_at(kb.key_rect(pitch).center()) == pitch
        assert is_black(pitch) == (kb.key_rect(pitch).height() < 100)


def test_span_covers_whole_octaves(qtbot) -> None:
    kb = KeyboardWidget()
    qtbot.addWidget(kb)
    kb.set_span(21, 108)  # piano A0..C8
    assert kb.span() == (12, 108)
    kb.set_span(60, 72)  # narrow ranges still show five octaves
    low, high = kb.span()
    assert low % 12 == 0 and high - low >= 60 and low <= 60 and high >= 72


def test_held_key_plays_once_and_octave_shift(qtbot) -> None:
    kb = KeyboardWidget()
    qtbot.addWidget(kb)
    played: list[tuple[str, int]] = []
    kb.note_on.connect(lambda p, v: played.append(("on", p)))
    kb.note_off.connect(lambda p: played.append(("off", p)))
    base = kb.base_pitch()
    kb.handle_key(_key(QEvent.Type.KeyPress, "z"), True)
    kb.handle_key(_key(QEvent.Type.KeyPress, "z", repeat=True), True)  # auto-repeat
    kb.handle_key(_key(QEvent.Type.KeyRelease, "z"), False)
    kb.shift_octave(-1)
    kb.handle_key(_key(QEvent.Type.KeyPress, "x"), True)
    assert played == [("on", base), ("off", base), ("on", base - 12 + 2)]
    assert not kb.handle_key(_key(QEvent.Type.KeyPress, "a"), True)  # not a note key
    kb.release_all()
    assert played[-1] == ("off", base - 10) and kb.lit_pitches() == set()


def test_fader_travel_puts_one_at_mid_and_keeps_exact_values(qtbot) -> None:
    bank = FaderBank("t", ["a", "b"], maximum=4.0)
    qtbot.addWidget(bank)
    assert bank.to_value(200) == pytest.approx(1.0)
    assert bank.to_value(bank.to_steps(0.37)) == pytest.approx(0.37, abs=0.01)
    with qtbot.assertNotEmitted(bank.changed):
        bank.set_values([0.123456, 9.0])  # beyond the travel: drawn at the top, kept exact
    assert bank.values() == [0.123456, 9.0] and bank.slider(1).value() == 400


@pytest.mark.parametrize("name", list(TRAVELS))
def test_performance_travels_round_trip(name: str) -> None:
    t = TRAVELS[name]
    for steps in (0, t.steps // 3, t.steps):
        assert t.to_steps(t.to_value(steps)) == steps


def test_bridge_coalesces_and_drops_its_own_echo(qtbot) -> None:
    backend = RecordingBackend()
    bridge = EngineBridge(backend, poll_ms=10_000, drain_ms=10_000)
    seen: list[tuple[str, object]] = []
    bridge.control_changed.connect(lambda n, v: seen.append((n, v)))
    bridge.set_control("gain", -12.0)  # our own change, echoed by the backend
    for g in (-1.0, -2.0, -3.0):  # a burst from another surface
        backend.set_control("variation", -g)
    bridge.drain()
    assert seen == [("variation", 3.0)]
    bridge.stop_timers()
