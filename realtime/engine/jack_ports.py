"""How waefader shows itself in a JACK patchbay (qjackctl, Carla, Ardour, Bitwig).

PortAudio's JACK host API names its client "PortAudio" and its ports ``out_<n>``, counting
on across streams (``out_2``/``out_3`` after a model change reopens the stream). Here:

- ``set_client_name``: ``PaJack_SetClientName`` (libportaudio has it; sounddevice does not
  wrap it) called through ctypes on the library sounddevice loaded, then PortAudio is
  restarted so its JACK client opens under that name. Process-wide, like the client itself
  (per loaded PortAudio: the fresh one a reconnect loads is named again).
- ``tidy_ports``: once the stream runs, its output ports are renamed ``out_1..out_N`` and
  either left connected where PortAudio put them (``connect``) or disconnected, and the
  links they had when the last stream of this client closed are restored (a DAW's routing
  survives "Open model...").

The renaming and (dis)connecting go through a short-lived helper client (``<name>-ports``)
over libjack with ctypes: JACK lets any client rename, connect and disconnect any port.
Every failure here is reported as text and never stops the audio.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

_NO_START_SERVER = 0x01
_IS_OUTPUT = 0x2
_AUDIO = b"32 bit float mono audio"

# PortAudio keeps the pointer it is given: the buffer must outlive every later PaJack call.
# One per loaded PortAudio (its library file): a fresh one after a dead server is named anew.
_name_buffers: dict[str, ctypes.Array[ctypes.c_char]] = {}
# Links of each client's output ports when its last stream closed: {client: {port: [peers]}}.
_links: dict[str, dict[str, list[str]]] = {}
# Links of single ports (the MIDI input) when they last closed: {port: [peers]}.
_port_links: dict[str, list[str]] = {}


class JackNameError(RuntimeError):
    """The JACK naming could not be applied; the message says why."""


def _portaudio(sd: Any) -> ctypes.CDLL:
    return ctypes.CDLL(sd._libname)  # dlopen of a loaded library: the same handle


def set_client_name(sd: Any, name: str) -> bool:
    """Name PortAudio's JACK client (restarts PortAudio when the name changes; call it with
    no stream open). False when this PortAudio has no JACK host API."""
    if not name or len(name.encode()) > 63:
        raise JackNameError(f"JACK client name must be 1..63 bytes, not {name!r}")
    try:
        lib = _portaudio(sd)
        setter = lib.PaJack_SetClientName
    except (OSError, AttributeError):
        return False
    named = _name_buffers.get(str(sd._libname))
    if named is not None and named.value == name.encode():
        return True
    buffer = ctypes.create_string_buffer(name.encode())
    setter.argtypes = [ctypes.c_char_p]
    if setter(buffer) != 0:
        raise JackNameError(f"PortAudio refused the JACK client name {name!r}")
    _name_buffers[str(sd._libname)] = buffer
    sd._terminate()  # the JACK client is opened when PortAudio starts: start it again
    sd._initialize()
    return True


def current_name(sd: Any) -> str | None:
    """The name last given to this PortAudio (None: its own default)."""
    named = _name_buffers.get(str(sd._libname))
    return None if named is None else named.value.decode()


def client_name(sd: Any) -> str | None:
    """The name JACK gave PortAudio's client (``name-01`` when ``name`` was taken)."""
    try:
        getter = _portaudio(sd).PaJack_GetClientName
    except (OSError, AttributeError):
        return None
    out = ctypes.c_char_p()
    getter.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
    if getter(ctypes.byref(out)) != 0 or not out.value:
        return None
    return out.value.decode(errors="replace")


