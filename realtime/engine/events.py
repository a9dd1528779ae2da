"""Events the control surfaces post, the messages the callback receives, and the audio clock.

Time: an event either carries ``time`` (a ``time.perf_counter()`` instant at which it should
sound: OSC timetags, fixed-latency mode) or ``frame`` (an absolute frame on the engine's
audio clock: offline render), or neither (as soon as possible). ``arrival`` is when the
event reached the engine; trigger-to-onset latency is measured from it.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np

from realtime.engine.cache import Loop
from realtime.renderer import NoteControls


def _now() -> float:
    return _time.perf_counter()


# --- events posted by OSC, MIDI, the GUI or code -------------------------------------------


@dataclass(frozen=True)
class NoteOn:
    pitch: int  # MIDI 0..127
    velocity: float = 100.0  # 1..127
    duration: float | None = None  # seconds; None: until its NoteOff
    time: float | None = None
    frame: int | None = None
    arrival: float = field(default_factory=_now)


@dataclass(frozen=True)
class NoteOff:
    pitch: int
    time: float | None = None
    frame: int | None = None
    arrival: float = field(default_factory=_now)


@dataclass(frozen=True)
class Sustain:
    on: bool
    time: float | None = None
    frame: int | None = None
    arrival: float = field(default_factory=_now)


@dataclass(frozen=True)
class PitchBend:
    """Bend every sounding and new note by ``semitones`` (-24..24)."""

    semitones: float
    time: float | None = None
    frame: int | None = None
    arrival: float = field(default_factory=_now)


@dataclass(frozen=True)
class Panic:
    """Every voice fades out at once; pending renders and scheduled notes are dropped."""

    arrival: float = field(default_factory=_now)


Event = NoteOn | NoteOff | Sustain | PitchBend | Panic


# --- what the render worker hands to the callback --------------------------------------------
# Plain __slots__ classes made by the worker: the callback only reads their fields.
# ``frame`` -1 means "at the start of the next block".

READY, UPGRADE, RELEASE, SUSTAIN, PANIC, BEND = 1, 2, 3, 4, 5, 6


class Msg:
    __slots__ = ("frame", "kind")

    def __init__(self, kind: int, frame: int) -> None:
        self.kind = kind
        self.frame = frame


class ReadyNote(Msg):
    """A rendered note (or its first frames, ``awaiting_full``) at the device rate."""

    __slots__ = (
        "arrival",
        "audio",
        "awaiting_full",
        "duration_frames",
        "gain",
        "loop",
        "note_id",
        "pitch",
        "release_coef",
        "target",
    )

    def __init__(
        self,
        note_id: int,
        pitch: int,
        audio: np.ndarray,
        *,
        awaiting_full: bool,
        gain: float,
        release_coef: float,
        frame: int,
        duration_frames: int,
        arrival: float,
        target: float = 0.0,
        loop: Loop | None = None,
    ) -> None:
        super().__init__(READY, frame)
        self.loop = loop  # [start, end) of a held note's loop in ``audio``, or None
        self.note_id = note_id
        self.pitch = pitch
        self.audio = audio
        self.awaiting_full = awaiting_full
        self.gain = gain
        self.release_coef = release_coef
        self.duration_frames = duration_frames
        self.arrival = arrival  # > 0: a live event, its latency is measured
        self.target = target  # > 0: the perf_counter time it was asked to sound at


class Upgrade(Msg):
    """The whole note replacing the first frames a voice is playing."""

    __slots__ = ("audio", "loop", "note_id")

    def __init__(
        self, note_id: int, audio: np.ndarray, loop: Loop | None = None
    ) -> None:
        super().__init__(UPGRADE, -1)
        self.note_id = note_id
        self.audio = audio
        self.loop = loop


class Release(Msg):
    __slots__ = ("pitch",)

    def __init__(self, pitch: int, frame: int) -> None:
        super().__init__(RELEASE, frame)
        self.pitch = pitch


class SustainMsg(Msg):
    __slots__ = ("on",)

    def __init__(self, on: bool, frame: int) -> None:
        super().__init__(SUSTAIN, frame)
        self.on = on


class BendMsg(Msg):
    __slots__ = ("semitones",)

    def __init__(self, semitones: float, frame: int) -> None:
        super().__init__(BEND, frame)
        self.semitones = semitones


class PanicMsg(Msg):
    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(PANIC, -1)


# --- render requests (control thread -> worker) ---------------------------------------------


@dataclass(frozen=True)
class NoteRequest:
    """A note-on with the controls of the moment it was played."""

    note_id: int
    pitch: int
    controls: NoteControls
    gain: float  # velocity gain (linear)
    release_s: float
    duration: float | None
    time: float | None
    frame: int | None
    arrival: float
    live: bool = True  # played now (no time given by the sender): its latency is measured


@dataclass(frozen=True)
class TimedRequest:
    """A note-off, pedal change or bend, forwarded in order after the note-ons before it."""

    msg_kind: int  # RELEASE, SUSTAIN or BEND
    value: int  # pitch, or 1/0 for the pedal
    time: float | None
    frame: int | None
    amount: float = 0.0  # BEND: semitones


# --- the audio clock ----------------------------------------------------------------------------


class AudioClock:
    """Maps ``perf_counter`` instants to frames of the output stream.

    The callback marks (first frame of the block, callback start time) in a small ring; a
    reader takes the earliest-looking callback of the ring as the schedule (a late callback
    only ever starts later than its slot, never earlier), so GIL waits do not shift notes.
    Writer: the callback (no allocation). Readers: any thread.
    """

    SIZE = 64

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._frames = np.zeros(self.SIZE, np.float64)
        self._times = np.zeros(self.SIZE, np.float64)
        self._count = 0

    def mark(self, frame: int, t: float) -> None:
        i = self._count % self.SIZE
        self._frames[i] = frame
        self._times[i] = t
        self._count += 1

    def reset(self) -> None:
        self._count = 0

    @property
    def running(self) -> bool:
        return self._count > 0

    def origin(self) -> float | None:
        """perf_counter time of frame 0 (None before the first callback)."""
        n = min(self._count, self.SIZE)
        if n == 0:
            return None
        offsets = self._times[:n] - self._frames[:n] / self.sample_rate
        return float(offsets.min())

    def frame_at(self, t: float) -> int | None:
        origin = self.origin()
        return None if origin is None else round((t - origin) * self.sample_rate)

    def time_of(self, frame: int) -> float | None:
        origin = self.origin()
        return None if origin is None else origin + frame / self.sample_rate

    def now_frame(self) -> int | None:
        return self.frame_at(_now())
