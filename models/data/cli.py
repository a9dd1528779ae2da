"""``waefader dataset``: build the default corpus, import a library, show a card, check GLA.

waefader dataset build --out DIR [--small] [--set timbre|violin|all]
                       [--preset default|paper|fullband]
waefader dataset import SRC --out DIR [--format auto|csv|sol|nsynth] [--styles-from COL]
                        [--overwrite]
waefader dataset info DIR [--json]
waefader dataset gla --data DIR [--n N] [--iters 100] [--wav-out DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from models.data.errors import DatasetError
from realtime.dsp.features import PRESETS

EXIT_USER_ERROR = 2


def _add_preset(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--preset",
        default="default",
        choices=tuple(PRESETS),
        help="feature preset: default (22,050 Hz), paper (500 Mel bands), fullband "
        "(44,100 Hz, Mel up to 22,050 Hz); docs/FEATURES.md (default: default)",
    )


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog, description="Note corpora: build, import, inspect, check."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="{build,import,info,gla}")

    b = sub.add_parser("build", help="render the default FluidR3_GM corpus")
    b.add_argument("--out", required=True, type=Path, help="corpus folder to write")
    b.add_argument("--small", action="store_true", help="about 100 notes (all styles), for tests")
    b.add_argument(
        "--set",
        default="all",
        choices=("timbre", "violin", "all"),
        dest="which",
        help="timbre: 12 GM instruments; violin: 10 violin articulations; all: both (default)",
    )
    _add_preset(b)
    b.add_argument("--soundfont", type=Path, help="a GM .sf2 (default: Debian's FluidR3_GM)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")

    i = sub.add_parser("import", help="import a user sample library")
    i.add_argument("src", type=Path, help="library folder (tags CSV, SOL names or NSynth)")
    i.add_argument(
        "--out", required=True, type=Path, help="corpus folder to write (not inside SRC)"
    )
    i.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the corpus already in --out (without it a non-empty --out is refused)",
    )
    i.add_argument(
        "--format",
        default="auto",
        choices=("auto", "csv", "sol", "nsynth"),
        help="library layout (default auto: detected from the files)",
    )
    i.add_argument("--tags", help="the tags CSV (default: SRC/tags.csv or the only CSV in SRC)")
    i.add_argument(
        "--styles-from",
        metavar="COLUMN",
        help="comma-separated column(s)/field(s) that make the style (see docs/DATASET.md)",
    )
    _add_preset(i)
    i.add_argument("--json", action="store_true", help="print the import report as JSON")
    i.add_argument("--no-progress", action="store_true", help="no progress bar")

    n = sub.add_parser("info", help="print a corpus card")
    n.add_argument("data", type=Path, help="corpus folder (with card.md and card.json)")
    n.add_argument("--json", action="store_true", help="print card.json (default: card.md)")

    g = sub.add_parser("gla", help="render test notes through features + Griffin-Lim, measure")
    g.add_argument("--data", required=True, type=Path, help="corpus folder")
    g.add_argument("--n", type=int, default=16, help="test notes to render (default 16)")
    g.add_argument("--iters", type=int, default=100, help="Griffin-Lim iterations (default 100)")
    g.add_argument("--wav-out", type=Path, help="write original/GLA WAV pairs here")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _build(a: argparse.Namespace) -> int:
    from models.data.build import BuildConfig, build_corpus

    t0 = time.perf_counter()
    card = build_corpus(
        a.out,
        BuildConfig(set=a.which, small=a.small, preset=a.preset),
        soundfont=a.soundfont,
        progress=not a.no_progress,
    )
    size = sum(f.stat().st_size for f in Path(a.out).iterdir() if f.is_file())
    print(
        f"built {card['n_notes']} notes, {len(card['styles'])} styles "
        f"({card['settings']['n_skipped_silent']} silent renders skipped) in "
        f"{time.perf_counter() - t0:.1f} s, {size / 2**20:.1f} MiB -> {a.out}"
    )
    return 0


def _import(a: argparse.Namespace) -> int:
    from models.data.importer import ImportConfig, import_library, summary_text

    styles = tuple(s for s in (a.styles_from or "").split(",") if s.strip())
    cfg = ImportConfig(format=a.format, styles_from=styles, tags=a.tags, preset=a.preset)
    report = import_library(a.src, a.out, cfg, progress=not a.no_progress, overwrite=a.overwrite)
    if a.json:
        print(json.dumps(report))
    else:
        print(summary_text(report))
        print(f"report: {a.out / 'import_report.md'}")
    return 0


def _info(a: argparse.Namespace) -> int:
    card = a.data / ("card.json" if a.json else "card.md")
    if not card.is_file():
        raise DatasetError(f"{a.data} is not a corpus (no {card.name})")
    print(card.read_text(), end="")
    return 0


def _gla(a: argparse.Namespace) -> int:
    from models.data.gla import gla_check
    from models.data.store import CorpusStore

    if a.n < 1 or a.iters < 0:
        raise DatasetError("--n must be >= 1 and --iters >= 0")
    try:
        store = CorpusStore(a.data)
    except FileNotFoundError as exc:
        raise DatasetError(str(exc)) from None
    res = gla_check(store, a.n, a.iters, a.wav_out, progress=not a.no_progress)
    if a.wav_out is not None:
        (a.wav_out / "gla.json").write_text(json.dumps(res, indent=2))
    if a.json:
        print(json.dumps(res))
        return 0
    for r in res["notes"]:
        print(f"  {r['id']:<44} SC {r['spectral_convergence']:.3f}  LSD {r['lsd_db']:5.1f} dB")
    print(
        f"Griffin-Lim ({res['iters']} iterations) on {res['n_notes']} test notes: "
        f"spectral convergence median {res['spectral_convergence_median']:.3f} "
        f"(mean {res['spectral_convergence_mean']:.3f}), LSD median {res['lsd_db_median']:.2f} dB "
        f"(mean {res['lsd_db_mean']:.2f} dB), {res['ms_per_note_median']:.0f} ms/note"
    )
    if a.wav_out is not None:
        print(f"wrote {2 * res['n_notes']} WAV files to {a.wav_out}")
    return 0


COMMANDS = {"build": _build, "import": _import, "info": _info, "gla": _gla}


def main(argv: list[str], prog: str = "waefader dataset") -> int:
    args = _parser(prog).parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DatasetError as exc:
        print(f"{prog} {args.command}: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
