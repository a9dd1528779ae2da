"""``waefader play`` on a machine without a display: demo WAV, then the headless server.

The run command of the README is the same everywhere; where no window can open, the user
still gets a rendered demo phrase to listen to and the OSC / MIDI server to play.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from gui.bridge import BackendError
from gui.demo import render_demo
from gui.engine_backend import open_model

SERVE_MODULE = "realtime.cli.serve"


def serve_argv(args: argparse.Namespace) -> list[str]:
    """The ``waefader serve`` options equivalent to our own."""
    out: list[str] = []
    pairs = (
        ("--model", args.model), ("--device", args.device), ("--blocksize", args.blocksize),
        ("--samplerate", args.samplerate), ("--voices", args.voices),
        ("--fixed-latency", args.fixed_latency),
        ("--osc-host", args.osc_host), ("--osc-port", args.osc_port),
        ("--osc-reply-port", args.osc_reply_port), ("--midi-port", args.midi_port),
        ("--midi-api", args.midi_api), ("--midi-channel", args.midi_channel),
        ("--cc-map", args.cc_map), ("--preset", args.preset),
        ("--client-name", getattr(args, "client_name", None)),
        ("--output", getattr(args, "output", None)),
        ("--ring-blocks", getattr(args, "ring_blocks", None)),
    )
    for flag, value in pairs:
        if value is not None:
            out += [flag, str(value)]
    for style in getattr(args, "style", None) or []:
        out += ["--style", style]
    for flag, on in (("--no-audio", args.no_audio), ("--no-osc", args.no_osc),
                     ("--no-midi", args.no_midi),
                     ("--no-connect", not getattr(args, "connect", True))):
        if on:
            out.append(flag)
    return out


def run_headless(args: argparse.Namespace, prog: str) -> int:
    print(
        f"{prog}: no display (DISPLAY and WAYLAND_DISPLAY are unset), so no window: "
        "starting the headless server instead (waefader serve), after rendering a demo "
        f"phrase to {args.demo_out}",
        flush=True,
    )
    try:
        synth = open_model(args.model)
    except BackendError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    try:
        figures = render_demo(synth, args.demo_out, args.samplerate or 48000)
    except OSError as exc:
        print(f"{prog}: cannot write {args.demo_out}: {exc}", file=sys.stderr)
        return 2
    print(f"{prog}: wrote {args.demo_out} ({figures['seconds']:.1f} s of audio)", flush=True)
    if args.demo_only:
        return 0
    serve = importlib.import_module(SERVE_MODULE)
    result: int = serve.main(serve_argv(args), prog="waefader serve")
    return result
