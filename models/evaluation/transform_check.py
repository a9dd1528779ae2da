"""Transform mode on notes the model has never seen, judged by the evaluation's judges.

``python -m models.evaluation.transform_check [--model DIR] [--judges DIR] --notes DIR --json``
(defaults: the shipped model and the judges shipped with it)

Every note of ``--notes`` (rendered there by :mod:`models.evaluation.unseen_notes` when the
folder holds no notes yet; or any folder of recordings) is encoded once and re-rendered
with each of the model's styles as the target, at its own pitch (moved by octaves into the
target style's range when outside it) and its own dynamics: the same code as
``waefader transform`` (:mod:`realtime.transform.core`). Measured:

- output length and pitch: every note has ``note_samples`` samples; its YIN pitch
  (:mod:`realtime.transform.pitch`) is the target pitch; the judges' pitch-class and octave
  predictions agree;
- style: the judges' style prediction is the target style (``style_recognition``; chance
  is 1/S), per style and per family of notes; ``style_moved`` is how often the prediction
  leaves the one it gave the source note when another style was asked; the baseline
  ``prior_style_recognition`` renders the same targets from z drawn from the prior (how
  well the model makes each style at all, whatever the source);
- the source analysis, where the truth is known: estimated pitch and style of the source;
- ``waefader transform`` itself over the folder (one target style): written files of the
  right length and rate.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.evaluation.unseen_notes import NOTES_CSV, UnseenNote, read_notes, render_unseen
from realtime.dsp.features import log_mel
from realtime.transform.files import AUDIO_SUFFIXES

PROG = "python -m models.evaluation.transform_check"
DEFAULT_JUDGES = Path(__file__).resolve().parent / "default_judges"


class CheckError(RuntimeError):
    """A user mistake: printed on one line, exit 2."""


@dataclass
class Tally:
    """Per-transform outcomes, grouped later by style and family."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)