class _Jack:
    """A helper JACK client over ctypes (names in, names out)."""

    def __init__(self, name: str) -> None:
        path = ctypes.util.find_library("jack") or "libjack.so.0"
        lib = ctypes.CDLL(path)
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_client_open.argtypes = [
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
        ]
        lib.jack_client_close.argtypes = [ctypes.c_void_p]
        lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_get_ports.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
        ]
        lib.jack_port_by_name.restype = ctypes.c_void_p
        lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_port_get_all_connections.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_port_get_all_connections.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.jack_port_rename.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.jack_disconnect.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.jack_free.argtypes = [ctypes.c_void_p]
        lib.jack_port_flags.argtypes = [ctypes.c_void_p]
        self.lib = lib
        status = ctypes.c_int(0)
        self.client = lib.jack_client_open(name.encode(), _NO_START_SERVER, ctypes.byref(status))
        if not self.client:
            raise JackNameError(f"cannot reach the JACK server (status 0x{status.value:x})")

    def close(self) -> None:
        self.lib.jack_client_close(self.client)

    def _names(self, array: Any) -> list[str]:
        if not array:
            return []
        out, i = [], 0
        while array[i]:
            out.append(array[i].decode(errors="replace"))
            i += 1
        self.lib.jack_free(ctypes.cast(array, ctypes.c_void_p))
        return out

    def outputs(self, client: str) -> list[str]:
        """The client's audio output ports, in PortAudio's order (out_<n>, n rising)."""
        pattern = f"^{_regex(client)}:".encode()
        names = self._names(self.lib.jack_get_ports(self.client, pattern, _AUDIO, _IS_OUTPUT))
        return sorted(names, key=_port_number)

    def links(self, port: str) -> list[str]:
        handle = self.lib.jack_port_by_name(self.client, port.encode())
        if not handle:
            return []
        return self._names(self.lib.jack_port_get_all_connections(self.client, handle))

    def rename(self, port: str, short: str) -> None:
        handle = self.lib.jack_port_by_name(self.client, port.encode())
        if not handle or self.lib.jack_port_rename(self.client, handle, short.encode()) != 0:
            raise JackNameError(f"cannot rename JACK port {port} to {short}")

    def is_input(self, port: str) -> bool:
        handle = self.lib.jack_port_by_name(self.client, port.encode())
        return bool(handle) and not (self.lib.jack_port_flags(handle) & _IS_OUTPUT)

    def connect(self, source: str, destination: str) -> None:
        self.lib.jack_connect(self.client, source.encode(), destination.encode())

    def disconnect(self, source: str, destination: str) -> None:
        self.lib.jack_disconnect(self.client, source.encode(), destination.encode())


def _regex(text: str) -> str:
    return "".join("\\" + c if not c.isalnum() else c for c in text)


def _port_number(port: str) -> int:
    tail = port.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def tidy_ports(client: str, connect: bool) -> list[str]:
    """Rename ``client``'s outputs to out_1..out_N, restore the links they had when its
    last stream closed, and drop PortAudio's own links when ``connect`` is False.
    Returns the final port names."""
    jack = _Jack(f"{client}-ports")
    try:
        ports = jack.outputs(client)
        wanted = [f"out_{i + 1}" for i in range(len(ports))]
        if [p.split(":", 1)[1] for p in ports] != wanted:
            for i, port in enumerate(ports):  # via unique names: out_2 may be taken still
                jack.rename(port, f"tmp_{i + 1}")
            for i, short in enumerate(wanted):
                jack.rename(f"{client}:tmp_{i + 1}", short)
        final = [f"{client}:{short}" for short in wanted]
        remembered = _links.pop(client, None)
        for port in final:
            if not connect or remembered is not None:
                for peer in jack.links(port):
                    jack.disconnect(port, peer)
            for peer in (remembered or {}).get(port, []):
                jack.connect(port, peer)
        return final
    finally:
        jack.close()


def remember_port(port: str, helper: str = "waefader") -> None:
    """Note where one port (``waefader-midi:midi_in``) is connected, before it closes."""
    jack = _Jack(f"{helper}-ports")
    try:
        _port_links[port] = jack.links(port)
    finally:
        jack.close()


def unlink_port(port: str, helper: str = "waefader") -> None:
    """Cut every connection of one port (``waefader-midi:midi_in``): no more events reach
    it from the next cycle on."""
    jack = _Jack(f"{helper}-ports")
    try:
        for peer in jack.links(port):
            if jack.is_input(port):
                jack.disconnect(peer, port)
            else:
                jack.disconnect(port, peer)
    finally:
        jack.close()


def restore_port(port: str, helper: str = "waefader") -> list[str]:
    """Connect a reopened port where it was when it last closed; returns those peers."""
    peers = _port_links.pop(port, [])
    if not peers:
        return []
    jack = _Jack(f"{helper}-ports")
    try:
        incoming = jack.is_input(port)
        for peer in peers:
            if incoming:
                jack.connect(peer, port)
            else:
                jack.connect(port, peer)
        return peers
    finally:
        jack.close()


def remember_links(client: str) -> None:
    """Note where ``client``'s outputs go (call before its stream closes)."""
    jack = _Jack(f"{client}-ports")
    try:
        _links[client] = {port: jack.links(port) for port in jack.outputs(client)}
    finally:
        jack.close()
