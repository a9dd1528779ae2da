"""Vocoders side by side on the same notes, from ``bench quality`` runs of several model folders.

    python -m models.evaluation.vocoder_compare --bench LABEL=DIR [...] --out DIR

Each ``DIR`` is a ``bench quality --out`` folder (its ``per_key.csv``). The runs share the
library and the Griffin-Lim keys (3 per style by default), so the comparison is made on the
keys every run has a ``vocoder`` row for: the library note, Griffin-Lim-100 on its true Mel,
and, for each run, its vocoder on the true Mel and its model's note (decoder + vocoder).
Writes ``vocoders.md`` (one table) and ``vocoders.json`` (the same figures).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from models.evaluation.quality_measure import PITCH_MEASURES, SPECTRAL_MEASURES, summary

PROG = "python -m models.evaluation.vocoder_compare"
KeyId = tuple[str, int, str]  # style, midi, dynamics
Rows = dict[str, dict[KeyId, dict[str, str]]]  # source -> key -> csv row (first draw)
COLUMNS = (
    ("pitch right", "pitch_right", 3),
    ("octave errors", "octave_errors", 0),
    ("median pitch error (cents)", "median_abs_cents", 1),
    ("pitch vs library note (cents)", "median_abs_cents_vs_library", 1),
    ("HNR (dB)", "hnr_db", 1),
    ("MR-STFT", "mrstft", 3),
    ("LSD (dB)", "lsd_db", 2),
    ("frame-rate comb (dB)", "comb_db", 2),
    ("above 11 kHz vs library (dB)", "high_band_db", 1),
    ("level diff. (dB)", "level_diff_db_median_abs", 2),
)


def read_rows(folder: Path) -> Rows:
    """``folder/per_key.csv`` -> each source's first-draw row per key."""
    path = folder / "per_key.csv"
    if not path.is_file():
        raise SystemExit(f"{PROG}: {path} not found (a `waefader bench quality --out` folder?)")
    out: Rows = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["draw"] == "0":
                out.setdefault(r["source"], {})[(r["style"], int(r["midi"]), r["dynamics"])] = r
    return out


def table_of(rows: dict[KeyId, dict[str, str]], keys: list[KeyId]) -> dict[str, np.ndarray]:
    """The measures of ``keys`` as :func:`summary` reads them (empty cells are NaN)."""
    def col(name: str) -> np.ndarray:
        # .get: runs written before a measure existed lack its column
        return np.array([float(rows[k][name]) if rows[k].get(name) else np.nan for k in keys])

    return {m: col(m) for m in (*PITCH_MEASURES, *SPECTRAL_MEASURES)}


def compare(benches: list[tuple[str, Rows]]) -> tuple[list[KeyId], dict[str, dict[str, Any]]]:
    """The common vocoder keys and one :func:`summary` per row of the comparison."""
    missing = [label for label, rows in benches if "vocoder" not in rows]
    if missing:
        raise SystemExit(f"{PROG}: no vocoder rows in {', '.join(missing)} (bench quality "
                         "leaves them out when the model folder cannot be read back)")
    keys = sorted(set.intersection(*(set(rows["vocoder"]) for _, rows in benches)))
    if not keys:
        raise SystemExit(f"{PROG}: the runs share no vocoder key")
    first = benches[0][1]
    out = {"library": summary(table_of(first["library"], keys)),
           "Griffin-Lim-100, true Mel": summary(table_of(first["griffin_lim"], keys))}
    for label, rows in benches:
        out[f"{label}, true Mel"] = summary(table_of(rows["vocoder"], keys))
        out[f"{label}, model (decoder + vocoder)"] = summary(table_of(rows["model"], keys))
    return keys, out


def markdown(keys: list[KeyId], rows: dict[str, dict[str, Any]]) -> str:
    head = ["source", *(c[0] for c in COLUMNS)]
    lines = [f"Vocoders on the same {len(keys)} keys "
             f"({len({k[0] for k in keys})} styles), against the library's notes.", "",
             "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, s in rows.items():
        cells = [name] + [_fmt(s.get(key), d) for _, key, d in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "The library's row gives its own comb and above-11-kHz levels (dB); every other "
              "row, its difference from the library's."]
    return "\n".join(lines) + "\n"


def _fmt(v: Any, digits: int) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "-"
    return f"{v:.{digits}f}" if digits else str(int(v))


def _bench(text: str) -> tuple[str, Path]:
    label, sep, path = text.partition("=")
    if not sep or not label or not path:
        raise argparse.ArgumentTypeError(f"expected LABEL=DIR, got {text!r}")
    return label, Path(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    p.add_argument("--bench", type=_bench, action="append", required=True,
                   help="LABEL=DIR, a bench quality --out folder (repeat)")
    p.add_argument("--out", type=Path, required=True, help="folder for vocoders.md/.json")
    args = p.parse_args(argv)
    keys, rows = compare([(label, read_rows(d)) for label, d in args.bench])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "vocoders.md").write_text(markdown(keys, rows))
    (args.out / "vocoders.json").write_text(json.dumps(
        {"keys": [list(k) for k in keys], "sources": rows}, indent=2))
    print(markdown(keys, rows), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
