"""OSC and MIDI beside the window: the same servers ``waefader serve`` runs, on one engine.

They run on their own threads and only post events / set controls on the engine, so a
fader moved over OSC reaches the window through the engine's control subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realtime.engine import Engine
from realtime.osc import OscDispatcher, OscServer


@dataclass(frozen=True)
class SurfaceOptions:
    """Where OSC listens and which MIDI input to open."""

    osc: bool = True
    osc_host: str = "127.0.0.1"
    osc_port: int = 9000
    osc_reply_port: int | None = None
    midi: bool = True
    midi_port: str | None = None  # None: a virtual input port named "waefader"


class Surfaces:
    """Starts and stops the OSC server and the MIDI input for one engine."""

    def __init__(self, options: SurfaceOptions) -> None:
        self.options = options
        self.osc_server: OscServer | None = None
        self.midi_input: Any = None
        self.errors: list[str] = []

    def start(self, engine: Engine) -> None:
        """Open what the options ask for; a surface that cannot open is reported in
        ``errors`` (the window still works without it)."""
        self.errors = []
        if self.options.osc:
            self._start_osc(engine)

    def _start_osc(self, engine: Engine) -> None:
        o = self.options
        dispatcher = OscDispatcher(engine, reply_port=o.osc_reply_port)
        try:
            self.osc_server = OscServer(dispatcher, o.osc_host, o.osc_port).start()
        except OSError as exc:  # OscError: port in use, bad host
            self.errors.append(f"OSC off: {exc}")

    def stop(self) -> None:
        if self.osc_server is not None:
            self.osc_server.stop()
            self.osc_server = None

    def osc_address(self) -> str | None:
        server = self.osc_server
        if server is None:
            return None
        bad = server.dispatcher.counters.bad
        return server.address + (f" ({bad} bad packets)" if bad else "")

    def midi_port(self) -> str | None:
        return None
