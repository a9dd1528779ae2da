"""``waefader transform IN --out OUT``: the encoder as an audio effect.

A recorded note (any format, rate, channels, length) is encoded, its attributes estimated
(or given), changed as asked and re-rendered by the model. IN may be a folder: every audio
file under it is transformed into the folder OUT (same sub-folders, ``.wav``), and files
that cannot be used are listed with their reason and skipped.

Exit codes: 0 done; 1 (folder) some files were skipped; 2 a user mistake or nothing could be
transformed (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from realtime.cli.helptext import summary
from realtime.transform.core import transform_file
from realtime.transform.edits import (
    Edits,
    SourceHints,
    parse_dynamics,
    parse_pitch,
    parse_styles,
)
from realtime.transform.errors import TransformError
from realtime.transform.files import (
    Job,
    check_outputs,
    plan_file,
    plan_folder,
    scan_folder,
    write_note,
)
from realtime.transform.synth import EncoderSynth


def parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    ap.add_argument("input", type=Path, metavar="IN", help="an audio file or a folder of them")
    ap.add_argument("--out", type=Path, required=True, help="output file (.wav/.flac) or folder")
    g = ap.add_argument_group("changes")
    g.add_argument("--style", action="append", default=[], metavar="NAME=W",
                   help="target style weight (repeat or comma-separate to mix; NAME alone = 1); "
                        "default: the source's style")  # fmt: skip
    pitch = g.add_mutually_exclusive_group()
    pitch.add_argument("--pitch", default=None, help="target pitch: MIDI number or name (A4)")
    pitch.add_argument("--transpose", type=int, default=0, metavar="N", help="semitones")
    g.add_argument("--dynamics", default=None, metavar="D",
                   help="pp, mf, ff or a velocity 1..127 (default: the source's)")  # fmt: skip
    g.add_argument(
        "--latent-scale",
        type=float,
        default=1.0,
        metavar="S",
        help="multiply the encoded z, 1: unchanged, 0: the prior's centre (default 1)",
    )
    s = ap.add_argument_group("the source note (estimated when not given)")
    s.add_argument("--source-pitch", default=None, metavar="P", help="MIDI number or name")
    s.add_argument("--source-style", default=None, metavar="NAME", help="one of the model's")
    s.add_argument("--source-dynamics", default=None, metavar="D", help="pp, mf, ff or velocity")
    s.add_argument("--input-gain", type=float, default=0.0, metavar="DB",
                   help="gain applied to the input before encoding (default 0 dB)")  # fmt: skip
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: shipped)")
    ap.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    ap.add_argument(
        "--also-reconstruction",
        action="store_true",
        help="also write NAME.reconstruction.wav (the note rendered unchanged)",
    )
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    return ap


def edits_from(args: argparse.Namespace) -> tuple[Edits, SourceHints]:
    edits = Edits(
        style=parse_styles(args.style),
        pitch=parse_pitch(args.pitch) if args.pitch is not None else None,
        transpose=args.transpose,
        velocity=parse_dynamics(args.dynamics) if args.dynamics is not None else None,
        latent_scale=args.latent_scale,
    )
    hints = SourceHints(
        pitch=parse_pitch(args.source_pitch) if args.source_pitch is not None else None,
        style=args.source_style,
        velocity=parse_dynamics(args.source_dynamics) if args.source_dynamics else None,
    )
    return edits, hints


def load_synth(path: Path | None) -> EncoderSynth:
    from realtime.manifest import ModelError
    from realtime.model import load_model

    try:
        synth = load_model(path)
    except ModelError as exc:
        raise TransformError(str(exc)) from None
    except OSError as exc:
        raise TransformError(f"cannot read model {path}: {exc}") from None
    if not synth.has_encoder:
        raise TransformError(
            f"model {synth.root} has no encoder graph (encoder.onnx): export it without "
            "--no-encoder to use transform mode"
        )
    return synth


def check_styles(synth: EncoderSynth, edits: Edits, hints: SourceHints) -> None:
    """Unknown style names fail before any audio is read."""
    names = synth.style_names
    for name in [n for n, _ in edits.style] + ([hints.style] if hints.style else []):
        if name not in names:
            raise TransformError(f"unknown style {name!r}; this model's styles: {', '.join(names)}")


def run_job(synth: EncoderSynth, job: Job, edits: Edits, hints: SourceHints,
            gain_db: float) -> dict[str, Any]:  # fmt: skip
    """Transform one file and write its outputs; returns its JSON entry."""
    t0 = time.perf_counter()
    result = transform_file(synth, job.source, edits, hints, gain_db)
    ms = 1000 * (time.perf_counter() - t0)
    entry: dict[str, Any] = {"input": str(job.source), "output": str(job.out)}
    entry["scaled_db"] = round(write_note(job.out, result.transformed, result.sample_rate), 2)
    if job.reconstruction is not None:
        write_note(job.reconstruction, result.reconstruction, result.sample_rate)
        entry["reconstruction"] = str(job.reconstruction)
    entry.update(result.summary())
    entry["ms"] = round(ms, 1)
    return entry


def describe(entry: dict[str, Any]) -> str:
    src, tgt = entry["source"], entry["target"]

    def words(a: dict[str, Any]) -> str:
        style = "+".join(f"{k}" if v == 1 else f"{k}={v:g}" for k, v in a["style"].items())
        return f"{a['note']} {style} {a['dynamics']}"

    how = "given" if "pitch" in src["given"] else f"{src.get('pitch_hz', 0):.1f} Hz"
    text = f"{entry['input']}: {words(src)} ({how}) -> {words(tgt)}: wrote {entry['output']}"
    if entry.get("scaled_db"):
        text += f" (scaled {entry['scaled_db']:.1f} dB to avoid clipping)"
    return text


def run_single(args: argparse.Namespace, edits: Edits, hints: SourceHints) -> int:
    job = plan_file(args.input, args.out, args.also_reconstruction)
    check_outputs([job], args.overwrite)
    synth = load_synth(args.model)
    check_styles(synth, edits, hints)
    try:
        entry = run_job(synth, job, edits, hints, args.input_gain)
    except TransformError as exc:
        raise TransformError(f"{args.input}: {exc}") from None
    print(json.dumps(entry) if args.json else describe(entry))
    return 0


def run_folder(args: argparse.Namespace, edits: Edits, hints: SourceHints) -> int:
    from tqdm import tqdm

    files, skipped_other = scan_folder(args.input, args.out)
    if not files:
        n = len(skipped_other)
        others = f" ({n} other files)" if n else ""
        raise TransformError(f"{args.input} holds no audio files{others}")
    jobs = plan_folder(args.input, args.out, files, args.also_reconstruction)
    check_outputs(jobs, args.overwrite)
    synth = load_synth(args.model)
    check_styles(synth, edits, hints)
    done: list[dict[str, Any]] = []
    skipped = list(skipped_other)
    bar = tqdm(jobs, desc="transform", unit="note", disable=args.json or args.no_progress)
    for job in bar:
        try:
            done.append(run_job(synth, job, edits, hints, args.input_gain))
        except TransformError as exc:
            skipped.append((job.source, str(exc)))
    report = {
        "input": str(args.input),
        "out": str(args.out),
        "n_transformed": len(done),
        "n_skipped": len(skipped),
        "transformed": done,
        "skipped": [{"path": str(p), "reason": r} for p, r in sorted(skipped)],
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"transformed {len(done)} of {len(files)} audio files into {args.out}")
        for p, r in sorted(skipped):
            print(f"skipped {p}: {r}")
    if not done:
        return 2
    return 1 if skipped else 0


def main(argv: list[str], prog: str = "waefader transform") -> int:
    args = parser(prog).parse_args(argv)
    try:
        edits, hints = edits_from(args)
        if args.input.is_dir():
            return run_folder(args, edits, hints)
        return run_single(args, edits, hints)
    except TransformError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
