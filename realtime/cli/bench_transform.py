"""``waefader bench transform``: what transform mode costs and whether it disturbs playing.

Times, on one CPU thread per model call, in one run:

- ``encode``: prepare a recorded note (resample, trim, fit), its log-Mel, the encoder, the
  pitch estimate and the analysis-by-synthesis of its style and dynamics;
- ``edit``: one re-render with new attributes (reconstruction + transformed, one call);
- ``total``: what ``/waefader/transform`` or the window's sample panel waits for;
- the render worker's whole-note time while idle and while transforms run beside it on
  the background thread (:mod:`realtime.transform.jobs`), and their ratio.

Notes come from ``--input`` (a folder of audio files) or are made here: harmonic notes at
44.1 kHz stereo with 50 ms of silence before them, like a user's recording.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from realtime.cli.bench_render import describe, random_controls, time_calls
from realtime.cli.helptext import summary
from realtime.manifest import ModelError
from realtime.model import OnnxSynth, SessionConfig, load_model
from realtime.transform import Edits, TransformError, encode_note, transform_encoded
from realtime.transform.core import read_note_audio
from realtime.transform.files import AUDIO_SUFFIXES
from realtime.transform.jobs import TransformJobs

Note = tuple[np.ndarray, int]  # samples (n,) or (n, channels), rate


def made_notes(count: int, rate: int = 44100) -> list[Note]:
    """``count`` harmonic notes from A2 upwards in fifths, 1.5 s, stereo, 50 ms lead."""
    t = np.arange(int(1.5 * rate)) / rate
    out = []
    for i in range(count):
        f0 = 110.0 * 1.5 ** (i % 6)
        x = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 10) if k * f0 < rate / 2.2)
        x = np.concatenate([np.zeros(rate // 20), 0.3 * x * np.exp(-1.5 * t)])
        out.append((np.stack([x, x], axis=1).astype(np.float32), rate))
    return out


def folder_notes(folder: Path, count: int) -> list[Note]:
    """Up to ``count`` readable audio files of ``folder`` (sorted by name)."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    notes = []
    for path in files:
        try:
            notes.append(read_note_audio(path))
        except TransformError:
            continue
        if len(notes) == count:
            break
    if not notes:
        raise TransformError(f"{folder} holds no readable audio files")
    return notes


def render_times(synth: OnnxSynth, n: int, seed: int) -> np.ndarray:
    """ms of ``n`` whole-note renders, back to back (what the render worker does)."""
    rng = np.random.default_rng(seed)
    controls = [random_controls(synth, rng) for _ in range(n)]
    it = iter(controls)
    return time_calls(lambda: synth.render(*next(it)), n)


def edits_for(synth: OnnxSynth, rng: np.random.Generator) -> Edits:
    name = synth.style_names[int(rng.integers(len(synth.style_names)))]
    return Edits(style=((name, 1.0),))


def time_transforms(synth: OnnxSynth, notes: list[Note], seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    enc, edit = np.empty(len(notes)), np.empty(len(notes))
    for i, (audio, rate) in enumerate(notes):
        t0 = time.perf_counter()
        encoded = encode_note(synth, audio, rate)
        t1 = time.perf_counter()
        transform_encoded(synth, encoded, edits_for(synth, rng))
        t2 = time.perf_counter()
        enc[i], edit[i] = (t1 - t0) * 1000, (t2 - t1) * 1000
    return {"encode": enc, "edit": edit, "total": enc + edit}


def renders_beside_transforms(
    synth: OnnxSynth, notes: list[Note], n: int, seed: int
) -> np.ndarray:
    """Render times while the background thread transforms ``notes`` over and over."""
    jobs = TransformJobs(limit=2)
    stop = threading.Event()

    def one(note: Note) -> None:
        if not stop.is_set():
            transform_encoded(synth, encode_note(synth, *note))

    feeder = threading.Thread(target=_feed, args=(jobs, notes, one, stop), daemon=True)
    feeder.start()
    time.sleep(0.2)  # the first transform is under way
    try:
        return render_times(synth, n, seed + 1)
    finally:
        stop.set()
        feeder.join(5.0)
        jobs.stop()


def _feed(
    jobs: TransformJobs, notes: list[Note], one: Callable[[Note], None], stop: threading.Event
) -> None:
    k = 0
    while not stop.is_set():
        note = notes[k % len(notes)]
        if jobs.submit(lambda note=note: one(note)):  # type: ignore[misc]
            k += 1
        else:
            time.sleep(0.01)


def bench(synth: OnnxSynth, notes: list[Note], renders: int, seed: int) -> dict[str, Any]:
    transform_encoded(synth, encode_note(synth, *notes[0]))  # warm caches and allocator
    times = time_transforms(synth, notes, seed)
    idle = render_times(synth, renders, seed)
    busy = renders_beside_transforms(synth, notes, renders, seed)
    out: dict[str, Any] = {f"{k}_ms_p50": _r(np.median(v)) for k, v in times.items()}
    out["total_ms_max"] = _r(np.max(times["total"]))
    out.update(
        render_idle_ms_p50=_r(np.median(idle)),
        render_idle_ms_p99=_r(np.percentile(idle, 99)),
        render_busy_ms_p50=_r(np.median(busy)),
        render_busy_ms_p99=_r(np.percentile(busy, 99)),
        render_slowdown_p50=_r(np.median(busy) / np.median(idle)),
        notes=len(notes),
        renders=renders,
    )
    return out


def _r(x: float) -> float:
    return round(float(x), 2)


def format_text(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"model        {r['model']} ({r['notes']} notes, {r['renders']} renders)",
            f"encode       p50 {r['encode_ms_p50']:.0f} ms (prepare, encoder, pitch, "
            "style + dynamics search)",
            f"edit         p50 {r['edit_ms_p50']:.0f} ms (reconstruction + transformed)",
            f"total        p50 {r['total_ms_p50']:.0f} ms, max {r['total_ms_max']:.0f} ms",
            f"note render  idle p50 {r['render_idle_ms_p50']:.1f} / p99 "
            f"{r['render_idle_ms_p99']:.1f} ms; beside transforms p50 "
            f"{r['render_busy_ms_p50']:.1f} / p99 {r['render_busy_ms_p99']:.1f} ms "
            f"({r['render_slowdown_p50']:.2f}x)",
        ]
    )


def main(argv: list[str], prog: str = "waefader bench transform") -> int:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: shipped)")
    ap.add_argument("--input", type=Path, help="folder of audio notes (default: made here)")
    ap.add_argument("--notes", type=int, default=12, help="notes to transform (default 12)")
    ap.add_argument("--renders", type=int, default=60, help="note renders timed (default 60)")
    ap.add_argument("--seed", type=int, default=0, help="random notes and z (default 0)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.notes < 1 or args.renders < 2:
        ap.error("--notes must be >= 1 and --renders >= 2")
    try:
        synth = load_model(args.model, SessionConfig(intra_op_threads=1))
        notes = folder_notes(args.input, args.notes) if args.input else made_notes(args.notes)
        result = {**bench(synth, notes, args.renders, args.seed), **describe(synth, 1)}
    except (ModelError, TransformError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else format_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
