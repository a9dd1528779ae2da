"""MIDI input ports through python-rtmidi: ALSA or JACK, a named port or a virtual one.

``api``: "alsa", "jack" or "auto" (JACK when a JACK server is named in the environment,
else ALSA, falling back to the other). Our input is the port ``midi_in`` of a client named
``waefader`` (``--client-name``; on JACK ``waefader-midi``, the audio client holding the
plain name). ``port``: None/"virtual" opens it for other programs to connect to; a name
fragment or an index connects it to an existing output of another program (a keyboard, a
DAW). Messages are parsed with mido.
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
CLIENT_NAME = "waefader"
PORT_NAME = "midi_in"


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


# How long a closing JACK port waits, unlinked, before rtmidi lets go of the callback:
# several periods (5.3 ms at 256 frames / 48 kHz), so an event JACK's thread was already
# delivering has reached Python and returned.
QUIESCE_S = 0.05


class MidiInput:
    """An open input port calling ``callback(msg, arrival)`` on rtmidi's thread.
    ``jack_port``: our port's JACK name (``waefader-midi:midi_in``) on JACK, else None."""

    def __init__(self, port: Any, name: str, api: str, jack_port: str | None = None) -> None:
        self.port, self.name, self.api, self.jack_port = port, name, api, jack_port

    def close(self) -> None:
        """Close the port. On JACK, rtmidi calls our callback from JACK's process thread,
        and closing (or cancelling the callback) frees what that thread may be using at
        that moment: a segfault in about 1 close in 20 while events arrive. So the port is
        first cut from its peers and left a few periods to drain, then closed."""
        if self.jack_port is not None:
            from realtime.engine import jack_ports

            with contextlib.suppress(Exception):
                jack_ports.unlink_port(self.jack_port)
            time.sleep(QUIESCE_S)  # the GIL is free meanwhile: a delivery in flight ends
        with contextlib.suppress(Exception):
            self.port.cancel_callback()
            self.port.close_port()
            self.port.delete()


def open_input(
    callback: Callable[[Any, float], None],
    port: str | int | None = None,
    api: str = "auto",
    client: str = CLIENT_NAME,
) -> MidiInput:
    """Open our input port ``midi_in`` in a MIDI client named ``client`` (``client-midi``
    on JACK, where the audio client has the plain name); ``port`` None/"virtual" waits for
    others to connect, a name fragment or an index connects it to that output."""
    import mido

    first = [True]

    def on_message(event: Any, _data: Any = None) -> None:
        now = time.perf_counter()
        if first[0]:  # rtmidi's own thread takes the GIL here: see realtime.engine.priority
            first[0] = False
            raise_thread(40, -10)
        try:
            msg = mido.Message.from_bytes(event[0])
        except (ValueError, TypeError, IndexError):
            return  # a partial or unknown message: nothing to play
        callback(msg, now)

    errors = []
    for name in _order(api):
        try:
            handle = _rtmidi_in(name, client)
            if port is None or port == "virtual":
                handle.open_virtual_port(PORT_NAME)
                handle.set_callback(on_message)
                ours = f"{_client(name, client)}:{PORT_NAME}"
                return MidiInput(handle, f"{ours} ({name})", name, ours if name == "jack" else None)
            names = list(handle.get_ports())
            index = _choose(names, port)
            if index is None:
                handle.delete()
                errors.append(f"{name}: no input matches {port!r} (inputs: {names or 'none'})")
                continue
            handle.open_port(index, PORT_NAME)
            handle.set_callback(on_message)
            own = f"{_client(name, client)}:{PORT_NAME}" if name == "jack" else None
            return MidiInput(handle, f"{names[index]} ({name})", name, own)
        except Exception as exc:  # rtmidi raises SystemError & co. when an API is absent
            errors.append(f"{name}: {exc}")
    raise MidiError("no MIDI input: " + "; ".join(errors))


def _client(api: str, client: str) -> str:
    return f"{client}-midi" if api == "jack" else client


def _rtmidi_in(api: str, client: str) -> Any:
    """python-rtmidi's input under our client name (mido names it only for virtual ports)."""
    import rtmidi

    apis = {"alsa": rtmidi.API_LINUX_ALSA, "jack": rtmidi.API_UNIX_JACK}
    handle = rtmidi.MidiIn(rtapi=apis[api], name=_client(api, client))
    handle.ignore_types(sysex=False, timing=True, active_sense=True)
    return handle


def _choose(names: list[str], port: str | int) -> int | None:
    if isinstance(port, int) or str(port).isdigit():
        i = int(port)
        return i if 0 <= i < len(names) else None
    matches = [i for i, n in enumerate(names) if str(port).lower() in n.lower()]
    return matches[0] if matches else None
