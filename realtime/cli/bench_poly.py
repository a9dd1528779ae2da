"""``waefader bench poly``: the highest note-on rate the engine sustains with zero underflows.

Plays notes (random pitches in the model's range, random velocities and lengths, every note
rendered: the cache is off unless ``--cache``) at fixed rates on the audio device. A rate
passes when the run has no underflow (device-reported or a callback longer than its block)
and the render worker keeps up (every note started; trigger-to-onset p99 under 50 ms; no
note ran out of its first frames before its whole render came).
Short probes at rising rates find the candidate; it is then confirmed for ``--duration``
seconds (default 60), stepping down if it fails.
Every run also reports the callback's headroom: its worst block against the block period
(``callback_worst_budget``; ``headroom_ok`` when at most ``HEADROOM``), the longest gap
between two callbacks, the stalls, and in ``timing`` the block-time and gap histograms,
the worst stalls with the collector passes and render-worker steps that overlapped them,
and the worker's GIL-holding steps (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from realtime.cli.engine_args import (
    CliError,
    add_audio,
    add_model,
    device_rate,
    engine_config,
    load_renderer,
    run,
)
from realtime.cli.helptext import summary
from realtime.engine import Engine
from realtime.engine.latency_check import note_choices
from realtime.engine.priority import temporarily
from realtime.engine.steal import StealSampler

RATES = (8, 16, 24, 32, 40, 48, 64, 80, 96, 128)
KEEP_UP_MS = 50.0
HEADROOM = 0.5  # the worst block may take at most this share of its period


def parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    add_model(ap)
    add_audio(ap)
    ap.add_argument("--duration", type=float, default=60.0, help="confirmation run, s (default 60)")
    ap.add_argument("--probe", type=float, default=8.0, help="probe run per rate, s (default 8)")
    ap.add_argument(
        "--rates",
        default=",".join(map(str, RATES)),
        help="note-on rates to try (default %(default)s)",
    )
    ap.add_argument(
        "--cache", action="store_true", help="allow cached notes (default: all rendered)"
    )
    ap.add_argument(
        "--no-gc-control",
        action="store_true",
        help=(
            "leave the garbage collector as Python sets it, to measure what it costs"
            " (default: off, the collector is controlled)"
        ),
    )
    ap.add_argument("--seed", type=int, default=0, help="random notes and z (default 0)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return ap


def _headroom(s: dict[str, Any]) -> float:
    """The worst block against its period, of the callback that has the deadline."""
    native = s.get("native_callback_worst_ms")
    if native is None:
        return float(s["callback_worst_budget"])
    return float(native) / (1e3 * int(s["blocksize"]) / int(s["samplerate"]))


def play(
    engine: Engine,
    rate: float,
    seconds: float,
    rng: np.random.Generator,
    steal: StealSampler | None = None,
) -> dict[str, Any]:
    """Note-ons at ``rate`` per second for ``seconds``; the figures of that run."""
    engine.panic()
    time.sleep(0.3)
    if steal is not None:
        steal.clear()
    n = max(1, round(rate * seconds))
    notes = note_choices(engine.renderer, n, rng)
    lengths = rng.uniform(0.15, 1.0, size=n)
    engine.meter.reset()
    reset_native = getattr(engine.output, "reset_worst", None)
    if reset_native is not None:  # jack-ring: its native callback's worst, this run only
        reset_native()
    xruns_before = getattr(engine.output, "xruns", None)
    start = time.perf_counter()
    for i, ((pitch, velocity), length) in enumerate(zip(notes, lengths, strict=True)):
        due = start + i / rate
        while (left := due - time.perf_counter()) > 0:
            time.sleep(min(left, 0.01))
        engine.note_on(pitch, velocity, float(length))
    engine.wait_idle(2.0)
    time.sleep(0.1)
    s = engine.stats()
    xruns_after = getattr(engine.output, "xruns", None)
    stolen = steal.rows() if steal is not None else None
    timing = engine.meter.timing_report(start, stolen)
    kept_up = s["notes_started"] >= n and (s["latency_ms_p99"] or 0.0) <= KEEP_UP_MS
    return {
        "rate": rate,
        "seconds": round(time.perf_counter() - start, 2),
        "notes": n,
        "underflows": s["underflows"],
        "device_underflows": s["device_underflows"],
        "overruns": s["overruns"],
        "notes_started": s["notes_started"],
        "latency_ms_p50": s["latency_ms_p50"],
        "latency_ms_p99": s["latency_ms_p99"],
        "render_ms_p50": s["render_ms_p50"],
        "head_ms_p50": s["head_ms_p50"],
        "callback_load_mean": s["callback_load_mean"],
        "callback_load_max": s["callback_load_max"],
        "peak_voices": s["peak_voices"],
        "steals": s["steals"],
        "starved": s["starved"],
        "ok": s["underflows"] == 0 and kept_up and s["starved"] == 0,
        "callback_worst_ms": s["callback_worst_ms"],
        "callback_worst_budget": s["callback_worst_budget"],
        # jack-ring: the deadline is the native callback's; the mixer thread may run late
        "native_callback_worst_ms": s["native_callback_worst_ms"],
        # cycles the whole JACK graph missed (the server's xrun reports: the ring's own
        # client, or PortAudio's watcher, server_xruns.py). PortAudio counts each among its
        # device underflows, the ring only where it ran dry
        "server_xruns": (
            None if xruns_before is None or xruns_after is None else xruns_after - xruns_before
        ),
        "headroom_ok": _headroom(s) <= HEADROOM,
        "callback_gap_max_ms": s["callback_gap_max_ms"],
        "callback_wait_max_ms": s["callback_wait_max_ms"],
        "stalls": s["stalls"],
        "gc_ms_max": s["gc_ms_max"],
        "gc_on_audio_thread": s["gc_on_audio_thread"],
        "worker_step_max_ms": s["worker_step_max_ms"],
        "worker_step_max": s["worker_step_max"],
        "host_steal_ms": None if steal is None else round(steal.total_s() * 1e3, 1),
        "timing": timing,
    }


def search(
    engine: Engine,
    rates: list[float],
    probe: float,
    duration: float,
    seed: int,
    log: Any,
    steal: StealSampler | None = None,
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    probes = []
    for rate in rates:
        r = play(engine, rate, probe, rng, steal)
        probes.append(r)
        log(
            f"probe {rate:g}/s for {probe:g} s: {'ok' if r['ok'] else 'fail'} "
            f"(underflows {r['underflows']}, p99 {r['latency_ms_p99']} ms, "
            f"worst block {r['callback_worst_budget']:.2f} of its period, stalls {r['stalls']}, "
            f"server xruns {r['server_xruns']})"
        )
        if not r["ok"]:
            break
    passed = [p["rate"] for p in probes if p["ok"]]
    confirmed = None
    for rate in sorted(passed, reverse=True):
        r = play(engine, rate, duration, rng, steal)
        log(
            f"confirm {rate:g}/s for {duration:g} s: {'ok' if r['ok'] else 'fail'} "
            f"(underflows {r['underflows']}, worst block {r['callback_worst_budget']:.2f} "
            f"of its period, longest gap {r['callback_gap_max_ms']:.1f} ms, "
            f"host steal {r['host_steal_ms']} ms, server xruns {r['server_xruns']})"
        )
        probes.append({**r, "confirm": True})
        if r["ok"]:
            confirmed = r
            break
    return {"confirmed": confirmed, "runs": probes}


def main(argv: list[str], prog: str = "waefader bench poly") -> int:
    args = parser(prog).parse_args(argv)

    def body() -> int:
        try:
            rates = sorted(float(x) for x in args.rates.split(",") if x.strip())
        except ValueError:
            raise CliError(
                f"--rates must be numbers separated by commas, not {args.rates!r}"
            ) from None
        if not rates or rates[0] <= 0 or args.duration <= 0 or args.probe <= 0:
            raise CliError("rates and durations must be positive")
        renderer = load_renderer(args.model)
        rate = device_rate(args)
        config = engine_config(
            args, rate, cache_mb=256.0 if args.cache else 0.0, gc_control=not args.no_gc_control
        )
        engine = Engine(renderer, config)
        engine.set("gain", -12.0)
        log = (
            (lambda _m: None)
            if args.quiet
            else (lambda m: print(f"{prog}: {m}", flush=True, file=__import__("sys").stderr))
        )
        engine.start()
        steal = StealSampler()  # the host's own stalls, to tell them from the engine's
        steal.start()
        # this thread plays the notes: it stands for an OSC or MIDI input thread, which the
        # engine runs real-time (realtime.engine.priority)
        try:
            with temporarily(engine.config.worker_rt_priority, engine.config.nice):
                result = search(engine, rates, args.probe, args.duration, args.seed, log, steal)
            device = engine.stats()["device"]
        finally:
            steal.stop()
            engine.stop()
        best = result["confirmed"]
        out = {
            "blocksize": args.blocksize,
            "samplerate": rate,
            "duration_s": args.duration,
            "max_note_rate": best["rate"] if best else 0.0,
            "underflows": best["underflows"] if best else None,
            "callback_worst_budget": best["callback_worst_budget"] if best else None,
            "gc_control": engine.config.gc_control,
            "voices": args.voices,
            "cache": args.cache,
            "device": device,
            "confirm_run": best,
            "runs": result["runs"],
        }
        if args.json:
            print(json.dumps(out))
        else:
            print(
                f"max note rate with zero underflows: {out['max_note_rate']:g} note-ons/s over "
                f"{args.duration:g} s at {args.blocksize} frames ({device})"
            )
        return 0

    return run(prog, body)
