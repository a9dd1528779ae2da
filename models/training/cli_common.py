"""Options and error handling shared by the training commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from models.training.errors import TrainingError


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Length, resume, seed, threads, device, logging: the same on every training command."""
    g = p.add_argument_group("run")
    length = g.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="optimiser steps (default: the recipe's)")
    length.add_argument(
        "--epochs", type=float, help="passes over the training split instead of --steps"
    )
    g.add_argument(
        "--until",
        type=int,
        metavar="STEP",
        help="stop after this step (the schedules still span --steps); continue with --resume",
    )
    g.add_argument("--resume", action="store_true", help="continue OUT from its last checkpoint")
    g.add_argument("--overwrite", action="store_true", help="replace an existing run in OUT")
    g.add_argument("--seed", type=int, help="random seed (default 0)")
    g.add_argument("--batch-size", type=int, help="global batch (split over torchrun processes)")
    g.add_argument("--lr", type=float, help="peak learning rate")
    g.add_argument(
        "--threads", type=int, help="torch threads per process (default: cores / processes)"
    )
    g.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    g.add_argument("--checkpoint-every", type=int, metavar="N", help="checkpoint every N steps")
    g.add_argument("--log-every", type=int, metavar="N", help="metrics row every N steps")
    g.add_argument("--valid-every", type=int, metavar="N", help="validation every N steps")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_guarded(prog: str, fn: Callable[[], int]) -> int:
    """Run a command body: user errors print one line and exit 2, Ctrl-C exits 130."""
    try:
        return fn()
    except TrainingError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; continue with --resume", file=sys.stderr)
        return 130


def steps_from(args: argparse.Namespace, default: int, n_train: int, batch_size: int) -> int:
    """``--steps``, or ``--epochs`` converted with the training split size, or the default."""
    if args.steps is not None:
        if args.steps < 1:
            raise TrainingError("--steps must be >= 1")
        return int(args.steps)
    if args.epochs is not None:
        return max(1, round(args.epochs * n_train / batch_size))
    return default


def overrides(args: argparse.Namespace, names: dict[str, str]) -> dict[str, object]:
    """Config fields set on the command line: ``{field: value}`` for options given."""
    return {
        field: getattr(args, opt) for opt, field in names.items() if getattr(args, opt) is not None
    }