def fit_range(pitch: int, low: int, high: int) -> int:
    """``pitch`` moved by whole octaves into ``low..high`` (clamped if the range is narrower
    than an octave)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return min(max(pitch, low), high)


def inputs(folder: Path, progress: bool) -> list[tuple[Path, UnseenNote | None]]:
    """The notes to check: notes.csv's rows, else every audio file (nothing known of them),
    else (an empty or missing folder) the unseen set rendered there."""
    if not (folder / NOTES_CSV).is_file():
        audio = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
        if audio:
            return [(p, None) for p in audio]
        render_unseen(folder, progress=progress)
    return [(folder / n.file, n) for n in read_notes(folder)]


def load(model: Path | None, judges_dir: Path) -> tuple[Any, Any]:
    from models.evaluation.judges import JudgeError, Judges
    from realtime.manifest import ModelError
    from realtime.model import load_model

    try:
        synth = load_model(model)
        judges = Judges.load(judges_dir)
    except (ModelError, JudgeError) as exc:
        raise CheckError(str(exc)) from None
    if not synth.has_encoder:
        raise CheckError(f"model {synth.root} has no encoder graph")
    if judges.feature_config != synth.manifest.features:
        raise CheckError("the judges were trained on other feature settings than the model's")
    if set(judges.styles) != set(synth.style_names):
        raise CheckError(
            f"the judges know styles {list(judges.styles)}, the model has {list(synth.style_names)}"
        )
    return synth, judges


@dataclass
class Features:
    """Judge inputs ``(B, n_mels, T)``: the transformed notes, the same targets rendered from
    z drawn from the prior (the baseline: how well the model makes each style at all), and
    the source notes."""

    transformed: np.ndarray
    prior: np.ndarray
    originals: np.ndarray


def transform_all(
    synth: Any, notes: Sequence[tuple[Path, UnseenNote | None]], progress: bool
) -> tuple[Tally, Features, float, float]:
    """Encode each note once, render it with every style (and the prior baseline). Returns
    the tally, the features, and ms per encode (with analysis) and per rendered variant."""
    from tqdm import tqdm

    from realtime.transform import Edits, TransformError, encode_file, render_variants
    from realtime.transform.analysis import render_notes
    from realtime.transform.pitch import estimate_pitch

    cfg = synth.manifest.features
    tally = Tally()
    feats, priors, originals = [], [], []
    t_enc = t_render = 0.0
    for path, known in tqdm(notes, desc="transform check", unit="note", disable=not progress):
        t0 = time.perf_counter()
        try:
            enc = encode_file(synth, path)
        except TransformError as exc:
            tally.skipped.append({"path": str(path), "reason": str(exc)})
            continue
        t1 = time.perf_counter()
        src = enc.source.attributes
        edits = [
            Edits(style=((s, 1.0),), pitch=fit_range(src.pitch, *synth.style_ranges[s]))
            for s in synth.style_names
        ]
        targets, audio = render_variants(synth, enc, edits)
        t_enc += t1 - t0
        t_render += time.perf_counter() - t1
        feats.append(log_mel(audio, cfg))
        originals.append(enc.features)
        rng = np.random.default_rng(len(tally.sources))
        z_prior = rng.standard_normal((len(targets), synth.latent_dim)) * synth.prior_std
        priors.append(log_mel(render_notes(synth, z_prior, targets), cfg))
        family = known.variant if known else "recordings"
        source_style = synth.style_names[int(np.argmax(src.style))]
        tally.sources.append(
            {
                "family": family,
                "pitch": src.pitch,
                "style": source_style,
                "true_pitch": known.pitch if known else None,
                "true_style": known.style if known else "",
            }
        )
        for style, target, note in zip(synth.style_names, targets, audio, strict=True):
            est = estimate_pitch(note, synth.sample_rate)
            tally.rows.append(
                {
                    "family": family,
                    "source": len(tally.sources) - 1,
                    "style": style,
                    "pitch": target.pitch,
                    "samples": int(note.shape[0]),
                    "est_pitch": None if est is None else est.midi,
                }
            )
    empty = np.zeros((0, cfg.n_mels, cfg.n_frames), np.float32)
    out = Features(
        transformed=np.concatenate(feats) if feats else empty,
        prior=np.concatenate(priors) if priors else empty,
        originals=np.stack(originals) if originals else empty,
    )
    n = max(len(tally.sources), 1)
    return tally, out, 1000 * t_enc / n, 1000 * t_render / max(len(tally.rows), 1)


def _frac(values: Sequence[bool]) -> float | None:
    return round(float(np.mean(values)), 4) if len(values) else None


def figures(synth: Any, judges: Any, tally: Tally, feats: Features) -> dict[str, Any]:
    """The report's numbers from the tally and the judges' predictions."""
    from realtime.conditions import octave, pitch_class

    pred = judges.predict(feats.transformed) if len(feats.transformed) else {}
    pred_prior = judges.predict(feats.prior) if len(feats.prior) else {}
    pred_src = judges.predict(feats.originals) if len(feats.originals) else {}
    names = judges.styles
    rows = tally.rows
    for i, r in enumerate(rows):
        r["judged_style"] = names[int(pred["style"][i])]
        r["prior_ok"] = names[int(pred_prior["style"][i])] == r["style"]
        r["judged_source_style"] = names[int(pred_src["style"][r["source"]])]
        r["judge_pc_ok"] = int(pred["pitch_class"][i]) == pitch_class(r["pitch"])
        r["judge_oct_ok"] = int(pred["octave"][i]) == octave(r["pitch"])
        est = r["est_pitch"]
        r["pitch_ok"] = est is not None and round(est) == r["pitch"]
        r["cents"] = None if est is None else abs(est - r["pitch"]) * 100

    def group(key: str) -> dict[str, dict[str, Any]]:
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            out[r[key]].append(r)
        return {
            k: {
                "n": len(v),
                "style_recognition": _frac([x["judged_style"] == x["style"] for x in v]),
                "pitch_ok": _frac([x["pitch_ok"] for x in v]),
            }
            for k, v in sorted(out.items())
        }

    moved = [
        r["judged_style"] != r["judged_source_style"]
        for r in rows
        if r["style"] != r["judged_source_style"]
    ]
    cents = [r["cents"] for r in rows if r["cents"] is not None]
    known_pitch = [s for s in tally.sources if s["true_pitch"] is not None]
    known_style = [s for s in tally.sources if s["true_style"] in synth.style_names]
    judged_src = [
        names[int(pred_src["style"][i])] == s["true_style"]
        for i, s in enumerate(tally.sources)
        if s["true_style"] in names
    ]
    return {
        "n_notes": len(tally.sources),
        "n_skipped": len(tally.skipped),
        "skipped": tally.skipped,
        "styles": list(synth.style_names),
        "n_transforms": len(rows),
        "length_ok": _frac([r["samples"] == synth.note_samples for r in rows]),
        "pitch_ok": _frac([r["pitch_ok"] for r in rows]),
        "pitch_cents_median": round(float(np.median(cents)), 1) if cents else None,
        "judge_pitch_class": _frac([r["judge_pc_ok"] for r in rows]),
        "judge_octave": _frac([r["judge_oct_ok"] for r in rows]),
        "style_recognition": _frac([r["judged_style"] == r["style"] for r in rows]),
        "chance": round(1 / len(names), 4),
        "style_moved": _frac(moved),
        "style_recognition_by_style": {
            k: v["style_recognition"] for k, v in group("style").items()
        },
        "prior_style_recognition": _frac([r["prior_ok"] for r in rows]),
        "prior_style_recognition_by_style": {
            k: _frac([r["prior_ok"] for r in rows if r["style"] == k]) for k in synth.style_names
        },
        "by_family": group("family"),
        "source_pitch_ok": _frac([s["pitch"] == s["true_pitch"] for s in known_pitch]),
        "source_style_ok": _frac([s["style"] == s["true_style"] for s in known_style]),
        "judge_on_sources_style": _frac(judged_src),
        "judges_test_accuracy": judges.test_accuracy,
        "model_generation": dict(synth.manifest.evaluation).get("generation"),
    }


def cli_run(
    model: Path | None, notes: Sequence[Path], style: str, note_samples: int, rate: int
) -> dict[str, Any]:
    """``waefader transform FOLDER --out TMP --style STYLE`` over the notes (linked into a
    folder of their own) and its files read back."""
    import contextlib
    import io

    import soundfile as sf

    from realtime.transform.cli import main as transform_main

    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "in", Path(tmp) / "out"
        folder.mkdir()
        for i, p in enumerate(notes):
            (folder / f"{i:04d}_{p.name}").symlink_to(p.resolve())
        argv = [str(folder), "--out", str(out), "--style", style, "--json", "--no-progress"]
        argv += ["--model", str(model)] if model is not None else []
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = transform_main(argv)
        report = json.loads(buf.getvalue())
        infos = [sf.info(str(p)) for p in out.rglob("*.wav")]
    return {
        "exit_code": rc,
        "style": style,
        "n_transformed": report["n_transformed"],
        "n_skipped": report["n_skipped"],
        "files_ok": _frac([i.frames == note_samples and i.samplerate == rate for i in infos]),
    }


def spread(items: Sequence[Any], limit: int | None) -> list[Any]:
    """At most ``limit`` items, evenly spread (every family of notes keeps a share)."""
    if limit is None or limit >= len(items):
        return list(items)
    return [items[round(i * len(items) / limit)] for i in range(limit)]


def run_check(
    model: Path | None,
    judges_dir: Path,
    notes_dir: Path,
    progress: bool = True,
    limit: int | None = None,
) -> dict[str, Any]:
    synth, judges = load(model, judges_dir)
    notes = spread(inputs(notes_dir, progress), limit)
    if not notes:
        raise CheckError(f"{notes_dir} holds no notes")
    tally, feats, ms_enc, ms_render = transform_all(synth, notes, progress)
    report: dict[str, Any] = {
        "model": str(synth.root),
        "judges": str(judges_dir),
        "notes": str(notes_dir),
    }
    report.update(figures(synth, judges, tally, feats))
    report["ms_per_encode"] = round(ms_enc, 1)
    report["ms_per_variant"] = round(ms_render, 2)
    report["cli"] = cli_run(
        model, [p for p, _ in notes], synth.style_names[0], synth.note_samples, synth.sample_rate
    )
    return report


def summary(r: dict[str, Any]) -> str:
    lines = [
        f"{r['n_notes']} unseen notes ({r['n_skipped']} skipped) x {len(r['styles'])} target "
        f"styles = {r['n_transforms']} transforms",
        f"length ok {r['length_ok']}, pitch ok {r['pitch_ok']} (median error "
        f"{r['pitch_cents_median']} cents), judge pitch class {r['judge_pitch_class']}, "
        f"octave {r['judge_octave']}",
        f"style recognised {r['style_recognition']} (chance {r['chance']}; the same targets "
        f"from prior z: {r['prior_style_recognition']}), moved {r['style_moved']}",
    ]
    for fam, v in r["by_family"].items():
        lines.append(
            f"  {fam}: {v['n']} transforms, style {v['style_recognition']}, pitch {v['pitch_ok']}"
        )
    lines.append(f"source analysis: pitch {r['source_pitch_ok']}, style {r['source_style_ok']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: shipped)")
    ap.add_argument(
        "--judges",
        type=Path,
        default=DEFAULT_JUDGES,
        help="judges folder (judges.json; default: the judges shipped with the default model)",
    )
    ap.add_argument(
        "--notes",
        type=Path,
        required=True,
        help="notes folder; rendered there when empty or missing",
    )
    ap.add_argument("--limit", type=int, default=None, help="at most N notes, spread evenly")
    ap.add_argument("--report", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        report = run_check(
            args.model,
            args.judges,
            args.notes,
            progress=not (args.json or args.no_progress),
            limit=args.limit,
        )
    except CheckError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report) if args.json else summary(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
