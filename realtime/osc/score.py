"""OSC scores: timed OSC messages in a file, for offline renders (docs/OSC.md).

JSON: ``[[seconds, address, arg, ...], ...]``. Text: one message per line,
``seconds address args...`` (numbers become ints or floats, anything else a string;
``#`` starts a comment).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from realtime.osc.dispatcher import build


class ScoreError(ValueError):
    """A score line or entry that cannot be used; the message says where."""


def _value(token: str) -> Any:
    for kind in (int, float):
        try:
            return kind(token)
        except ValueError:
            pass
    return token


def _entry(item: Any, where: str) -> tuple[float, bytes]:
    if not isinstance(item, list | tuple) or len(item) < 2:
        raise ScoreError(f"{where}: expected [seconds, address, args...]")
    t, address, *args = item
    if isinstance(t, bool) or not isinstance(t, int | float) or t < 0:
        raise ScoreError(f"{where}: time must be a number >= 0, got {t!r}")
    if not isinstance(address, str) or not address.startswith("/"):
        raise ScoreError(f"{where}: address must start with '/', got {address!r}")
    try:
        return float(t), build(address, *args)
    except Exception as exc:  # python-osc refuses some argument types
        raise ScoreError(f"{where}: cannot encode {item!r} ({exc})") from None


def read_score(path: str | Path) -> list[tuple[float, bytes]]:
    """(seconds, OSC datagram) for every entry, in file order."""
    p = Path(path)
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScoreError(f"cannot read score {p}: {exc}") from None
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScoreError(f"{p}: not JSON ({exc})") from None
        if not isinstance(data, list):
            raise ScoreError(f"{p}: a score is a JSON list of [seconds, address, args...]")
        return [_entry(item, f"{p} entry {i}") for i, item in enumerate(data)]
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as exc:
            raise ScoreError(f"{p}:{n}: {exc}") from None
        if tokens:
            out.append(_entry([_value(tokens[0]), *map(_value, tokens[1:])], f"{p}:{n}"))
    return out
