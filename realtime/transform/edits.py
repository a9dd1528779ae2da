"""What the user asks to change (``Edits``) and what they say about the source (``SourceHints``).

Both are frozen and validated on construction, so a bad request fails before any audio is
read. Parsing helpers turn command-line / OSC words into them:
``--style violin=0.5 --style flute=0.5``, ``--pitch A4`` or ``--pitch 69``, ``--transpose -12``,
``--dynamics pp`` or ``--dynamics 96`` (a MIDI velocity), ``--latent-scale 0.5``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from realtime.conditions import (
    DYNAMIC_VELOCITIES,
    DYNAMICS,
    MIDI_HIGH,
    MIDI_LOW,
    midi_name,
    parse_note_name,
    velocity_to_dynamics,
)
from realtime.transform.errors import TransformError

MAX_STYLE_WEIGHT = 4.0  # the engine's style fader range
MAX_LATENT_SCALE = 4.0
MAX_TRANSPOSE = MIDI_HIGH - MIDI_LOW


@dataclass(frozen=True)
class NoteAttributes:
    """The musical attributes of one note: MIDI ``pitch``, ``style`` weights in the model's
    style order (S,), and its ``velocity`` 1..127 (the dynamics weights are the engine's
    velocity crossfade: 40 = pp, 80 = mf, 120 = ff exactly)."""

    pitch: int
    style: tuple[float, ...]
    velocity: float

    @property
    def dynamics(self) -> np.ndarray:
        """Dynamics weights (3,): pp, mf, ff."""
        return velocity_to_dynamics(self.velocity)

    def style_mix(self, names: Sequence[str]) -> dict[str, float]:
        """The non-zero style weights by name."""
        return {n: float(w) for n, w in zip(names, self.style, strict=True) if w > 0}

    def describe(self, names: Sequence[str]) -> dict[str, object]:
        """JSON-ready summary: pitch (number and name), style mix, velocity, dynamics."""
        return {
            "pitch": self.pitch,
            "note": midi_name(self.pitch),
            "style": self.style_mix(names),
            "velocity": round(float(self.velocity), 2),
            "dynamics": dynamics_name(self.velocity),
        }


def dynamics_name(velocity: float) -> str:
    """pp / mf / ff when the velocity is one of the anchors, else ``velocity N``."""
    for name, vel in DYNAMIC_VELOCITIES.items():
        if abs(velocity - vel) < 1e-6:
            return name
    return f"velocity {velocity:g}"


@dataclass(frozen=True)
class Edits:
    """The requested changes. Empty ``style`` keeps the source's style; ``pitch`` (MIDI)
    and ``transpose`` (semitones) are exclusive; ``velocity`` None keeps the source's
    dynamics; ``latent_scale`` multiplies the encoded z (0 = the prior's centre)."""

    style: tuple[tuple[str, float], ...] = ()
    pitch: int | None = None
    transpose: int = 0
    velocity: float | None = None
    latent_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.pitch is not None and self.transpose:
            raise TransformError("give --pitch or --transpose, not both")
        if self.pitch is not None:
            check_pitch(self.pitch, "pitch")
        if abs(self.transpose) > MAX_TRANSPOSE:
            raise TransformError(f"transpose {self.transpose} is beyond +-{MAX_TRANSPOSE}")
        if self.velocity is not None:
            check_velocity(self.velocity)
        if not (math.isfinite(self.latent_scale) and 0 <= self.latent_scale <= MAX_LATENT_SCALE):
            raise TransformError(
                f"latent scale {self.latent_scale:g} outside 0..{MAX_LATENT_SCALE:g}"
            )
        names = [n for n, _ in self.style]
        if len(set(names)) != len(names):
            raise TransformError(f"a style is given twice in {names}")
        for name, w in self.style:
            if not (math.isfinite(w) and 0 <= w <= MAX_STYLE_WEIGHT):
                raise TransformError(f"style weight {name}={w:g} outside 0..{MAX_STYLE_WEIGHT:g}")
        if self.style and sum(w for _, w in self.style) <= 0:
            raise TransformError("the style weights are all zero")

    def apply(self, source: NoteAttributes, style_names: Sequence[str]) -> NoteAttributes:
        """The target attributes: the source with the requested changes."""
        pitch = self.pitch if self.pitch is not None else source.pitch + self.transpose
        check_pitch(pitch, "target pitch")
        style = source.style if not self.style else style_vector(self.style, style_names)
        velocity = source.velocity if self.velocity is None else self.velocity
        return NoteAttributes(pitch=pitch, style=style, velocity=velocity)


@dataclass(frozen=True)
class SourceHints:
    """What the user knows about the source note; None = estimated from the audio."""

    pitch: int | None = None
    style: str | None = None
    velocity: float | None = None

    def __post_init__(self) -> None:
        if self.pitch is not None:
            check_pitch(self.pitch, "source pitch")
        if self.velocity is not None:
            check_velocity(self.velocity)


def check_pitch(pitch: int, what: str) -> None:
    if not MIDI_LOW <= pitch <= MIDI_HIGH:
        raise TransformError(
            f"{what} {pitch} ({midi_name(pitch)}) is outside the model's nine octaves "
            f"{MIDI_LOW}..{MIDI_HIGH} ({midi_name(MIDI_LOW)}..{midi_name(MIDI_HIGH)})"
        )


def check_velocity(velocity: float) -> None:
    if not (math.isfinite(velocity) and 1 <= velocity <= 127):
        raise TransformError(f"velocity {velocity:g} outside 1..127")


def style_vector(mix: Iterable[tuple[str, float]], style_names: Sequence[str]) -> tuple[float, ...]:
    """``[(name, weight)]`` -> weights (S,) in the model's order; unknown names refused."""
    out = [0.0] * len(style_names)
    for name, w in mix:
        if name not in style_names:
            raise TransformError(
                f"unknown style {name!r}; this model's styles: {', '.join(style_names)}"
            )
        out[list(style_names).index(name)] = float(w)
    return tuple(out)


# --- parsing words -----------------------------------------------------------------------------


def parse_style(text: str) -> tuple[str, float]:
    """``NAME=W`` (or ``NAME`` alone, weight 1) -> (name, weight). Names may hold spaces
    (``"english horn=0.5"``); the weight is after the last ``=``."""
    name, sep, weight = text.rpartition("=")
    if not sep:
        name, weight = text, "1"
    name = name.strip()
    if not name:
        raise TransformError(f"style {text!r}: expected NAME=WEIGHT")
    try:
        w = float(weight)
    except ValueError:
        raise TransformError(f"style {text!r}: weight {weight!r} is not a number") from None
    return name, w


def parse_styles(items: Iterable[str]) -> tuple[tuple[str, float], ...]:
    """Several ``--style`` values, each possibly a comma-separated list."""
    out = []
    for item in items:
        out += [parse_style(part) for part in item.split(",") if part.strip()]
    return tuple(out)


def parse_pitch(text: str) -> int:
    """``69`` or ``A4`` / ``C#3`` / ``Db3`` -> MIDI pitch."""
    s = text.strip()
    if s.lstrip("-").isdigit():
        return int(s)
    try:
        return parse_note_name(s)
    except ValueError:
        raise TransformError(
            f"pitch {text!r}: expected a MIDI number or a note name like A4"
        ) from None


def parse_dynamics(text: str) -> float:
    """``pp`` / ``mf`` / ``ff`` or a velocity ``1..127`` -> velocity."""
    s = text.strip().lower()
    if s in DYNAMICS:
        return float(DYNAMIC_VELOCITIES[s])
    try:
        v = float(s)
    except ValueError:
        raise TransformError(
            f"dynamics {text!r}: expected pp, mf, ff or a velocity 1..127"
        ) from None
    check_velocity(v)
    return v
