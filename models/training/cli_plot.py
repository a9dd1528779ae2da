"""``waefader plot RUN``: the curves of a run's metrics.csv as one PNG."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from models.training.cli_common import run_guarded
from models.training.errors import TrainingError
from models.training.metrics import METRICS, read_metrics
from models.training.runs import CONFIG, read_run_config
from models.training.schedule import planned

SKIP = ("epoch", "elapsed_s")


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Plot the metrics of a run folder to a PNG "
        "(the planned learning-rate and alpha schedules dashed).",
    )
    p.add_argument("run", type=Path, help="run folder (holds metrics.csv)")
    p.add_argument("--out", type=Path, help="PNG path (default RUN/metrics.png)")
    p.add_argument(
        "--smooth", type=int, default=1, metavar="N", help="running mean over N rows (default 1)"
    )
    return p


def main(argv: list[str] | None = None, prog: str = "waefader plot") -> int:
    args = build_parser(prog).parse_args(argv)
    return run_guarded(prog, lambda: plot(args.run, args.out, args.smooth))


def _smooth(values: list[float], n: int) -> list[float]:
    if n <= 1:
        return values
    out, acc = [], 0.0
    for i, v in enumerate(values):
        acc += v - (values[i - n] if i >= n else 0.0)
        out.append(acc / min(i + 1, n))
    return out


def planned_series(run: Path) -> dict[str, list[tuple[int, float]]]:
    """The run's planned ``lr`` (and ``alpha``) over all its steps; empty without config.json."""
    if not (run / CONFIG).is_file():
        return {}
    return planned(read_run_config(run)["train"])


def plot(run: Path, out: Path | None = None, smooth: int = 1) -> int:
    path = run / METRICS
    if not path.is_file():
        raise TrainingError(f"no {METRICS} in {run}")
    series = {k: v for k, v in read_metrics(path).items() if k not in SKIP and v}
    if not series:
        raise TrainingError(f"{path} has no rows yet")
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    plan = planned_series(run)
    cols = 3
    rows = math.ceil(len(series) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    for ax, (name, points) in zip(axes.flat, series.items(), strict=False):
        steps = [s for s, _ in points]
        values = _smooth([v for _, v in points], 1 if name.startswith("valid_") else smooth)
        ax.plot(steps, values, marker="o" if len(points) < 30 else None, markersize=3)
        if name in plan:  # the whole schedule, so a stopped run shows what was to come
            ax.plot(*zip(*plan[name], strict=True), "--", color="gray", lw=1, label="planned")
            ax.legend(fontsize=7)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("step", fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(series) :]:
        ax.axis("off")
    fig.suptitle(str(run), fontsize=10)
    fig.tight_layout()
    target = out or run / "metrics.png"
    fig.savefig(target, dpi=100)
    plt.close(fig)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="waefader plot"))
