"""``waefader bench render``: how fast a model renders notes on one CPU core.

Times whole notes one at a time (the engine's render worker does the same), the fast-start
head (time to the first 100 ms of audio), and 100-iteration Griffin-Lim of one note's
features in the same run, so the ratio holds on whatever machine runs it. Medians and
ratios are the figures to quote; p99 shows the tail the engine must absorb.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from realtime.cli.helptext import summary
from realtime.conditions import N_DYNAMICS, note_weights
from realtime.dsp.features import log_mel
from realtime.dsp.griffinlim import features_to_audio
from realtime.manifest import ModelError
from realtime.model import OnnxSynth, SessionConfig, load_model

FIRST_AUDIO_MS = 100.0  # the first-audio figure is the time to this much audio


def random_controls(synth: OnnxSynth, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """One playable note: z from the prior, a pitch inside a random style's range,
    a random dynamic. Each array has a leading batch axis of 1."""
    s = int(rng.integers(len(synth.style_names)))
    lo, hi = synth.style_ranges[synth.style_names[s]]
    pc, octv = note_weights(int(rng.integers(lo, hi + 1)))
    style = np.zeros(len(synth.style_names), np.float32)
    style[s] = 1.0
    dyn = np.zeros(N_DYNAMICS, np.float32)
    dyn[int(rng.integers(N_DYNAMICS))] = 1.0
    z = (rng.standard_normal(synth.latent_dim) * synth.prior_std).astype(np.float32)
    return tuple(a[None, :] for a in (z, pc, octv, style, dyn))


def time_calls(fn: Callable[[], Any], n: int) -> np.ndarray:
    """Milliseconds of ``n`` calls, each timed alone."""
    out = np.empty(n)
    for i in range(n):
        t0 = time.perf_counter()
        fn()
        out[i] = (time.perf_counter() - t0) * 1000.0
    return out


def first_audio_call(synth: OnnxSynth, controls: tuple[np.ndarray, ...]) -> Callable[[], Any]:
    """The cheapest call that yields the first 100 ms: the head graph when it is long
    enough, else a whole note."""
    need = int(np.ceil(FIRST_AUDIO_MS / 1000.0 * synth.sample_rate))
    if synth.head_samples > 0 and synth.head_samples >= need:
        return lambda: synth.render_head(*controls)
    return lambda: synth.render(*controls)


def bench(synth: OnnxSynth, n: int, gla_runs: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    notes = [random_controls(synth, rng) for _ in range(n)]
    for c in notes[:3]:  # warm caches and allocator
        synth.render(*c)
    it = iter(range(n))
    render_ms = time_calls(lambda: synth.render(*notes[next(it)]), n)
    it = iter(range(n))
    head_ms = time_calls(lambda: first_audio_call(synth, notes[next(it)])(), n)
    audio = synth.render(*notes[0])[0]
    feats = log_mel(audio, synth.manifest.features)
    gla_ms = time_calls(lambda: features_to_audio(feats, synth.manifest.features, 100), gla_runs)
    note_ms = 1000.0 * synth.note_samples / synth.sample_rate
    p50 = float(np.median(render_ms))
    gla50 = float(np.median(gla_ms))
    return {
        "render_ms_p50": round(p50, 3),
        "render_ms_p99": round(float(np.percentile(render_ms, 99)), 3),
        "first_audio_ms_p50": round(float(np.median(head_ms)), 3),
        "rtf": round(note_ms / p50, 1),
        "gla_ms_p50": round(gla50, 1),
        "gla_ratio": round(gla50 / p50, 1),
        "note_ms": round(note_ms, 1),
        "head_samples": synth.head_samples,
        "n": n,
        "gla_runs": gla_runs,
    }


def describe(synth: OnnxSynth, threads: int) -> dict[str, Any]:
    """Which model and machine the figures belong to."""
    sizes = {g.file: (synth.root / g.file).stat().st_size for g in synth.manifest.graphs.values()}
    return {
        "model": str(synth.root),
        "threads": threads,
        "sample_rate": synth.sample_rate,
        "note_samples": synth.note_samples,
        "graph_bytes": sizes,
        "quantization": synth.manifest.model.get("quantization", "none"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
    }


def format_text(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"model       {r['model']} ({r['threads']} thread(s))",
            f"whole note  p50 {r['render_ms_p50']:.2f} ms  p99 {r['render_ms_p99']:.2f} ms "
            f"({r['note_ms']:.0f} ms of audio, {r['rtf']:.0f}x real time)",
            f"first 100ms p50 {r['first_audio_ms_p50']:.2f} ms",
            f"Griffin-Lim p50 {r['gla_ms_p50']:.0f} ms (100 iterations): "
            f"{r['gla_ratio']:.0f}x slower than the model",
        ]
    )


def main(argv: list[str], prog: str = "waefader bench render") -> int:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: shipped)")
    ap.add_argument("--n", type=int, default=50, help="notes to time (default 50)")
    ap.add_argument(
        "--threads", type=int, default=1, help="onnxruntime intra-op threads (default 1)"
    )
    ap.add_argument("--gla-runs", type=int, default=3, help="Griffin-Lim runs (default 3)")
    ap.add_argument("--seed", type=int, default=0, help="random notes and z (default 0)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.n < 1 or args.gla_runs < 1 or args.threads < 1:
        ap.error("--n, --gla-runs and --threads must be >= 1")
    try:
        synth = load_model(args.model, SessionConfig(intra_op_threads=args.threads))
    except ModelError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    result = {**bench(synth, args.n, args.gla_runs, args.seed), **describe(synth, args.threads)}
    print(json.dumps(result) if args.json else format_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
