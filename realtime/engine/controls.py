"""The synth's control state: what new notes are rendered with.

Controls are named values, scalars or vectors; the same names serve the GUI, OSC, MIDI and
presets (OSC addresses are ``/waefader/<name>`` plus a few per-element forms):

=================  =====  ===========  ==================================================
name               size   range        meaning
=================  =====  ===========  ==================================================
style              S      0..4         weight of each style (names from the model)
normalise          bool                style weights scaled to sum 1 before rendering
pitch_class_mix    12     0..4         weight of each interval above the played note
                                       (index 0 = the played pitch class)
octave_mix         9      0..4         weight of each octave offset -4..+4 (index 4 = the
                                       played octave)
latent             L      -10..10      the latent point z (x, y, z = its first three axes)
variation          1      0..4         per-note random offset of z, in prior std units
velocity           1      1..127       velocity of notes played without one
velocity_curve     1      0..4         gain = (velocity / 127) ** curve
release            1      0.005..20    release time in seconds (to -60 dB)
gain               1      -80..12      output gain in dB (ramped, click-free)
fx                 bool                the optional post-FX chain
=================  =====  ===========  ==================================================

Threading: setters and readers are non-audio threads (GUI, OSC, MIDI); a plain lock guards
the values. Subscribers are called after each change, outside the lock, on the thread that
made the change, with ``(name, new value)``; a GUI must hop to its own thread itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from realtime.conditions import (
    N_OCTAVES,
    N_PITCH_CLASSES,
    octave,
    pitch_class,
    velocity_to_dynamics,
)
from realtime.renderer import NoteControls

Value = float | bool | tuple[float, ...]
Listener = Callable[[str, Value], None]
OCTAVE_CENTRE = N_OCTAVES // 2  # index of "the played octave" in octave_mix


class ControlError(ValueError):
    """Unknown control, wrong size or value out of range; the message says which."""


@dataclass(frozen=True)
class ControlSpec:
    name: str
    size: int  # 0: scalar
    lo: float
    hi: float
    default: Value
    boolean: bool = False


def _onehot(size: int, index: int) -> tuple[float, ...]:
    return tuple(1.0 if i == index else 0.0 for i in range(size))


def make_specs(style_names: Sequence[str], latent_dim: int) -> dict[str, ControlSpec]:
    specs = [
        ControlSpec("style", len(style_names), 0.0, 4.0, _onehot(len(style_names), 0)),
        ControlSpec("normalise", 0, 0.0, 1.0, False, boolean=True),
        ControlSpec("pitch_class_mix", N_PITCH_CLASSES, 0.0, 4.0, _onehot(N_PITCH_CLASSES, 0)),
        ControlSpec("octave_mix", N_OCTAVES, 0.0, 4.0, _onehot(N_OCTAVES, OCTAVE_CENTRE)),
        ControlSpec("latent", latent_dim, -10.0, 10.0, (0.0,) * latent_dim),
        ControlSpec("variation", 0, 0.0, 4.0, 0.0),
        ControlSpec("velocity", 0, 1.0, 127.0, 100.0),
        ControlSpec("velocity_curve", 0, 0.0, 4.0, 1.0),
        ControlSpec("release", 0, 0.005, 20.0, 0.3),
        ControlSpec("gain", 0, -80.0, 12.0, -6.0),
        ControlSpec("fx", 0, 0.0, 1.0, False, boolean=True),
    ]
    return {s.name: s for s in specs}


@dataclass(frozen=True)
class ControlSnapshot:
    """The controls at one instant, as arrays ready for rendering."""

    style: np.ndarray  # (S,)
    pitch_class_mix: np.ndarray  # (12,)
    octave_mix: np.ndarray  # (9,)
    latent: np.ndarray  # (L,)
    variation: float
    velocity: float
    velocity_curve: float
    release: float
    gain_db: float
    fx: bool

    def note_weights(self, pitch: int) -> tuple[np.ndarray, np.ndarray]:
        """Pitch-class (12,) and octave (9,) weights of a played MIDI pitch under the mix:
        interval k above the played note gets ``pitch_class_mix[k]``; octave offset d gets
        ``octave_mix[4 + d]`` (offsets falling outside octaves 0..8 are dropped)."""
        pc = np.roll(self.pitch_class_mix, pitch_class(pitch)).astype(np.float32)
        octv = np.zeros(N_OCTAVES, np.float32)
        o = octave(pitch)
        for j, w in enumerate(self.octave_mix):
            k = o + j - OCTAVE_CENTRE
            if 0 <= k < N_OCTAVES:
                octv[k] += w
        return pc, octv

    def velocity_gain(self, velocity: float) -> float:
        return float((min(max(velocity, 0.0), 127.0) / 127.0) ** self.velocity_curve)


def quantise_dynamics(velocity: float, steps: int) -> np.ndarray:
    """Dynamics weights (3,) of a velocity, rounded to 1/steps so nearby velocities share
    cache entries (the gain curve keeps the loudness continuous)."""
    w = np.round(velocity_to_dynamics(velocity) * steps) / steps
    return (w / max(float(w.sum()), 1e-6)).astype(np.float32)


class Controls:
    """Named control values with ranges, change notification and snapshots."""

    def __init__(self, style_names: Sequence[str], latent_dim: int) -> None:
        self.style_names = tuple(style_names)
        self.latent_dim = latent_dim
        self.specs = make_specs(self.style_names, latent_dim)
        self._values: dict[str, Value] = {n: s.default for n, s in self.specs.items()}
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._snapshot: ControlSnapshot | None = None
        self.listener_errors = 0

    # --- reading ----------------------------------------------------------------------------
    def get(self, name: str) -> Value:
        self._spec(name)
        with self._lock:
            return self._values[name]

    def values(self) -> dict[str, Value]:
        with self._lock:
            return dict(self._values)

    def snapshot(self) -> ControlSnapshot:
        with self._lock:
            if self._snapshot is None:
                self._snapshot = self._build_snapshot()
            return self._snapshot

    # --- writing ----------------------------------------------------------------------------
    def set(self, name: str, value: Any) -> Value:
        """Set a control; a vector may be given shorter than its size (sets the first items).
        Returns the stored value. Raises ControlError."""
        spec = self._spec(name)
        with self._lock:
            new = self._validate(spec, value, self._values[name])
            changed = new != self._values[name]
            self._values[name] = new
            if changed:
                self._snapshot = None
        if changed:
            self._notify(name, new)
        return new

    def set_item(self, name: str, index: int, value: float) -> Value:
        """Set one element of a vector control."""
        spec = self._spec(name)
        if spec.size == 0:
            raise ControlError(f"{name} is not a vector")
        if not 0 <= index < spec.size:
            raise ControlError(f"{name}: index {index} outside 0..{spec.size - 1}")
        current = list(self.get(name))  # type: ignore[arg-type]
        current[index] = value
        return self.set(name, current)

    def set_style(self, style: str, weight: float) -> Value:
        if style not in self.style_names:
            raise ControlError(f"unknown style {style!r} (styles: {', '.join(self.style_names)})")
        return self.set_item("style", self.style_names.index(style), weight)

    def update(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            self.set(name, value)

    def reset(self) -> None:
        self.update({n: s.default for n, s in self.specs.items()})

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(name, value)`` after every change; returns an unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def announce(self, name: str, value: str) -> None:
        """Tell subscribers of an event that is not a control: ``("preset", its file)``."""
        self._notify(name, value)  # type: ignore[arg-type]

    # --- notes --------------------------------------------------------------------------------
    def note_controls(
        self,
        pitch: int,
        velocity: float,
        rng: np.random.Generator,
        dynamics_steps: int = 16,
        prior_std: float = 1.0,
    ) -> tuple[NoteControls, ControlSnapshot]:
        """The render key of one note played now."""
        snap = self.snapshot()
        pc, octv = snap.note_weights(pitch)
        style = snap.style
        z = snap.latent
        if snap.variation > 0:
            noise = np.asarray(rng.standard_normal(z.shape[0]), np.float32)
            z = z + noise * np.float32(snap.variation * prior_std)
        key = NoteControls(
            z=tuple(float(v) for v in z),
            pitch_class=tuple(float(v) for v in pc),
            octave=tuple(float(v) for v in octv),
            style=tuple(float(v) for v in style),
            dynamics=tuple(float(v) for v in quantise_dynamics(velocity, dynamics_steps)),
        )
        return key, snap

    # --- internals ------------------------------------------------------------------------------
    def _spec(self, name: str) -> ControlSpec:
        spec = self.specs.get(name)
        if spec is None:
            raise ControlError(f"unknown control {name!r} (controls: {', '.join(self.specs)})")
        return spec

    @staticmethod
    def _validate(spec: ControlSpec, value: Any, current: Value) -> Value:
        if spec.boolean:
            if isinstance(value, bool | int | float | np.number) and value in (0, 1):
                return bool(value)
            raise ControlError(f"{spec.name} is on/off (0 or 1), got {value!r}")
        if spec.size == 0:
            return _checked_float(spec, value)
        items = np.asarray(value, dtype=object).ravel().tolist() if not np.isscalar(value) else None
        if items is None or not 1 <= len(items) <= spec.size:
            raise ControlError(f"{spec.name} takes 1..{spec.size} numbers, got {value!r}")
        new = [_checked_float(spec, v) for v in items]
        return tuple(new) + tuple(current)[len(new) :]  # type: ignore[arg-type]

    def _build_snapshot(self) -> ControlSnapshot:
        v = self._values
        style = np.asarray(v["style"], np.float32)
        if v["normalise"] and style.sum() > 0:
            style = style / style.sum()
        return ControlSnapshot(
            style=style,
            pitch_class_mix=np.asarray(v["pitch_class_mix"], np.float32),
            octave_mix=np.asarray(v["octave_mix"], np.float32),
            latent=np.asarray(v["latent"], np.float32),
            variation=float(v["variation"]),  # type: ignore[arg-type]
            velocity=float(v["velocity"]),  # type: ignore[arg-type]
            velocity_curve=float(v["velocity_curve"]),  # type: ignore[arg-type]
            release=float(v["release"]),  # type: ignore[arg-type]
            gain_db=float(v["gain"]),  # type: ignore[arg-type]
            fx=bool(v["fx"]),
        )

    def _notify(self, name: str, value: Value) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(name, value)
            except Exception:  # a broken subscriber must not break OSC or MIDI input
                self.listener_errors += 1


def _checked_float(spec: ControlSpec, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ControlError(f"{spec.name} takes numbers, got {value!r}")
    x = float(value)
    if not np.isfinite(x) or not spec.lo <= x <= spec.hi:
        raise ControlError(f"{spec.name}: {x:g} outside {spec.lo:g}..{spec.hi:g}")
    return x
