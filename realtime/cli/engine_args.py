"""Options and helpers shared by the engine commands (serve, render, latency, bench poly)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from realtime.cli.styles import StyleError, add_style_options, describe_mix, style_weights
from realtime.engine import ControlError, Engine, EngineConfig, EngineError, PresetError
from realtime.renderer import NoteRenderer

BLOCKSIZE = 256


class CliError(Exception):
    """A user mistake or an unusable environment: printed as one line, exit code 2."""


def add_model(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--model",
        type=Path,
        default=None,
        help="exported model folder (default: the shipped model)",
    )


def add_audio(ap: argparse.ArgumentParser, blocksize: int = BLOCKSIZE) -> None:
    g = ap.add_argument_group("audio")
    g.add_argument("--device", default=None, help="output device: index or name fragment")
    g.add_argument(
        "--blocksize",
        type=int,
        default=blocksize,
        help=f"frames per callback (default {blocksize})",
    )
    g.add_argument(
        "--samplerate",
        type=int,
        default=None,
        help="device sample rate (default: the device's own)",
    )
    g.add_argument("--voices", type=int, default=32, help="polyphony (default 32)")
    g.add_argument(
        "--client-name",
        default="waefader",
        help="JACK/ALSA client name (default waefader; one per instance to run several)",
    )
    g.add_argument(
        "--connect",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="JACK: connect the outputs to the device's playback ports (default: yes)",
    )
    g.add_argument(
        "--output",
        choices=("portaudio", "jack-ring"),
        default="portaudio",
        help="portaudio: the device's thread calls the Python mixer (sounddevice); jack-ring: "
        "a native JACK client plays from a ring the mixer fills --ring-blocks ahead, so a "
        "busy machine cannot make it miss a cycle (default portaudio)",
    )
    g.add_argument(
        "--ring-blocks",
        type=int,
        default=2,
        metavar="N",
        help="jack-ring: blocks written ahead; the mixer may fall N-1 blocks behind without a "
        "dropout, and N blocks are added to the latency (default 2)",
    )
    g.add_argument(
        "--fixed-latency",
        type=float,
        default=None,
        metavar="MS",
        help="delay every live event to this constant latency (zero jitter)",
    )


def add_controls(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("sound")
    g.add_argument("--preset", default=None, help="preset name or JSON file")
    g.add_argument("--gain", type=float, default=None, help="output gain in dB")
    g.add_argument("--fx", action="store_true", help="the post-FX chain (pedalboard)")
    add_style_options(g)


def load_renderer(model: Path | None) -> NoteRenderer:
    from realtime.manifest import ModelError
    from realtime.model import load_model

    try:
        return load_model(model)
    except ModelError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot read model {model}: {exc}") from None


def device_rate(args: argparse.Namespace) -> int:
    """--samplerate, else the chosen device's default rate (48000 when there is none)."""
    if args.samplerate:
        return int(args.samplerate)
    try:
        from realtime.engine.stream import resolve_device

        return int(resolve_device(args.device).default_samplerate)
    except EngineError:
        return 48000


def engine_config(args: argparse.Namespace, sample_rate: int, **extra: Any) -> EngineConfig:
    device = args.device
    if isinstance(device, str) and device.isdigit():
        device = int(device)
    try:
        return EngineConfig(
            sample_rate=sample_rate,
            blocksize=args.blocksize,
            device=device,
            max_voices=args.voices,
            fixed_latency_ms=args.fixed_latency,
            client_name=getattr(args, "client_name", "waefader"),
            connect=getattr(args, "connect", True),
            output=getattr(args, "output", "portaudio"),
            ring_blocks=getattr(args, "ring_blocks", 2),
            **extra,
        )
    except EngineError as exc:
        raise CliError(str(exc)) from None


def apply_controls(engine: Engine, args: argparse.Namespace) -> None:
    try:
        if args.preset:
            for warning in engine.load_preset(args.preset):
                print(f"preset: {warning}", file=sys.stderr)
        if args.gain is not None:
            engine.set("gain", args.gain)
        if args.fx:
            engine.set("fx", True)
        if getattr(args, "style", None):  # after the preset: --style wins over its mix
            engine.set("style", style_weights(engine.controls.style_names, args.style))
    except (PresetError, ControlError, StyleError) as exc:
        raise CliError(str(exc)) from None


def style_mix(engine: Engine) -> str:
    """The style mix the engine plays, for summaries: ``violin`` or ``violin 0.7 + flute 0.3``."""
    return describe_mix(engine.controls.style_names, engine.get("style"))  # type: ignore[arg-type]


def run(prog: str, body: Callable[[], int]) -> int:
    """Run a command body; user-facing errors become one line on stderr and exit 2."""
    from realtime.midi.mapping import MidiError
    from realtime.osc.server import OscError

    try:
        return body()
    except (CliError, EngineError, PresetError, ControlError, MidiError, OscError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
