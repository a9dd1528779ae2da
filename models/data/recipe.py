"""The recipe of the default corpus: which notes, from which GM programs, played how.

Two sets, one style list (docs/DATASET.md has the same tables):
- timbre set: the 12 instruments of the paper's ablation over their real tessitura, played
  ordinario at pp/mf/ff; style = the instrument name;
- violin playing-style set: 10 articulations made from GM programs and MIDI controls;
  style = ``violin-<technique>`` (ordinario is plain ``violin``, shared with the timbre set).

Every note: key down at 0, key up at ``note_off_s`` (1.0 s, rounded to FluidSynth's
64-sample grid), then the release tail to the end of the fixed note length (32768 samples
= 1.486 s at 22,050 Hz). Articulations change what happens inside that frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from models.data.soundfont import BLOCK, Event
from realtime.conditions import DYNAMIC_VELOCITIES, DYNAMICS, midi_name

SETS = ("timbre", "violin", "all")
VIOLIN = "violin"
ORDINARIO = "ordinario"
SMALL_PITCHES = 5  # notes per (instrument, technique) in a --small build


@dataclass(frozen=True)
class Instrument:
    """One timbre-set instrument: GM program (0-based) and its MIDI range (inclusive)."""

    name: str
    program: int
    low: int
    high: int

    @property
    def pitches(self) -> range:
        return range(self.low, self.high + 1)


# Ranges are the usual sounding tessituras (orchestration manuals; transposing instruments
# at concert pitch), kept where FluidR3_GM has samples.
TIMBRE: tuple[Instrument, ...] = (
    Instrument("piano", 0, 21, 108),          # A0-C8
    Instrument("oboe", 68, 58, 91),           # Bb3-G6
    Instrument("english horn", 69, 52, 81),   # E3-A5
    Instrument("flute", 73, 60, 96),          # C4-C7
    Instrument("bassoon", 70, 34, 75),        # Bb1-Eb5
    Instrument("violin", 40, 55, 100),        # G3-E7
    Instrument("alto sax", 65, 49, 80),       # Db3-Ab5
    Instrument("tenor trombone", 57, 40, 72), # E2-C5
    Instrument("clarinet", 71, 50, 91),       # D3-G6 (Bb clarinet)
    Instrument("french horn", 60, 34, 77),    # Bb1-F5
    Instrument("cello", 42, 36, 81),          # C2-A5
    Instrument("trumpet", 56, 52, 82),        # E3-Bb5 (Bb trumpet)
)  # fmt: skip
VIOLIN_RANGE = range(55, 101)


@dataclass(frozen=True)
class Timing:
    """Event times in samples, all on the 64-sample grid."""

    sample_rate: int
    note_off_s: float

    def at(self, seconds: float) -> int:
        return round(seconds * self.sample_rate / BLOCK) * BLOCK

    @property
    def note_off(self) -> int:
        return self.at(self.note_off_s)


def _ramp(
    t0: int, t1: int, kind: str, a: int | None, v0: int, v1: int, step: int = 256
) -> list[Event]:
    """Linear controller (``a`` = CC number) or pitch-bend (``a`` = None) ramp."""
    out = []
    n = max((t1 - t0) // step, 1)
    for i in range(n + 1):
        v = round(v0 + (v1 - v0) * i / n)
        t = t0 + i * step if i < n else t1
        out.append(Event(t, kind, a, v) if a is not None else Event(t, kind, v))
    return out


Perform = Callable[[int, int, Timing], list[Event]]


def _held(key: int, vel: int, tm: Timing, off: int | None = None) -> list[Event]:
    return [Event(0, "on", key, vel), Event(tm.note_off if off is None else off, "off", key)]


def _ordinario(key: int, vel: int, tm: Timing) -> list[Event]:
    return _held(key, vel, tm)


def _staccato(key: int, vel: int, tm: Timing) -> list[Event]:
    return _held(key, vel, tm, off=tm.at(0.12))


def _sforzando(key: int, vel: int, tm: Timing) -> list[Event]:
    accent = min(127, vel + 40)
    return [*_held(key, accent, tm), *_ramp(tm.at(0.08), tm.at(0.25), "cc", 11, 127, 45)]


def _crescendo(key: int, vel: int, tm: Timing) -> list[Event]:
    return [Event(0, "cc", 11, 30), *_held(key, vel, tm), *_ramp(0, tm.note_off, "cc", 11, 30, 127)]


def _decrescendo(key: int, vel: int, tm: Timing) -> list[Event]:
    return [*_held(key, vel, tm), *_ramp(0, tm.note_off, "cc", 11, 127, 30)]


def _vibrato(key: int, vel: int, tm: Timing) -> list[Event]:
    return [Event(0, "cc", 1, 127), *_held(key, vel, tm)]


def _glissando(key: int, vel: int, tm: Timing) -> list[Event]:
    # Slide up into the labelled pitch from a whole tone below (default bend range: 2 st).
    return [
        Event(0, "bend", -8192),
        *_held(key, vel, tm),
        *_ramp(0, tm.at(0.5), "bend", None, -8192, 0),
    ]


def _trill(key: int, vel: int, tm: Timing) -> list[Event]:
    # Whole-tone trill by toggling the pitch bend every 70 ms (about 14 notes a second).
    half = tm.at(0.07)
    toggles = [
        Event(t, "bend", 8191 if (t // half) % 2 else 0) for t in range(0, tm.note_off, half)
    ]
    return [*_held(key, vel, tm), *toggles]


@dataclass(frozen=True)
class Technique:
    """One violin articulation: the GM program it is played on and how it is made."""

    name: str
    program: int
    how: str
    perform: Perform


VIOLIN_TECHNIQUES: tuple[Technique, ...] = (
    Technique(ORDINARIO, 40, "GM 40 Violin, key held 1.0 s", _ordinario),
    Technique("staccato", 40, "GM 40 Violin, key released after 0.12 s", _staccato),
    Technique("pizzicato", 45, "GM 45 Pizzicato Strings, key held 1.0 s", _ordinario),
    Technique("tremolo", 44, "GM 44 Tremolo Strings, key held 1.0 s", _ordinario),
    Technique(
        "sforzando",
        40,
        "GM 40, velocity +40 accent, then CC11 expression 127 -> 45 from 0.08 to 0.25 s",
        _sforzando,
    ),
    Technique("crescendo", 40, "GM 40, CC11 expression 30 -> 127 over the held 1.0 s", _crescendo),
    Technique(
        "decrescendo", 40, "GM 40, CC11 expression 127 -> 30 over the held 1.0 s", _decrescendo
    ),
    Technique("vibrato", 40, "GM 40, CC1 modulation 127 (molto vibrato, +-50 cents)", _vibrato),
    Technique(
        "glissando",
        40,
        "GM 40, pitch bend -2 semitones -> 0 over the first 0.5 s (slide up into the note)",
        _glissando,
    ),
    Technique(
        "trill", 40, "GM 40, pitch bend toggled 0 / +2 semitones every 70 ms (whole-tone)", _trill
    ),
)


def violin_style(technique: str) -> str:
    """Style label of a violin technique: ``violin`` for ordinario, else ``violin-<name>``."""
    return VIOLIN if technique == ORDINARIO else f"{VIOLIN}-{technique}"


@dataclass(frozen=True)
class NoteSpec:
    """One note to render: its labels and its MIDI performance."""

    id: str
    instrument: str
    technique: str
    style: str
    pitch: int
    dynamics: str
    program: int
    events: tuple[Event, ...]


def _note(inst: str, tech: str, style: str, program: int, pitch: int, dyn: str,
          perform: Perform, tm: Timing) -> NoteSpec:  # fmt: skip
    vel = DYNAMIC_VELOCITIES[dyn]
    events = (Event(0, "program", program), *perform(pitch, vel, tm))
    nid = f"gm/{inst.replace(' ', '-')}/{tech}/{midi_name(pitch)}/{dyn}"
    return NoteSpec(nid, inst, tech, style, pitch, dyn, program, events)


def _grid(pitches: range, small: bool, offset: int) -> list[tuple[int, str]]:
    """All (pitch, dynamics) pairs, or for --small a few pitches spread over the range
    with the dynamics cycling (so every dynamics still appears)."""
    if not small:
        return [(p, d) for p in pitches for d in DYNAMICS]
    n = len(pitches)
    picks = [pitches[int((i + 0.5) * n / SMALL_PITCHES)] for i in range(SMALL_PITCHES)]
    return [(p, DYNAMICS[(i + offset) % len(DYNAMICS)]) for i, p in enumerate(picks)]


def plan(which: str, small: bool, tm: Timing) -> list[NoteSpec]:
    """The notes of a build, in a fixed order. ``which``: timbre, violin or all."""
    if which not in SETS:
        raise ValueError(f"unknown set {which!r}; known: {', '.join(SETS)}")
    notes: list[NoteSpec] = []
    if which in ("timbre", "all"):
        for k, inst in enumerate(TIMBRE):
            for p, d in _grid(inst.pitches, small, k):
                notes.append(
                    _note(inst.name, ORDINARIO, inst.name, inst.program, p, d, _ordinario, tm)
                )
    if which in ("violin", "all"):
        for k, tech in enumerate(VIOLIN_TECHNIQUES):
            if which == "all" and tech.name == ORDINARIO:
                continue  # already in the timbre set as plain "violin"
            for p, d in _grid(VIOLIN_RANGE, small, k):
                notes.append(_note(VIOLIN, tech.name, violin_style(tech.name), tech.program, p, d,
                                   tech.perform, tm))  # fmt: skip
    return notes


def style_order(which: str) -> list[str]:
    """The style list of a build (the order of the style faders)."""
    styles = [i.name for i in TIMBRE] if which in ("timbre", "all") else []
    if which in ("violin", "all"):
        styles += [
            violin_style(t.name) for t in VIOLIN_TECHNIQUES if violin_style(t.name) not in styles
        ]
    return styles


def recipe_tables() -> dict[str, Any]:
    """The recipe as plain data (stored in the card's settings)."""
    return {
        "timbre": [asdict(i) for i in TIMBRE],
        "violin_range": [VIOLIN_RANGE.start, VIOLIN_RANGE.stop - 1],
        "violin_techniques": [
            {"name": t.name, "program": t.program, "how": t.how} for t in VIOLIN_TECHNIQUES
        ],
    }
