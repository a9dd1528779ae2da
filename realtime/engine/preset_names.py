"""Preset names: one list for the window, OSC and ``--preset``, matched loosely.

A preset's name is its file's stem. Names are compared normalised (case, spaces, hyphens
and underscores alike: ``Warm Strings``, ``warm-strings`` and ``warm_strings`` are one
preset). The list is the user's folder then the presets shipped with the engine; a name in
both is the user's.

Name matching (``normalise``, ``match``) is pure; ``available`` only lists folders (glob).
Reading a preset happens in ``realtime.engine.presets``; the sandbox for names sent over
OSC (``realtime.engine.preset_folders``) matches names through ``match`` too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise(name: str) -> str:
    """``"  Warm-Strings.json"`` -> ``"warm_strings"``."""
    stem = name.strip()
    if stem.lower().endswith(".json"):
        stem = stem[:-5]
    return _SEPARATORS.sub("_", stem.strip().lower()).strip("_")


def display(name: str) -> str:
    """How the window shows a name: ``warm_strings`` -> ``warm strings``."""
    return _SEPARATORS.sub(" ", name).strip()


def match(name: str, names: Iterable[str]) -> str | None:
    """The first of ``names`` equal to ``name`` once both are normalised (None: none)."""
    wanted = normalise(name)
    if not wanted:
        return None
    return next((n for n in names if normalise(n) == wanted), None)


def available(folders: Sequence[Path]) -> dict[str, Path]:
    """{name: file} of the ``*.json`` in ``folders``, sorted by name; the first folder wins
    a name (normalised) found in several."""
    found: dict[str, Path] = {}
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            key = normalise(path.stem)
            if key and key not in seen:
                seen.add(key)
                found[path.stem] = path
    return dict(sorted(found.items()))
