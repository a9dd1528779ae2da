"""``waefader render SCORE --out FILE.wav``: a MIDI file or an OSC score, rendered offline.

The engine's own render worker and audio callback run in freewheel (as fast as the CPU
goes, block by block), so the file sounds as the live synth would, with every note on its
exact sample. Written with pedalboard.io.AudioFile (WAV, FLAC, ... by extension).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from realtime.cli.engine_args import (
    CliError,
    add_controls,
    add_model,
    apply_controls,
    load_renderer,
    run,
    style_mix,
)
from realtime.cli.helptext import summary
from realtime.cli.styles import list_styles_if_asked
from realtime.engine import Engine, EngineConfig
from realtime.engine.offline import Action, freewheel

MIDI_SUFFIXES = (".mid", ".midi", ".smf")


def parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    ap.add_argument("score", type=Path, help="MIDI file (.mid) or OSC score (.json or text)")
    ap.add_argument("--out", type=Path, required=True, help="audio file to write (.wav, .flac)")
    add_model(ap)
    ap.add_argument("--samplerate", type=int, default=48000, help="output rate (default 48000)")
    ap.add_argument("--blocksize", type=int, default=256, help="engine block (default 256)")
    ap.add_argument("--voices", type=int, default=32, help="polyphony (default 32)")
    ap.add_argument(
        "--channels", type=int, default=2, choices=[1, 2], help="1 mono, 2 stereo (default 2)"
    )
    ap.add_argument(
        "--tail", type=float, default=3.0, help="seconds after the last event (default 3)"
    )
    ap.add_argument(
        "--max-duration",
        type=float,
        default=3600.0,
        metavar="S",
        help="refuse a score whose last event comes later than S seconds (default 3600)",
    )
    ap.add_argument("--cc-map", default=None, help="JSON CC map for MIDI files")
    ap.add_argument("--seed", type=int, default=0, help="latent variation noise (default 0)")
    add_controls(ap)
    ap.add_argument("--json", action="store_true", help="print one JSON summary")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    return ap


def score_actions(engine: Engine, path: Path, cc_map: str | None) -> list[tuple[float, Action]]:
    if not path.is_file():
        raise CliError(f"score not found: {path}")
    if path.suffix.lower() in MIDI_SUFFIXES:
        from realtime.midi import CcMap, MidiHandler
        from realtime.midi.midifile import midi_actions

        handler = MidiHandler(engine, CcMap.for_controls(engine.controls, cc_map))
        return midi_actions(handler, path)
    from realtime.osc import OscDispatcher
    from realtime.osc.score import ScoreError, read_score

    dispatcher = OscDispatcher(engine)
    try:
        entries = read_score(path)
    except ScoreError as exc:
        raise CliError(str(exc)) from None

    def action(dgram: bytes) -> Action:
        return lambda frame: dispatcher.handle_datagram(dgram, None, 0.0, frame=frame)

    return [(t, action(d)) for t, d in entries]


def render(args: argparse.Namespace) -> dict[str, Any]:
    from pedalboard.io import AudioFile

    renderer = load_renderer(args.model)
    cfg = EngineConfig(
        sample_rate=args.samplerate,
        blocksize=args.blocksize,
        channels=args.channels,
        max_voices=args.voices,
        seed=args.seed,
    )
    engine = Engine(renderer, cfg)
    apply_controls(engine, args)
    actions = score_actions(engine, args.score, args.cc_map)
    last = max((t for t, _ in actions), default=0.0)
    if not last <= args.max_duration:  # before any file is written (NaN refused too)
        raise CliError(
            f"{args.score}: the score's last event is at {last:.0f} s, over --max-duration "
            f"{args.max_duration:g} s (raise it to render this score)"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    peak, frames = 0.0, 0
    bar = _progress(last, args.no_progress or args.json)
    try:
        with AudioFile(str(args.out), "w", args.samplerate, args.channels) as f:
            for block in freewheel(
                engine, actions, blocksize=args.blocksize, tail_s=args.tail, channels=args.channels
            ):
                f.write(block.T)  # pedalboard wants (channels, frames)
                peak = max(peak, float(np.abs(block).max()))
                frames += block.shape[0]
                if bar is not None:
                    bar.update(max(0.0, min(frames / args.samplerate, bar.total) - bar.n))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot write {args.out}: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    wall = time.perf_counter() - t0
    s = engine.stats()
    return {
        "out": str(args.out),
        "seconds": round(frames / args.samplerate, 3),
        "samplerate": args.samplerate,
        "blocksize": args.blocksize,
        "events": len(actions),
        "notes": s["notes_started"],
        "late_notes": s["late_notes"],
        "steals": s["steals"],
        "peak": round(peak, 4),
        "render_s": round(wall, 3),
        "realtime_factor": round(frames / args.samplerate / wall, 1) if wall > 0 else None,
        "render_errors": s["render_errors"],
        "styles": style_mix(engine),
    }


def _progress(total: float, quiet: bool) -> Any:
    if quiet or total <= 0:
        return None
    from tqdm import tqdm

    return tqdm(
        total=round(total, 2),
        unit="s",
        desc="render",
        bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} s",
    )


def main(argv: list[str], prog: str = "waefader render") -> int:
    listed = list_styles_if_asked(argv, prog)
    if listed is not None:
        return listed
    args = parser(prog).parse_args(argv)

    def body() -> int:
        result = render(args)
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"wrote {result['out']}: {result['seconds']} s, {result['notes']} notes "
                f"({result['styles']}), peak {result['peak']:.2f}, "
                f"{result['realtime_factor']}x real time"
            )
        return 0

    return run(prog, body)
