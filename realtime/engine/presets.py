"""Presets: the control values as a small JSON file.

Format (version 1)::

    {"format": "waefader-preset", "version": 1, "name": "soft strings",
     "controls": {"style": {"violin": 1.0, "cello": 0.3}, "pitch_class_mix": [12 floats],
                  "octave_mix": [9 floats], "latent": [...], "variation": 0.2,
                  "velocity": 100, "velocity_curve": 1.0, "release": 0.5, "gain": -6.0,
                  "normalise": false, "fx": false}}

Styles are stored by name so a preset survives a model with other styles: names the model
lacks are skipped (and reported), missing ones get weight 0. ``load_preset`` accepts a path
or a name looked up in the user folder (``~/.config/waefader/presets``) then in the presets
shipped with the engine, compared normalised (``Warm Strings`` = ``warm_strings``: see
``realtime.engine.preset_names``, the one list the window, OSC and ``--preset`` share).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from realtime.engine.controls import ControlError, Controls
from realtime.engine.preset_names import available, match

FORMAT, VERSION = "waefader-preset", 1
SHIPPED_DIR = Path(__file__).resolve().parent / "presets"


class PresetError(ValueError):
    """An unreadable or invalid preset; the message says why."""


def user_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "waefader" / "presets"


def preset_to_dict(controls: Controls, name: str = "") -> dict[str, Any]:
    values = controls.values()
    style = dict(zip(controls.style_names, values["style"], strict=True))  # type: ignore[arg-type]
    out: dict[str, Any] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}
    out["style"] = style
    return {"format": FORMAT, "version": VERSION, "name": name, "controls": out}


def save_preset(controls: Controls, path: str | Path, name: str = "") -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(preset_to_dict(controls, name or p.stem), indent=2) + "\n")
    return p


def preset_dirs() -> tuple[Path, ...]:
    """Where presets are found by name, first match wins: the user's, then the shipped."""
    return (user_dir(), SHIPPED_DIR)


def find_preset(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".json" and (p.is_file() or len(p.parts) > 1):
        if not p.is_file():
            raise PresetError(f"preset file not found: {p}")
        return p
    if p.is_file():
        return p
    named = available(preset_dirs())
    found = match(str(name_or_path), named)
    if found is None:
        raise PresetError(
            f"no preset named {str(name_or_path)!r} (available: {', '.join(named)})"
        )
    return named[found]


def list_presets() -> list[str]:
    """Every preset name (shipped and the user's), sorted: see realtime.engine.preset_names."""
    return list(available(preset_dirs()))


def read_preset(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PresetError(f"preset {path} is not readable JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PresetError(f"preset {path} is not a waefader preset (format {FORMAT!r})")
    if data.get("version") != VERSION:
        raise PresetError(f"preset {path} has version {data.get('version')}, expected {VERSION}")
    if not isinstance(data.get("controls"), dict):
        raise PresetError(f"preset {path} has no 'controls' object")
    return data


def apply_preset(controls: Controls, data: dict[str, Any]) -> list[str]:
    """Set the controls from a preset dict. Returns warnings (skipped styles, bad values);
    valid values are applied even when others are not."""
    warnings: list[str] = []
    values: dict[str, Any] = dict(data["controls"])
    style = values.pop("style", None)
    if isinstance(style, dict):
        unknown = sorted(set(style) - set(controls.style_names))
        if unknown and len(unknown) == len(style):  # made for another model: keep our mix
            warnings.append(
                f"its style mix is for another model ({', '.join(unknown)}); this model's "
                f"styles ({', '.join(controls.style_names)}) keep their mix"
            )
        else:
            if unknown:
                warnings.append(f"styles not in this model, skipped: {', '.join(unknown)}")
            values["style"] = [float(style.get(n, 0.0)) for n in controls.style_names]
    elif style is not None:
        warnings.append("'style' must map style names to weights; skipped")
    latent = values.get("latent")
    if isinstance(latent, list):  # another model's latent size: keep what fits, pad with 0
        values["latent"] = (latent + [0.0] * controls.latent_dim)[: controls.latent_dim]
    for name, value in values.items():
        try:
            controls.set(name, value)
        except ControlError as exc:
            warnings.append(str(exc))
    return warnings


def load_preset(controls: Controls, name_or_path: str | Path) -> list[str]:
    return apply_preset(controls, read_preset(find_preset(name_or_path)))
