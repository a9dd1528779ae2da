"""MIDI messages -> engine calls (the same for live ports and MIDI files)."""

from __future__ import annotations

from typing import Any

from realtime.engine import ControlError, Engine, PresetError
from realtime.midi.mapping import PANIC_CCS, SUSTAIN_CC, CcMap


class MidiHandler:
    """``handle(msg)`` for mido messages; counts what it used and ignored.

    ``channel`` (0..15) listens to one channel, None to all. ``frame`` (freewheel) places
    notes on an audio-clock frame instead of "now"."""

    def __init__(
        self, engine: Engine, ccmap: CcMap | None = None, channel: int | None = None
    ) -> None:
        self.engine = engine
        self.ccmap = ccmap or CcMap.for_controls(engine.controls)
        self.channel = channel
        self.counts = {"notes": 0, "note_offs": 0, "cc": 0, "ignored": 0, "errors": 0}
        self.programs = 0  # presets recalled by program change
        self.last_message = ""

    def handle(self, msg: Any, frame: int | None = None, arrival: float | None = None) -> None:
        try:
            self._handle(msg, frame, arrival)
        except (ControlError, ValueError) as exc:  # a controller can send anything
            self.counts["errors"] += 1
            self.last_message = str(exc)

    def _handle(self, msg: Any, frame: int | None, arrival: float | None) -> None:
        channel = getattr(msg, "channel", None)
        if self.channel is not None and channel is not None and channel != self.channel:
            self.counts["ignored"] += 1
            return
        kind = msg.type
        if kind == "note_on" and msg.velocity > 0:
            self.engine.note_on(msg.note, msg.velocity, frame=frame, arrival=arrival)
            self.counts["notes"] += 1
        elif kind in ("note_off", "note_on"):
            self.engine.note_off(msg.note, frame=frame)
            self.counts["note_offs"] += 1
        elif kind == "control_change":
            self._cc(msg.control, msg.value, frame)
        elif kind == "program_change":
            self._program(msg.program)
        else:
            self.counts["ignored"] += 1

    def _program(self, number: int) -> None:
        """Program change N: the preset N of the one sorted list (/waefader/presets), as a
        DAW recalls an instrument's sound; beyond the list it is ignored."""
        names = self.engine.presets()
        if number >= len(names):
            self.counts["ignored"] += 1
            return
        try:
            self.engine.load_preset(names[number])
        except PresetError as exc:
            raise ValueError(str(exc)) from None
        self.programs += 1

    def _cc(self, number: int, value: int, frame: int | None) -> None:
        if number == SUSTAIN_CC:
            self.engine.sustain(value >= 64, frame=frame)
        elif number in PANIC_CCS:
            self.engine.panic()
        else:
            target = self.ccmap.targets.get(number)
            if target is None:
                self.counts["ignored"] += 1
                return
            v = target.value(value)
            if target.index is None:
                self.engine.set(target.control, bool(v) if target.curve == "switch" else v)
            else:
                self.engine.controls.set_item(target.control, target.index, v)
        self.counts["cc"] += 1
