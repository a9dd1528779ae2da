"""``waefader serve``: the headless synth, played over OSC and MIDI.

Starts the engine (render worker + audio stream), the OSC server and a MIDI input, then
runs until Ctrl+C (or ``--duration``). Without an audio device it keeps serving OSC/MIDI and
says so in /waefader/status (``audio_error``). ``--status-every S`` prints the engine's
figures as one JSON line every S seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from typing import Any

from realtime.cli.engine_args import (
    add_audio,
    add_controls,
    add_model,
    apply_controls,
    device_rate,
    engine_config,
    load_renderer,
    run,
    style_mix,
)
from realtime.cli.helptext import summary
from realtime.cli.styles import list_styles_if_asked
from realtime.engine import Engine, EngineError, jack_ports


def parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    add_model(ap)
    add_audio(ap)
    add_controls(ap)
    g = ap.add_argument_group("control surfaces")
    g.add_argument(
        "--osc-host", default="127.0.0.1", help="OSC address to bind (default 127.0.0.1)"
    )
    g.add_argument("--osc-port", type=int, default=9000, help="OSC UDP port (default 9000)")
    g.add_argument(
        "--osc-allow",
        action="append",
        default=[],
        metavar="CIDR",
        help="accept OSC only from these senders (e.g. 192.168.1.0/24; repeatable; default: all)",
    )
    g.add_argument(
        "--allow-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="/waefader/transform may read audio files inside DIR (repeatable; default: none)",
    )
    g.add_argument(
        "--osc-horizon",
        type=float,
        default=60.0,
        metavar="S",
        help="refuse OSC bundles timetagged more than S seconds ahead (default 60)",
    )
    g.add_argument(
        "--reply-port",
        "--osc-reply-port",
        dest="reply_port",
        type=int,
        default=None,
        help="answer queries (/info, /presets, /status) at the sender's host on this port "
        "(default: the sender's own port)",
    )
    g.add_argument(
        "--midi-port",
        default=None,
        help="MIDI input: 'virtual' (default: our port midi_in, for others to connect), "
        "or a name or an index to connect it to",
    )
    g.add_argument(
        "--midi-api",
        default="auto",
        choices=["auto", "alsa", "jack"],
        help="MIDI backend (default auto)",
    )
    g.add_argument("--midi-channel", type=int, default=None, help="listen to one channel (1..16)")
    g.add_argument("--cc-map", default=None, help="JSON file mapping MIDI CCs to controls")
    g.add_argument("--no-audio", action="store_true", help="no output stream")
    g.add_argument("--no-osc", action="store_true", help="do not listen for OSC")
    g.add_argument("--no-midi", action="store_true", help="do not open MIDI input")
    ap.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    ap.add_argument(
        "--status-every",
        type=float,
        default=None,
        metavar="S",
        help="print a status JSON line every S seconds",
    )
    return ap


class Server:
    """Engine + OSC + MIDI, started and stopped together."""

    def __init__(self, engine: Engine, args: argparse.Namespace) -> None:
        self.engine, self.args = engine, args
        self.osc: Any = None
        self.midi: Any = None
        self.midi_handler: Any = None
        self.notes: list[str] = []

    def start(self) -> None:
        a = self.args
        if self.engine.audio_listener is None:  # device lost / back: one line on stderr
            from realtime.cli.notices import StderrLines

            self.engine.audio_listener = StderrLines("waefader").put
        self.engine.start(audio=False)
        if not a.no_audio:
            try:
                self.engine.start(audio=True)
            except EngineError as exc:
                self.notes.append(f"audio off: {exc} (serving OSC/MIDI without sound)")
        if not a.no_osc:
            from realtime.osc import OscDispatcher, OscServer
            from realtime.osc.sandbox import AllowedDirs
            from realtime.osc.server import is_loopback, parse_networks

            allow = parse_networks(a.osc_allow)
            dispatcher = OscDispatcher(
                self.engine,
                reply_port=a.reply_port,
                extra_status=self.extra,
                allow_dirs=AllowedDirs(a.allow_dir),
                horizon_s=a.osc_horizon,
            )
            self.osc = OscServer(dispatcher, a.osc_host, a.osc_port, allow=allow).start()
            if not is_loopback(a.osc_host):
                who = "the senders of --osc-allow" if allow else "anyone on the network"
                self.notes.append(
                    f"warning: OSC listens on {a.osc_host}: {who} can play and change presets"
                    + ("" if allow else " (--osc-allow CIDR limits the senders)")
                )
        if not a.no_midi:
            self._start_midi()

    def _start_midi(self) -> None:
        from realtime.midi import CcMap, MidiError, MidiHandler
        from realtime.midi.ports import open_input

        a = self.args
        channel = None if a.midi_channel is None else a.midi_channel - 1
        self.midi_handler = MidiHandler(
            self.engine, CcMap.for_controls(self.engine.controls, a.cc_map), channel
        )
        handler = self.midi_handler
        try:
            self.midi = open_input(
                lambda m, t: handler.handle(m, arrival=t),
                a.midi_port,
                a.midi_api,
                self.engine.config.client_name,
            )
        except MidiError as exc:
            self.notes.append(f"MIDI off: {exc}")
            return
        if self.midi.api == "jack":  # a model change reopens it: keep a DAW's routing
            with contextlib.suppress(Exception):
                jack_ports.restore_port(self._midi_port(), self.engine.config.client_name)

    def extra(self) -> dict[str, Any]:
        out: dict[str, Any] = {"midi_port": self.midi.name if self.midi else None}
        if self.midi_handler is not None:
            out["midi"] = dict(self.midi_handler.counts)
        return out

    def _midi_port(self) -> str:
        return f"{self.engine.config.client_name}-midi:midi_in"

    def stop(self) -> None:
        if self.midi is not None:
            if self.midi.api == "jack" and self.midi.name.startswith(self._midi_port()):
                with contextlib.suppress(Exception):
                    jack_ports.remember_port(self._midi_port(), self.engine.config.client_name)
            self.midi.close()
        if self.osc is not None:
            self.osc.stop()
        self.engine.stop()

    def banner(self) -> str:
        s = self.engine.stats()
        r = self.engine.renderer
        styles = ", ".join(r.style_names)
        lines = [
            f"model   {getattr(r, 'root', '?')} ({len(r.style_names)} styles: {styles})",
            f"style   {style_mix(self.engine)}",
            f"audio   {s['device'] or 'none'} at {s['samplerate']} Hz, block {s['blocksize']}"
            + (
                f", output latency {s['device_latency_ms']:.1f} ms"
                if s["device_latency_ms"]
                else ""
            ),
            f"OSC     {self.osc.address if self.osc else 'off'} (docs/OSC.md)",
            f"MIDI    {self.midi.name if self.midi else 'off'}",
        ]
        return "\n".join(lines + self.notes)


def main(argv: list[str], prog: str = "waefader serve") -> int:
    listed = list_styles_if_asked(argv, prog)
    if listed is not None:
        return listed
    args = parser(prog).parse_args(argv)

    def body() -> int:
        renderer = load_renderer(args.model)
        engine = Engine(renderer, engine_config(args, device_rate(args)))
        apply_controls(engine, args)
        server = Server(engine, args)
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            server.start()
            print(server.banner(), flush=True)
            for note in server.notes:
                if note.startswith("warning:"):
                    print(f"{prog}: {note}", file=sys.stderr, flush=True)
            _wait(stop, args, server)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.stop()
        print(f"{prog}: stopped", file=sys.stderr)
        return 0

    return run(prog, body)


def _wait(stop: threading.Event, args: argparse.Namespace, server: Server) -> None:
    end = None if args.duration is None else time.monotonic() + args.duration
    step = args.status_every or 0.5
    while not stop.is_set():
        left = step if end is None else min(step, end - time.monotonic())
        if left <= 0 or stop.wait(left) or (end is not None and time.monotonic() >= end):
            break
        if args.status_every:
            status = server.osc.dispatcher.status() if server.osc else server.engine.stats()
            print(json.dumps(status), flush=True)
