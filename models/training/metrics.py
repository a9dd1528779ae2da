"""Metrics as a CSV a person can open or plot (``waefader plot RUN``)."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

METRICS = "metrics.csv"


class MetricsWriter:
    """Appends one row per logged step; columns fixed at creation.

    On resume the rows after the checkpoint's step are dropped first, so the file reads
    as if the run had never been interrupted.
    """

    def __init__(self, path: Path, columns: Sequence[str], resume_step: int | None = None) -> None:
        self.path = path
        self.columns = list(columns)
        if resume_step is not None and path.is_file():
            self._truncate(resume_step)
        else:
            with open(path, "w", newline="") as f:
                csv.writer(f).writerow(self.columns)

    def _truncate(self, step: int) -> None:
        with open(self.path, newline="") as f:
            rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
        tmp = self.path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, self.columns, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, self.path)

    def write(self, row: dict[str, float | int]) -> None:
        with open(self.path, "a", newline="") as f:
            csv.writer(f).writerow([_fmt(row.get(c)) for c in self.columns])


def _fmt(v: float | int | None) -> str:
    if v is None:
        return ""
    return repr(float(v)) if isinstance(v, float) else str(v)


def read_metrics(path: Path) -> dict[str, list[tuple[int, float]]]:
    """Column -> ``[(step, value), ...]`` for the non-empty cells of ``metrics.csv``."""
    out: dict[str, list[tuple[int, float]]] = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            step = int(r["step"])
            for k, v in r.items():
                if k != "step" and v not in ("", None):
                    out.setdefault(k, []).append((step, float(v)))
    return out
