"""Where presets live, and the sandbox for presets named over the network (OSC).

Two folders: the user's (``$XDG_CONFIG_HOME/waefader/presets``, else
``~/.config/waefader/presets``), then the ones shipped with the engine. A name found in
both is the user's. The command line and the window may open any file (the user's own
act); a remote sender only names presets:

- a name is 1..64 characters of letters, digits, space, ``_ - .``, not starting with a dot
  (so no ``/``, no ``..``, no absolute path); a trailing ``.json`` is ignored;
- reading: the name is matched loosely (case, spaces, ``-``, ``_``: see
  :mod:`realtime.engine.preset_names`); the file must be a regular file whose real path
  (symlinks resolved) is inside the folder it was found in;
- saving: only into the user folder (created if missing, the one folder ever created), never
  through a symlink, never over an existing preset unless the message says ``overwrite``;
  written to a temporary file and renamed into place.

Every refusal raises :class:`PresetRefused` with the same text, ``not allowed or not found``,
so a sender learns nothing about files it may not touch.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from realtime.engine.preset_names import available, match

SHIPPED_DIR = Path(__file__).resolve().parent / "presets"
REFUSED = "not allowed or not found"
_NAME = re.compile(r"[A-Za-z0-9_ \-][A-Za-z0-9_ .\-]{0,63}")


class PresetError(ValueError):
    """An unreadable or invalid preset; the message says why."""


class PresetRefused(PresetError):
    """A preset name that is invalid, missing or outside the preset folders."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


def user_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "waefader" / "presets"


def preset_dirs() -> tuple[Path, ...]:
    """The folders searched by name, first match wins."""
    return (user_dir(), SHIPPED_DIR)


def preset_stem(name: str) -> str:
    """A checked preset name without ``.json``; PresetRefused when it could name a path."""
    if not isinstance(name, str):
        raise PresetRefused()
    stem = name[:-5] if name.endswith(".json") else name
    if not _NAME.fullmatch(stem) or ".." in stem:
        raise PresetRefused()
    return stem


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve(strict=True).is_relative_to(folder.resolve(strict=True))
    except (OSError, RuntimeError):  # missing, a symlink loop
        return False


def find_named(name: str) -> Path:
    """The preset file of a name, read only from the preset folders (see the module doc)."""
    named = available(preset_dirs())
    found = match(preset_stem(name), named)  # loose: ``Warm Strings`` finds warm_strings.json
    if found is None:
        raise PresetRefused()
    candidate = named[found]
    if _inside(candidate, candidate.parent) and candidate.resolve().is_file():
        return candidate.resolve()
    raise PresetRefused()


def save_named(name: str, text: str, overwrite: bool = False) -> Path:
    """Write ``text`` as the user's preset ``name``; PresetRefused for a bad name, an existing
    preset without ``overwrite``, or a symlink in the way."""
    stem = preset_stem(name)
    folder = user_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        raise PresetRefused() from None
    target = folder / f"{stem}.json"
    if target.is_symlink() or (target.exists() and (not overwrite or not target.is_file())):
        raise PresetRefused()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".preset-", suffix=".part")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        if overwrite:
            os.replace(tmp, target)  # a symlink put there meanwhile is replaced, not followed
        else:
            os.link(tmp, target)  # fails if the name appeared meanwhile: never overwrites
    except OSError:
        raise PresetRefused() from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target
