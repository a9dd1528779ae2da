"""MIDI input ports through mido's rtmidi backend: ALSA or JACK, a named port or a virtual one.

``api``: "alsa", "jack" or "auto" (JACK when a JACK server is named in the environment,
else ALSA, falling back to the other). ``port``: None/"virtual" opens a virtual input
called ``waefader`` that other programs connect to; a name fragment or an index opens an
existing output of another program (a keyboard, a DAW).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import Any

from realtime.engine.priority import raise_thread
from realtime.midi.mapping import MidiError

APIS = {"alsa": "LINUX_ALSA", "jack": "UNIX_JACK"}
VIRTUAL_NAME = "waefader"


def _backend(api: str) -> Any:
    import mido

    return mido.Backend(f"mido.backends.rtmidi/{APIS[api]}", load=True)


def _order(api: str) -> list[str]:
    if api in APIS:
        return [api]
    if api != "auto":
        raise MidiError(f"MIDI api must be auto, alsa or jack, not {api!r}")
    return ["jack", "alsa"] if os.environ.get("JACK_DEFAULT_SERVER") else ["alsa", "jack"]


def list_inputs(api: str = "auto") -> dict[str, list[str]]:
    """{api: input port names} for every API that works here."""
    out: dict[str, list[str]] = {}
    for name in _order(api):
        try:
            out[name] = list(_backend(name).get_input_names())
        except Exception:
            continue
    return out


class MidiInput:
    """An open input port calling ``callback(msg, arrival)`` on rtmidi's thread."""

    def __init__(self, port: Any, name: str, api: str) -> None:
        self.port, self.name, self.api = port, name, api

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.port.close()


def open_input(
    callback: Callable[[Any, float], None],
    port: str | int | None = None,
    api: str = "auto",
) -> MidiInput:
    first = [True]

    def on_message(msg: Any) -> None:
        now = time.perf_counter()
        if first[0]:  # rtmidi's own thread takes the GIL here: see realtime.engine.priority
            first[0] = False
            raise_thread(40, -10)
        callback(msg, now)

    errors = []
    for name in _order(api):
        try:
            backend = _backend(name)
            if port is None or port == "virtual":
                handle = backend.open_input(VIRTUAL_NAME, virtual=True, callback=on_message)
                return MidiInput(handle, f"{VIRTUAL_NAME} (virtual, {name})", name)
            names = list(backend.get_input_names())
            chosen = _choose(names, port)
            if chosen is None:
                errors.append(f"{name}: no input matches {port!r} (inputs: {names or 'none'})")
                continue
            handle = backend.open_input(chosen, callback=on_message)
            return MidiInput(handle, f"{chosen} ({name})", name)
        except Exception as exc:  # rtmidi raises SystemError & co. when an API is absent
            errors.append(f"{name}: {exc}")
    raise MidiError("no MIDI input: " + "; ".join(errors))


def _choose(names: list[str], port: str | int) -> str | None:
    if isinstance(port, int) or str(port).isdigit():
        i = int(port)
        return names[i] if 0 <= i < len(names) else None
    matches = [n for n in names if str(port).lower() in n.lower()]
    return matches[0] if matches else None
