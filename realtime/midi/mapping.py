"""Control-change numbers -> engine controls ("faders"): a default map plus a JSON file.

File format (``--cc-map FILE``; entries replace the default's for the same CC)::

    {"cc": {"7": "gain",
            "1": {"target": "variation", "min": 0, "max": 2},
            "74": "latent/0",
            "20": "style/violin",
            "21": "style/1",
            "30": {"target": "release", "min": 0.05, "max": 8, "curve": "log"},
            "pressure": {"target": "latent/1", "min": -2, "max": 2}},
     "replace_default": false}

A target is a control name (scalar), ``name/index`` for one element of a vector control
(``latent/0``, ``pitch_class_mix/7``, ``style/1``) or ``style/<style name>``. The CC value
0..127 maps linearly (or logarithmically, ``"curve": "log"``) onto ``min..max``, by
default a musical part of the control's range (below). CC 64 is the sustain pedal and
CC 120 / 123 (all sound / notes off) are panic; they cannot be remapped. Channel pressure
(aftertouch) is the controller ``"pressure"`` (unmapped by default); the mod wheel is CC 1.
CC 101/100 select an RPN and CC 6/38 set it: RPN 0 is the pitch-bend range (the handler's).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from realtime.engine.controls import Controls

SUSTAIN_CC = 64
PANIC_CCS = (120, 123)
PRESSURE = 128  # channel pressure, a controller of its own beside the 128 CCs
RPN_CCS = (101, 100, 6, 38)  # RPN select MSB / LSB, data entry MSB / LSB

# Musical default ranges for a knob (the controls allow more).
DEFAULT_RANGES: dict[str, tuple[float, float, str]] = {
    "gain": (-60.0, 6.0, "lin"),
    "release": (0.01, 5.0, "log"),
    "variation": (0.0, 1.0, "lin"),
    "velocity": (1.0, 127.0, "lin"),
    "velocity_curve": (0.0, 2.0, "lin"),
    "latent": (-3.0, 3.0, "lin"),
    "style": (0.0, 1.0, "lin"),
    "pitch_class_mix": (0.0, 1.0, "lin"),
    "octave_mix": (0.0, 1.0, "lin"),
    "normalise": (0.0, 1.0, "switch"),
    "fx": (0.0, 1.0, "switch"),
}

DEFAULT_MAP: dict[int, str] = {
    1: "variation",  # mod wheel
    7: "gain",  # channel volume
    72: "release",  # release time
    74: "latent/0",  # brightness / cutoff knob
    71: "latent/1",  # resonance knob
    73: "latent/2",  # attack knob
    70: "velocity_curve",
    # styles on 20, 21, ... (added per model in CcMap.for_controls)
}
STYLE_CC_BASE = 20


class MidiError(ValueError):
    """A bad CC map, MIDI file or port; the message says which."""


@dataclass(frozen=True)
class CcTarget:
    control: str
    index: int | None  # element of a vector control
    lo: float
    hi: float
    curve: str  # "lin", "log" or "switch"

    def value(self, cc_value: int) -> float:
        t = min(max(cc_value, 0), 127) / 127.0
        if self.curve == "switch":
            return 1.0 if cc_value >= 64 else 0.0
        if self.curve == "log":
            return float(self.lo * math.exp(t * math.log(self.hi / self.lo)))
        return self.lo + t * (self.hi - self.lo)


class CcMap:
    """CC number -> target, validated against a model's controls."""

    def __init__(self, targets: dict[int, CcTarget]) -> None:
        self.targets = targets

    @classmethod
    def for_controls(cls, controls: Controls, path: str | Path | None = None) -> CcMap:
        entries: dict[int, Any] = dict(DEFAULT_MAP)
        for i, _ in enumerate(controls.style_names[:8]):
            entries[STYLE_CC_BASE + i] = f"style/{i}"
        if path is not None:
            data = _read(Path(path))
            if data.get("replace_default"):
                entries = {}
            entries.update(_entries(data, path))
        return cls({cc: _target(controls, cc, spec) for cc, spec in entries.items()})

    def describe(self) -> dict[int | str, str]:
        return {
            ("pressure" if cc == PRESSURE else cc): t.control
            + ("" if t.index is None else f"/{t.index}")
            for cc, t in sorted(self.targets.items())
        }


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MidiError(f"CC map {path} is not readable JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cc"), dict):
        raise MidiError(f'CC map {path} needs a "cc" object mapping CC numbers to controls')
    return data


def _entries(data: dict[str, Any], path: str | Path) -> dict[int, Any]:
    out = {}
    for key, spec in data["cc"].items():
        if key == "pressure":
            out[PRESSURE] = spec
            continue
        if not str(key).isdigit() or not 0 <= int(key) <= 127:
            raise MidiError(f"CC map {path}: {key!r} is not a CC number 0..127 or 'pressure'")
        if int(key) in (SUSTAIN_CC, *PANIC_CCS, *RPN_CCS):
            raise MidiError(f"CC map {path}: CC {key} is reserved (sustain / panic / RPN)")
        out[int(key)] = spec
    return out


def _target(controls: Controls, cc: int, spec: Any) -> CcTarget:
    if isinstance(spec, str):
        spec = {"target": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("target"), str):
        raise MidiError(f"CC {cc}: a target is a control name or {{'target': ...}}")
    name, _, item = spec["target"].partition("/")
    if name not in controls.specs:
        raise MidiError(
            f"CC {cc}: unknown control {name!r} (controls: {', '.join(controls.specs)})"
        )
    cspec = controls.specs[name]
    index: int | None = None
    if item:
        if name == "style" and item in controls.style_names:
            index = controls.style_names.index(item)
        elif item.isdigit() and int(item) < cspec.size:
            index = int(item)
        else:
            raise MidiError(f"CC {cc}: {spec['target']!r} names no element of {name}")
    elif cspec.size:
        raise MidiError(f"CC {cc}: {name} is a vector, name one element ({name}/0)")
    lo, hi, curve = DEFAULT_RANGES.get(name, (cspec.lo, cspec.hi, "lin"))
    lo, hi = float(spec.get("min", lo)), float(spec.get("max", hi))
    curve = str(spec.get("curve", curve))
    if curve not in ("lin", "log", "switch") or (curve == "log" and lo <= 0):
        raise MidiError(f"CC {cc}: curve must be lin, switch or log (log needs min > 0)")
    if not (cspec.lo <= min(lo, hi) and max(lo, hi) <= cspec.hi):
        raise MidiError(f"CC {cc}: {lo:g}..{hi:g} leaves {name}'s range {cspec.lo:g}..{cspec.hi:g}")
    return CcTarget(name, index, lo, hi, curve)
