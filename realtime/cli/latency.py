"""``waefader latency``: trigger-to-onset latency measured with pedalboard, not assumed.

Drives the engine block by block offline and through the live stream on the audio device
(a JACK server: the output is captured by a recorder process), detects the onsets in the
captured audio (pedalboard.io.AudioFile) and prints p50/p99 next to what the engine itself
reports. ``latency_ms_*`` is the live figure: event arrival -> the note's first sample in the
buffer handed to the device; the device's own output latency is ``device_latency_ms``.
``fx_added_ms`` is what the optional post-FX chain adds, measured on note onsets.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from realtime.cli.engine_args import (
    add_audio,
    add_model,
    device_rate,
    engine_config,
    load_renderer,
    run,
)
from realtime.cli.helptext import summary
from realtime.engine import EngineError
from realtime.engine.latency_check import Plan, fx_added_ms, live_check, offline_check, workdir


def parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    add_model(ap)
    add_audio(ap)
    ap.add_argument("--notes", type=int, default=100, help="notes per run (default 100)")
    ap.add_argument(
        "--cache",
        action="store_true",
        help="let repeated notes come from the cache (default: every note rendered)",
    )
    ap.add_argument("--offline-only", action="store_true", help="skip the live stream")
    ap.add_argument(
        "--keep", type=str, default=None, metavar="DIR", help="keep the captured WAVs here"
    )
    ap.add_argument("--seed", type=int, default=0, help="random event times (default 0)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    return ap


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    renderer = load_renderer(args.model)
    rate = device_rate(args)
    config = engine_config(args, rate, cache_mb=256.0 if args.cache else 0.0, channels=2)
    plan = Plan(notes=args.notes, seed=args.seed)
    folder, tmp = workdir(Path(args.keep) if args.keep else None)
    try:
        offline = offline_check(renderer, config, plan, folder / "offline.wav")
        fx = fx_added_ms(renderer, config, plan)
        live: dict[str, Any] | None = None
        live_error = None
        if not args.offline_only:
            try:
                live = live_check(renderer, config, plan, folder)
            except EngineError as exc:
                live_error = str(exc)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return report(config.blocksize, rate, offline, fx, live, live_error, args.cache)


def report(
    blocksize: int,
    rate: int,
    offline: dict[str, Any],
    fx: float | None,
    live: dict[str, Any] | None,
    live_error: str | None,
    cache: bool,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "blocksize": blocksize,
        "samplerate": rate,
        "offline_latency_ms_p50": offline["latency_ms"]["p50"],
        "offline_latency_ms_p99": offline["latency_ms"]["p99"],
        "offline_detected": offline["detected"],
        "fx_added_ms": fx,
        "cache": cache,
    }
    if live is None:
        out.update(
            {
                "latency_ms_p50": None,
                "latency_ms_p99": None,
                "device_latency_ms": None,
                "reported_latency_ms": None,
                "underflows": None,
                "live_error": live_error,
            }
        )
        return out
    s = live["stats"]
    out.update(
        {
            "latency_ms_p50": live["latency_ms"]["p50"],
            "latency_ms_p99": live["latency_ms"]["p99"],
            "latency_ms_max": live["latency_ms"]["max"],
            "device_latency_ms": s["device_latency_ms"],
            "reported_latency_ms": s["latency_ms_p50"],
            "engine_latency_ms_p99": s["latency_ms_p99"],
            "capture_minus_engine_ms_p50": live["capture_minus_engine_ms"]["p50"],
            "capture_minus_engine_ms_max": live["capture_minus_engine_ms"]["max"],
            "underflows": s["underflows"],
            "notes": live["notes"],
            "detected": live["detected"],
            "render_ms_p50": s["render_ms_p50"],
            "head_ms_p50": s["head_ms_p50"],
            "callback_load_mean": s["callback_load_mean"],
            "callback_load_max": s["callback_load_max"],
            "realtime_thread": s["realtime_thread"],
            "device": s["device"],
        }
    )
    return out


def format_text(r: dict[str, Any]) -> str:
    lines = [
        f"block {r['blocksize']} frames at {r['samplerate']} Hz"
        f" ({1000 * r['blocksize'] / r['samplerate']:.2f} ms)",
        f"offline (block by block): p50 {r['offline_latency_ms_p50']} ms, "
        f"p99 {r['offline_latency_ms_p99']} ms ({r['offline_detected']} onsets)",
    ]
    if r.get("latency_ms_p50") is None:
        lines.append(f"live: not measured ({r.get('live_error')})")
    else:
        lines += [
            f"live on {r['device']}: trigger-to-onset p50 {r['latency_ms_p50']} ms, "
            f"p99 {r['latency_ms_p99']} ms ({r['detected']}/{r['notes']} onsets captured)",
            f"engine's own report: p50 {r['reported_latency_ms']} ms, p99 "
            f"{r['engine_latency_ms_p99']} ms (capture - engine: median "
            f"{r['capture_minus_engine_ms_p50']} ms)",
            f"device output latency (apart): {r['device_latency_ms']:.2f} ms; underflows "
            f"{r['underflows']}; render p50 {r['render_ms_p50']} ms (first frames "
            f"{r['head_ms_p50']} ms)",
        ]
    lines.append(f"post-FX chain adds: {r['fx_added_ms']} ms")
    return "\n".join(lines)


def main(argv: list[str], prog: str = "waefader latency") -> int:
    args = parser(prog).parse_args(argv)
    if args.notes < 5:
        print(f"{prog}: error: --notes must be at least 5", file=sys.stderr)
        return 2

    def body() -> int:
        r = measure(args)
        print(json.dumps(r) if args.json else format_text(r))
        return 0

    return run(prog, body)
