"""Engine audio, OSC and MIDI beside the window: ``waefader serve``'s own ``Server``.

The window reuses the serve machinery as it is (options parsed by serve's parser, so the
two commands accept the same surface options and behave alike). OSC and MIDI run on their
own threads and only post events / set controls on the engine; a fader moved over OSC or
by a MIDI CC reaches the window through the engine's control subscription.

One difference from ``serve``: an OSC port already in use is not fatal here. The window
opens with OSC off and says why (a second synth window is a normal thing to open).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from realtime.cli.serve import Server, parser
from realtime.engine import Engine
from realtime.osc.server import OscError


@dataclass(frozen=True)
class SurfaceOptions:
    """Audio on/off, where OSC listens and which MIDI input to open."""

    audio: bool = True
    osc: bool = True
    osc_host: str = "127.0.0.1"
    osc_port: int = 9000
    osc_reply_port: int | None = None
    midi: bool = True
    midi_port: str | None = None  # None: a virtual input port named "waefader"
    midi_api: str = "auto"
    midi_channel: int | None = None  # 1..16, None: all
    cc_map: str | None = None  # JSON file mapping MIDI CCs to controls

    def serve_args(self, prog: str = "waefader play") -> argparse.Namespace:
        """The same options as ``waefader serve`` parses them."""
        argv = ["--osc-host", self.osc_host, "--osc-port", str(self.osc_port),
                "--midi-api", self.midi_api]
        optional = (("--osc-reply-port", self.osc_reply_port), ("--midi-port", self.midi_port),
                    ("--midi-channel", self.midi_channel), ("--cc-map", self.cc_map))
        for flag, value in optional:
            if value is not None:
                argv += [flag, str(value)]
        for flag, off in (("--no-audio", not self.audio), ("--no-osc", not self.osc),
                          ("--no-midi", not self.midi)):
            if off:
                argv.append(flag)
        return parser(prog).parse_args(argv)


class Surfaces:
    """Starts and stops one engine's audio stream, OSC server and MIDI input together."""

    def __init__(self, options: SurfaceOptions) -> None:
        self.options = options
        self.server: Server | None = None
        self.errors: list[str] = []

    def start(self, engine: Engine) -> None:
        """Start everything; what cannot open is listed in ``errors`` (the window still
        works without it)."""
        self.errors = []
        args = self.options.serve_args()
        server = Server(engine, args)
        try:
            server.start()
        except OscError as exc:
            server.stop()
            self.errors.append(f"OSC off: {exc}")
            args.no_osc = True
            server = Server(engine, args)
            server.start()
        self.server = server
        self.errors += [n for n in server.notes if not n.startswith("audio off")]

    def stop(self) -> None:
        """Stop MIDI, OSC and the engine (its stream and render worker)."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def osc_address(self) -> str | None:
        osc = self.server.osc if self.server is not None else None
        if osc is None:
            return None
        bad = osc.dispatcher.counters.bad
        return str(osc.address) + (f" ({bad} bad packets)" if bad else "")

    def osc_port(self) -> int | None:
        osc = self.server.osc if self.server is not None else None
        return None if osc is None else int(osc.port)

    def midi_port(self) -> str | None:
        midi = self.server.midi if self.server is not None else None
        return None if midi is None else str(midi.name)
