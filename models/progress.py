"""Progress for long commands: a tqdm bar on a terminal, a line every few seconds otherwise.

Under a pipe, a log file or CI a tqdm bar would write carriage returns (or, disabled, nothing
for minutes): :func:`progress` keeps tqdm's counting but turns each refresh into one plain line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO, Any

from tqdm import tqdm

LINE_INTERVAL_S = 10.0  # seconds between two lines when stderr is not a terminal
LINE_FORMAT = "{desc}: {n_fmt}/{total_fmt} {unit} ({percentage:.0f}%) [{elapsed}<{remaining}]"
LINE_FORMAT += "{postfix}"


class _Lines:
    """A file for tqdm that prints each refresh as its own line (no carriage returns)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.last = ""

    def write(self, text: str) -> int:
        line = text.replace("\r", "").strip()
        if line and line != self.last:
            self.out.write(line + "\n")
            self.out.flush()
            self.last = line
        return len(text)

    def flush(self) -> None:
        self.out.flush()


def progress(
    iterable: Iterable[Any] | None = None,
    *,
    desc: str,
    total: float | None = None,
    enabled: bool = True,
    unit: str = "it",
    initial: float = 0,
    interval_s: float = LINE_INTERVAL_S,
    **kw: Any,
) -> Any:
    """A tqdm over ``iterable`` (or a manual one with ``total``) that suits where stderr goes."""
    common = dict(desc=desc, total=total, unit=unit, initial=initial, disable=not enabled, **kw)
    if not enabled or sys.stderr.isatty():
        return tqdm(iterable, dynamic_ncols=True, **common)
    known = total is not None or hasattr(iterable, "__len__")
    return tqdm(
        iterable,
        file=_Lines(sys.stderr),
        mininterval=interval_s,
        maxinterval=interval_s,
        bar_format=LINE_FORMAT if known else None,
        **common,
    )


def stage(prog: str, text: str, enabled: bool = True) -> None:
    """One line saying what a long command does now (stderr, flushed at once)."""
    if enabled:
        print(f"{prog}: {text}", file=sys.stderr, flush=True)
