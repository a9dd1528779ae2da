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

    Xruns: when the device (or JACK server) misses deadlines it moves on without us, and
    the stream's frames fall behind the device's. One late callback looks
    the same at first; but when the last ``RECENT`` callbacks *all* start later than their
    slots by most of a block or more, the device has skipped: the clock counts those
    frames in ``skipped`` and re-anchors at once (the ring is kept in device frames,
    continuous with the wall clock). ``skips`` counts the re-anchorings; the render worker
    moves the notes it holds by the same amount.
    Writer: the callback (no allocation: preallocated scratch). Readers: any thread.
    """

    SIZE = 64
    RECENT = 3

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._frames = np.zeros(self.SIZE, np.float64)  # device frames (stream + skipped)
        self._times = np.zeros(self.SIZE, np.float64)
        self._offsets = np.zeros(self.SIZE, np.float64)  # scratch: time - frame / rate
        self._count = 0
        self._last_frame = 0
        self.skipped = 0  # frames the device went on without us (xruns)
        self.skips = 0
        # the device time of the last marked block's first frame: its slot on the device's
        # schedule, not the (possibly late) time its callback ran
        self.block_time = 0.0
        self._origin = 0.0  # perf_counter time of device frame 0, from the last mark
        self._saved = np.zeros(self.RECENT, np.float64)  # scratch of _catch_up

    def mark(self, frame: int, t: float) -> None:
        block = frame - self._last_frame
        self._last_frame = frame
        i = self._count % self.SIZE
        self._frames[i] = frame + self.skipped
        self._times[i] = t
        self._count += 1
        off = self._fill_offsets()
        if self._count > 2 * self.RECENT and block > 0 and self._catch_up(block, off):
            off = self._fill_offsets()  # the recent frames moved
        # the earliest-looking offset: the device's own schedule, free of wake-up delays
        self._origin = float(off.min())
        self.block_time = self._origin + (frame + self.skipped) / self.sample_rate

    def _fill_offsets(self) -> np.ndarray:
        """``time - device frame / rate`` of every marked callback in the ring, into the
        preallocated scratch."""
        n = min(self._count, self.SIZE)
        off = self._offsets[:n]
        np.divide(self._frames[:n], self.sample_rate, out=off)
        np.subtract(self._times[:n], off, out=off)
        return off

    def _catch_up(self, block: int, off: np.ndarray) -> bool:
        """Count the frames an xrun skipped when the last RECENT callbacks all came late
        (``off``: the ring's offsets, left as they were); True when it re-anchored. The skip
        is measured, not rounded to blocks: a stalled server (or an ALSA underrun) restarts
        off the old block grid."""
        newest = (self._count - 1) % self.SIZE
        recent = [(newest - k) % self.SIZE for k in range(self.RECENT)]
        late = min(off[j] for j in recent)
        for k, j in enumerate(recent):  # the earliest of the others, without the recent
            self._saved[k] = off[j]
            off[j] = np.inf
        gap = (late - off.min()) * self.sample_rate  # frames, a float: no new int each call
        for k, j in enumerate(recent):
            off[j] = self._saved[k]
        if gap * 4 < 3 * block:  # not all of them at least 3/4 of a block late
            return False
        shift = int(gap + 0.5)
        self.skipped += shift
        for j in recent:
            self._frames[j] += shift
        self.skips += 1
        return True

    def reset(self) -> None:
        self._count = 0
        self._last_frame = 0
        self.skipped = 0

    @property
    def running(self) -> bool:
        return self._count > 0

    def origin(self) -> float | None:
        """perf_counter time of device frame 0 (None before the first callback), as the
        last mark found it."""
        return None if self._count == 0 else self._origin

    def frame_at(self, t: float) -> int | None:
        """The stream frame that sounds at ``t`` (as the device stands now)."""
        origin = self.origin()
        return None if origin is None else round((t - origin) * self.sample_rate) - self.skipped

    def time_of(self, frame: int) -> float | None:
        origin = self.origin()
        return None if origin is None else origin + (frame + self.skipped) / self.sample_rate

    def now_frame(self) -> int | None:
        return self.frame_at(_now())
