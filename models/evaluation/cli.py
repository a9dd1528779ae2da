"""``waefader evaluate``: the paper's ablation study on trained runs, written as a report.

    waefader evaluate --run RUN [--run RUN ...] --data DIR --out REPORT
                      [--judges DIR] [--mcnn MCNN_RUN] [--targets FILE] [--threads N]
                      [--quality BENCH_QUALITY_DIR] [--tiny] [--json] [--no-progress]

One ``--run`` per variant (wae-mmd, wae-note, wae-style, wae-fader). Judges are trained on
the corpus the first time and saved (``--judges DIR``, default ``REPORT/judges``) so later
evaluations reuse them. ``--json`` prints report.json's object on stdout. The report checks
the default corpus's targets only on the default corpus (or ``--targets FILE``'s anywhere).
Progress goes to stderr: bars on a terminal, a line every few seconds otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from models.evaluation.judges import CONFIG_FILE, JudgeConfig, JudgeError, load_or_train
from models.evaluation.loading import EvaluationError, base_mcnn_dir, load_base_mcnn, load_subject
from models.evaluation.quality_section import load_quality
from models.evaluation.study import EvalSettings, Subject
from models.evaluation.targets import DEFAULT_TARGETS, read_targets
from models.progress import stage


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Reproduce the paper's ablation study on trained runs (one --run per "
        "variant) and write a report: report.json, report.md, figures/, audio/.",
    )
    p.add_argument(
        "--run",
        action="append",
        required=True,
        type=Path,
        metavar="RUN",
        help="a trained WAE run folder (repeat: one per variant)",
    )
    p.add_argument("--data", required=True, type=Path, help="the corpus the runs were trained on")
    p.add_argument("--out", required=True, type=Path, help="report folder to write")
    p.add_argument(
        "--judges", type=Path, help="judge folder to reuse or create (default REPORT/judges)"
    )
    p.add_argument(
        "--mcnn", type=Path, help="base MCNN run (default: the one RUN/mcnn was fine-tuned from)"
    )
    d, j = EvalSettings(), JudgeConfig()
    p.add_argument(
        "--judge-epochs", type=int, help=f"epochs when the judges are trained (default {j.epochs})"
    )
    p.add_argument(
        "--gen-per-style",
        type=int,
        help=f"generated notes per style and regime (default {d.gen_per_style})",
    )
    p.add_argument(
        "--n-render", type=int, help=f"test notes rendered by each renderer (default {d.n_render})"
    )
    p.add_argument("--gla-iters", type=int, help=f"Griffin-Lim iterations (default {d.gla_iters})")
    p.add_argument("--notes", type=Path, help="markdown appended to the report (analysis)")
    p.add_argument(
        "--quality",
        type=Path,
        metavar="PATH",
        help="a `waefader bench quality --out DIR` result (DIR or its quality.json) to add as "
        "a section: the exported model against the library's notes (default: no section)",
    )
    p.add_argument(
        "--targets",
        type=Path,
        metavar="FILE",
        help="thresholds to check, JSON or TOML with any of the keys "
        f"{', '.join(DEFAULT_TARGETS)} (default: the built-in targets on the default corpus, "
        "none on another library)",
    )
    p.add_argument("--threads", type=int, help="torch threads (default: torch's own, all cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars or lines")
    p.add_argument("--no-audio", action="store_true", help="skip the listening WAVs")
    p.add_argument("--audio-out", type=Path, help="folder for the WAVs (default REPORT/audio)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")
    p.add_argument("--tiny", action="store_true", help="tiny judges and few notes (tests)")
    p.add_argument("--json", action="store_true", help="print report.json on stdout")
    return p


def settings_from(args: argparse.Namespace) -> EvalSettings:
    s = EvalSettings.tiny_settings(args.seed) if args.tiny else EvalSettings(seed=args.seed)
    over = {
        k: v
        for k, v in (
            ("gen_per_style", args.gen_per_style),
            ("n_render", args.n_render),
            ("gla_iters", args.gla_iters),
        )
        if v is not None
    }
    return replace(s, **over)


def run(args: argparse.Namespace, prog: str = "waefader evaluate") -> dict:
    from models.data.store import CorpusStore
    from models.evaluation.listening import write_listening
    from models.evaluation.report import write_report
    from models.evaluation.study import run_study
    from models.evaluation.subjects import GriffinLimRenderer, Renderer

    try:
        store = CorpusStore(args.data)
    except (FileNotFoundError, ValueError) as exc:
        raise EvaluationError(str(exc)) from None
    for r in args.run:
        if not (r / "config.json").is_file():
            raise EvaluationError(f"{r} is not a run folder (no config.json)")
    settings = settings_from(args)
    targets, targets_from = targets_for(args, store.card)
    quality = load_quality(args.quality) if args.quality is not None else None  # fail early
    progress = not args.no_progress
    if args.threads is not None:
        import torch

        torch.set_num_threads(max(1, args.threads))
    jcfg = JudgeConfig.tiny() if args.tiny else JudgeConfig()
    if args.judge_epochs is not None:
        jcfg = replace(jcfg, epochs=args.judge_epochs)
    judges_dir = args.judges or args.out / "judges"
    reuse = (judges_dir / CONFIG_FILE).is_file()
    stage(prog, f"judges: {'loading' if reuse else 'training'} ({judges_dir})", progress)
    judges = load_or_train(judges_dir, store, jcfg, progress=progress)
    stage(prog, f"{len(args.run)} model(s): generation, reconstruction, probes, mixing", progress)
    subjects: list[Subject] = []
    taken: set[str] = set()
    for r in args.run:
        sub = load_subject(r, store, taken)
        taken.add(sub.name)
        subjects.append(sub)
    renderers: list[Renderer] = [GriffinLimRenderer(store.feature_config, settings.gla_iters)]
    mcnn_dir = base_mcnn_dir(args.run, args.mcnn)
    if mcnn_dir is not None:
        renderers.append(load_base_mcnn(mcnn_dir, store))
    result = run_study(subjects, store, judges, settings, renderers, progress=progress)
    notes = args.notes.read_text() if args.notes else ""
    stage(prog, f"writing the report and figures to {args.out}", progress)
    rep = write_report(
        result, args.out, store.feature_config, notes, targets, targets_from, quality
    )
    if not args.no_audio:
        stage(prog, "writing the listening files", progress)
        write_listening(
            result,
            subjects,
            renderers,
            args.audio_out or args.out / "audio",
            store.feature_config.sample_rate,
            settings.n_examples,
        )
    return rep


def targets_for(args: argparse.Namespace, card: dict) -> tuple[dict | None, str]:
    """The thresholds to check and whose they are: ``--targets FILE``, else the built-in ones
    on the default corpus (built by ``waefader dataset build``), else none."""
    if args.targets is not None:
        try:
            return read_targets(args.targets), str(args.targets)
        except ValueError as exc:
            raise EvaluationError(str(exc)) from None
    if "recipe" in card.get("settings", {}):
        return dict(DEFAULT_TARGETS), "the default corpus"
    return None, ""


def main(argv: list[str], prog: str = "waefader evaluate") -> int:
    args = build_parser(prog).parse_args(argv)
    try:
        rep = run(args, prog)
    except (EvaluationError, JudgeError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rep))
    else:
        print(f"report written to {args.out / 'report.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
