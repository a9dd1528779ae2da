"""MIDI messages -> engine calls (the same for live ports and MIDI files).

Pitch wheel: -8192..8191 -> -range..+range semitones (``bend_range``, default 2, changed by
RPN 0 from the controller: CC 101 = 0, CC 100 = 0, then CC 6 = semitones, CC 38 = cents).
Channel pressure goes through the CC map as the controller ``"pressure"``."""

from __future__ import annotations

from typing import Any

from realtime.engine import ControlError, Engine, PresetError
from realtime.midi.mapping import PANIC_CCS, PRESSURE, SUSTAIN_CC, CcMap

BEND_RANGE = 2.0  # semitones at full wheel, the General MIDI default
MAX_BEND_RANGE = 24.0


class MidiHandler:
    """``handle(msg)`` for mido messages; counts what it used and ignored.

    ``channel`` (0..15) listens to one channel, None to all. ``frame`` (freewheel) places
    notes on an audio-clock frame instead of "now"."""

    def __init__(
        self,
        engine: Engine,
        ccmap: CcMap | None = None,
        channel: int | None = None,
        bend_range: float = BEND_RANGE,
    ) -> None:
        self.engine = engine
        self.ccmap = ccmap or CcMap.for_controls(engine.controls)
        self.channel = channel
        if not 0.0 <= bend_range <= MAX_BEND_RANGE:
            raise ValueError(f"bend range {bend_range:g} outside 0..{MAX_BEND_RANGE:g} semitones")
        self.bend_range = float(bend_range)
        self._rpn = (127, 127)  # the selected RPN (MSB, LSB); 127/127: none
        self._wheel = 0  # last pitch-wheel value, re-applied when the range changes
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
        elif kind == "pitchwheel":
            self._wheel = int(msg.pitch)
            self._bend(frame)
            self.counts["cc"] += 1  # a controller like the others
        elif kind == "aftertouch":
            self._mapped(PRESSURE, msg.value)
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

    def _bend(self, frame: int | None) -> None:
        w = self._wheel
        self.engine.bend(self.bend_range * w / (8191.0 if w > 0 else 8192.0), frame=frame)

    def _rpn_cc(self, number: int, value: int, frame: int | None) -> bool:
        """RPN select and data entry; True when the CC was one of them."""
        if number == 101:
            self._rpn = (value, self._rpn[1])
        elif number == 100:
            self._rpn = (self._rpn[0], value)
        elif number in (6, 38) and self._rpn == (0, 0):  # RPN 0: pitch-bend sensitivity
            semis = float(value) if number == 6 else float(int(self.bend_range))
            cents = value if number == 38 else round((self.bend_range % 1) * 100)
            self.bend_range = min(MAX_BEND_RANGE, semis + cents / 100.0)
            if self._wheel:
                self._bend(frame)
        elif number not in (6, 38):
            return False
        self.counts["cc"] += 1
        return True

    def _cc(self, number: int, value: int, frame: int | None) -> None:
        if self._rpn_cc(number, value, frame):
            return
        if number == SUSTAIN_CC:
            self.engine.sustain(value >= 64, frame=frame)
        elif number in PANIC_CCS:
            self.engine.panic()
        elif not self._mapped(number, value):
            return
        self.counts["cc"] += 1

    def _mapped(self, number: int, value: int) -> bool:
        """A controller through the CC map (False, counted ignored, when unmapped)."""
        target = self.ccmap.targets.get(number)
        if target is None:
            self.counts["ignored"] += 1
            return False
        v = target.value(value)
        if target.index is None:
            self.engine.set(target.control, bool(v) if target.curve == "switch" else v)
        else:
            self.engine.controls.set_item(target.control, target.index, v)
        if number == PRESSURE:
            self.counts["cc"] += 1
        return True
