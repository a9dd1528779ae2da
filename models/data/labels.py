"""Parsing the labels of user sample libraries: pitch, dynamics, SOL names.

Every parser raises :class:`LabelError` with the reason a person reads in the import report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from realtime.conditions import MIDI_HIGH, MIDI_LOW, parse_note_name

ORDINARIO = "ordinario"

# Marking -> the three dynamics of the condition layout.
DYNAMICS_MAP = {
    "ppp": "pp",
    "pp": "pp",
    "p": "pp",
    "mp": "mf",
    "mf": "mf",
    "f": "ff",
    "ff": "ff",
    "fff": "ff",
}
# Velocity thresholds: halfway between the corpus velocities (pp 40, mf 80, ff 120).
VELOCITY_MF, VELOCITY_FF = 60, 100

# SOL / TinySOL instrument abbreviations -> the names the default corpus uses.
SOL_INSTRUMENTS = {
    "Vn": "violin",
    "Va": "viola",
    "Vc": "cello",
    "Cb": "contrabass",
    "Fl": "flute",
    "Ob": "oboe",
    "EH": "english horn",
    "ClBb": "clarinet",
    "BClBb": "bass clarinet",
    "Bn": "bassoon",
    "ASax": "alto sax",
    "Hn": "french horn",
    "TpC": "trumpet",
    "TTbn": "tenor trombone",
    "Tbn": "tenor trombone",
    "BTb": "bass tuba",
    "Acc": "accordion",
    "Hp": "harp",
    "Gtr": "guitar",
}
SOL_TECHNIQUES = {"ord": ORDINARIO}


class LabelError(ValueError):
    """A label that cannot be used, with the reason as its message."""


@dataclass(frozen=True)
class Label:
    """The labels of one imported note."""

    pitch: int
    instrument: str
    technique: str
    style: str
    dynamics: str


def parse_pitch(text: object) -> int:
    """A MIDI number (``69``, ``69.0``) or a note name (``A4``, ``C#3``, ``Bb2``), in range."""
    s = str(text if text is not None else "").strip()
    if not s:
        raise LabelError("no pitch label")
    midi = _midi_number(s)
    if midi is None:
        try:
            midi = parse_note_name(s)
        except ValueError:
            raise LabelError(
                f"bad pitch label ({s!r}; want a MIDI number or a name like A4)"
            ) from None
    if not MIDI_LOW <= midi <= MIDI_HIGH:
        raise LabelError(f"pitch out of range ({midi} outside MIDI {MIDI_LOW}..{MIDI_HIGH})")
    return midi


def _midi_number(s: str) -> int | None:
    """``"69"`` or ``"69.0"`` -> 69; None when ``s`` is not a number at all."""
    try:
        value = float(s)
    except ValueError:
        return None
    if not np.isfinite(value) or value != round(value):
        raise LabelError(f"bad pitch label ({s!r} is not a whole MIDI number)")
    return int(value)


def parse_dynamics(text: str) -> str:
    """A marking (ppp..fff) -> pp, mf or ff."""
    d = DYNAMICS_MAP.get(text.strip().lower())
    if d is None:
        raise LabelError(f"unknown dynamics ({text!r}; want one of {', '.join(DYNAMICS_MAP)})")
    return d


def velocity_dynamics(velocity: object) -> str:
    """A MIDI velocity 1..127 -> pp (< 60), mf (< 100) or ff."""
    try:
        v = float(str(velocity).strip())
    except ValueError:
        raise LabelError(f"bad velocity ({velocity!r})") from None
    if not 0 < v <= 127:
        raise LabelError(f"bad velocity ({v:g} outside 1..127)")
    return "pp" if v < VELOCITY_MF else "mf" if v < VELOCITY_FF else "ff"


def parse_sol_name(stem: str, styles_from: str | None = None) -> Label:
    """``Vn-ord-A4-ff-N-N`` -> violin, ordinario, 69, ff; style ``violin``.

    Fields are separated by ``-``: instrument, technique (may itself hold ``-``, as in
    SOL's ``pizz-lv``), pitch name, dynamics, then anything. Style: the instrument for
    ordinario, else ``<instrument>-<technique>``; ``styles_from`` = ``instrument`` or
    ``technique`` uses that field alone.
    """
    tokens = stem.split("-")
    for i in range(2, len(tokens)):
        try:
            pitch = parse_note_name(tokens[i])
        except ValueError:
            continue
        if i + 1 >= len(tokens):
            raise LabelError("SOL name has no dynamics after the pitch")
        if not MIDI_LOW <= pitch <= MIDI_HIGH:
            raise LabelError(f"pitch out of range ({pitch} outside MIDI {MIDI_LOW}..{MIDI_HIGH})")
        dyn = parse_dynamics(tokens[i + 1])
        inst = SOL_INSTRUMENTS.get(tokens[0], tokens[0])
        raw_tech = "-".join(tokens[1:i])
        tech = SOL_TECHNIQUES.get(raw_tech, raw_tech)
        return Label(pitch, inst, tech, _sol_style(inst, tech, styles_from), dyn)
    raise LabelError(
        "file name does not follow SOL naming (Instrument-technique-Pitch-dynamics...)"
    )


def _sol_style(inst: str, tech: str, styles_from: str | None) -> str:
    if styles_from in (None, "", "both"):
        return inst if tech == ORDINARIO else f"{inst}-{tech}"
    if styles_from == "instrument":
        return inst
    if styles_from == "technique":
        return tech
    raise LabelError(
        f"--styles-from for SOL names must be instrument, technique or both, not {styles_from!r}"
    )
