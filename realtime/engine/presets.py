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
shipped with the engine (the folders: :mod:`realtime.engine.preset_folders`, which also holds
the sandbox for names that come over OSC), compared normalised (``Warm Strings`` =
``warm_strings``: see ``realtime.engine.preset_names``, the one list the window, OSC and
``--preset`` share).

Validation: a preset file is at most 64 KB of JSON nested at most 4 deep; a value of the
wrong type or out of range is skipped with a one-line warning, the others still apply.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from realtime.engine.controls import ControlError, Controls
from realtime.engine.preset_folders import SHIPPED_DIR as SHIPPED_DIR
from realtime.engine.preset_folders import PresetError as PresetError
from realtime.engine.preset_folders import preset_dirs, save_named
from realtime.engine.preset_folders import user_dir as user_dir
from realtime.engine.preset_names import available, match

FORMAT, VERSION = "waefader-preset", 1
MAX_BYTES = 64 * 1024  # a preset is about 1 KB
MAX_DEPTH = 4  # preset -> controls -> style -> weight


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


def _depth(value: Any) -> int:
    """How deep lists and objects nest (0 for a number or string), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            deepest = max(deepest, d + 1)
            if d + 1 <= MAX_DEPTH:  # deeper than allowed: no need to look further
                stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def parse_preset(text: bytes, where: str) -> dict[str, Any]:
    """Preset file contents -> the checked preset dict; PresetError saying why not."""
    if len(text) > MAX_BYTES:
        raise PresetError(f"preset {where} is larger than {MAX_BYTES // 1024} KB")
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise PresetError(f"preset {where} is not readable JSON ({reason})") from None
    if _depth(data) > MAX_DEPTH:
        raise PresetError(f"preset {where} nests deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PresetError(f"preset {where} is not a waefader preset (format {FORMAT!r})")
    if data.get("version") != VERSION:
        raise PresetError(f"preset {where} has version {data.get('version')!r}, expected {VERSION}")
    if not isinstance(data.get("controls"), dict):
        raise PresetError(f"preset {where} has no 'controls' object")
    return data


def read_preset(path: Path, where: str | None = None) -> dict[str, Any]:
    """Read and check a preset file; ``where`` names it in errors (default: its path)."""
    where = str(path) if where is None else where
    try:
        with open(path, "rb") as f:
            text = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise PresetError(f"preset {where} is not readable ({exc.strerror or exc})") from None
    return parse_preset(text, where)


def _weight(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


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
            weights = {n: _weight(style.get(n, 0.0)) for n in controls.style_names}
            bad = [n for n, w in weights.items() if w is None]
            if bad:
                warnings.append(f"style weights must be numbers; skipped: {', '.join(bad)}")
            current = list(controls.get("style"))  # type: ignore[arg-type]
            values["style"] = [
                current[i] if w is None else w for i, w in enumerate(weights.values())
            ]
    elif style is not None:
        warnings.append("'style' must map style names to weights; skipped")
    latent = values.get("latent")
    if isinstance(latent, list):  # another model's latent size: keep what fits, pad with 0
        values["latent"] = (latent + [0.0] * controls.latent_dim)[: controls.latent_dim]
    for name, value in values.items():
        try:
            controls.set(name, value)
        except (ControlError, TypeError, ValueError) as exc:
            warnings.append(str(exc) if isinstance(exc, ControlError) else f"{name}: {exc}")
    return warnings


def load_preset(controls: Controls, name_or_path: str | Path) -> list[str]:
    return apply_preset(controls, read_preset(find_preset(name_or_path)))


def save_named_preset(controls: Controls, name: str, overwrite: bool = False) -> Path:
    """Save the controls as the user's preset ``name`` (see preset_folders.save_named)."""
    text = json.dumps(preset_to_dict(controls, name.removesuffix(".json")), indent=2) + "\n"
    return save_named(name, text, overwrite)
