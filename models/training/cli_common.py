"""Options and error handling shared by the training commands."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from models.training.errors import TrainingError
from models.training.loop import TrainingInterrupted

# Options that belong to one invocation, not to the run's settings (never in settings.json).
NOT_SETTINGS = ("config", "resume", "overwrite", "until", "no_progress", "threads", "device")


def add_run_options(p: argparse.ArgumentParser, defaults: Any) -> None:
    """Length, resume, seed, threads, device, logging: the same on every training command.

    ``defaults``: the TrainConfig / MCNNTrainConfig the command starts from (for the help).
    """
    d = defaults
    g = p.add_argument_group("run")
    g.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="JSON or TOML file of options (keys: the long option names, e.g. batch_size = 16); "
        "options on the command line win; RUN/settings.json repeats a run",
    )
    length = g.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help=f"optimiser steps (default {d.steps})")
    length.add_argument(
        "--epochs", type=float, help="passes over the training split instead of --steps"
    )
    g.add_argument(
        "--until",
        type=int,
        metavar="STEP",
        help="stop after this step (the schedules still span --steps); continue with --resume",
    )
    g.add_argument(
        "--resume",
        action="store_true",
        help="continue the run folder from its last checkpoint; --steps and the --*-every "
        "options may change, other differing options are refused",
    )
    g.add_argument(
        "--overwrite", action="store_true", help="replace an existing run in the run folder"
    )
    g.add_argument("--seed", type=int, help=f"random seed (default {d.seed})")
    g.add_argument(
        "--batch-size",
        type=int,
        help=f"global batch, split over torchrun processes (default {d.batch_size})",
    )
    g.add_argument("--lr", type=float, help=f"peak learning rate (default {d.lr:g})")
    g.add_argument(
        "--warmup",
        type=parse_warmup,
        metavar="N|F",
        help="learning-rate warm-up: N steps (an integer, e.g. 200) or a fraction F of the run "
        f"(e.g. 0.05); then a cosine decay to {d.lr_final_fraction:g} x the peak at the end "
        f"(default {_default_warmup(d)})",
    )
    g.add_argument(
        "--threads", type=int, help="torch threads per process (default: cores / processes)"
    )
    g.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where to train (default auto: cuda when available, else cpu)",
    )
    g.add_argument(
        "--checkpoint-every",
        type=int,
        metavar="N",
        help=f"checkpoint every N steps (default {d.checkpoint_every}; Ctrl-C also saves one)",
    )
    g.add_argument(
        "--log-every",
        type=int,
        metavar="N",
        help=f"metrics row every N steps (default {d.log_every})",
    )
    g.add_argument(
        "--valid-every",
        type=int,
        metavar="N",
        help=f"validation every N steps (default {d.valid_every})",
    )
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def _default_warmup(d: Any) -> str:
    if d.warmup_steps:
        return f"{d.warmup_steps} steps"
    return f"{d.warmup_fraction:g} of the run"


def parse_warmup(text: str) -> tuple[int, float | None]:
    """``"200"`` -> ``(200, None)`` (steps); ``"0.05"`` -> ``(0, 0.05)`` (a fraction)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected steps or a fraction, got {text!r}") from None
    if text.strip().isdigit() and value >= 1:
        return int(value), None
    if 0.0 <= value <= 1.0:
        return 0, value
    raise argparse.ArgumentTypeError(
        f"expected an integer number of steps or a fraction in [0, 1], got {text!r}"
    )


def warmup_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The config fields ``--warmup`` sets (none when not given)."""
    if getattr(args, "warmup", None) is None:
        return {}
    steps, fraction = args.warmup
    return (
        {"warmup_steps": steps}
        if fraction is None
        else {"warmup_steps": 0, "warmup_fraction": fraction}
    )


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """``parser.parse_args`` with ``--config FILE`` values as defaults (the command line wins)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", type=Path)
    known, _ = pre.parse_known_args(argv)
    if known.config is not None:
        try:
            values = read_settings(known.config, parser, argv)
        except TrainingError as exc:
            parser.error(str(exc))
        for action in parser._actions:
            if action.dest in values:
                action.required = False
        parser.set_defaults(**values)
    return parser.parse_args(argv)


def read_settings(
    path: Path, parser: argparse.ArgumentParser, argv: Sequence[str] = ()
) -> dict[str, Any]:
    """Option values from a JSON or TOML file, checked against the parser's options."""
    try:
        text = path.read_text()
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except OSError as exc:
        raise TrainingError(f"cannot read --config {path}: {exc.strerror}") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise TrainingError(f"--config {path} is not valid JSON/TOML: {exc}") from None
    if not isinstance(data, dict):
        raise TrainingError(f"--config {path} must hold a table of options")
    actions = {a.dest: a for a in parser._actions if a.dest not in ("help", "config")}
    values = {str(k).replace("-", "_"): v for k, v in data.items()}
    unknown = sorted(set(values) - set(actions))
    if unknown:
        raise TrainingError(
            f"--config {path}: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(actions))}"
        )
    for group in parser._mutually_exclusive_groups:  # e.g. --epochs given beats a file's steps
        if any(s in argv for a in group._group_actions for s in a.option_strings):
            for a in group._group_actions:
                values.pop(a.dest, None)
    return {k: _settings_value(actions[k], v, path) for k, v in values.items()}


def _settings_value(action: argparse.Action, value: Any, path: Path) -> Any:
    flag = action.option_strings[0] if action.option_strings else action.dest
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)  # e.g. strides = [4, 4, 4, 4]
    if value is not None and action.type is not None and not isinstance(value, bool):
        try:
            value = action.type(str(value))  # type: ignore[operator]
        except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
            raise TrainingError(f"--config {path}: {flag}: {exc}") from None
    if action.choices is not None and value not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise TrainingError(f"--config {path}: {flag} must be one of {choices}, not {value!r}")
    return value


def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    """The options of a run as JSON values (what ``settings.json`` holds)."""
    out: dict[str, Any] = {}
    for k, v in vars(args).items():
        if k in NOT_SETTINGS or v is None or v is False:
            continue
        if k == "warmup":
            v = v[0] if v[1] is None else v[1]
        out[k] = list(v) if isinstance(v, tuple) else str(v) if isinstance(v, Path) else v
    return out


def run_guarded(prog: str, fn: Callable[[], int]) -> int:
    """Run a command body: user errors print one line and exit 2, Ctrl-C exits 130."""
    try:
        return fn()
    except TrainingError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full while logging, a folder that cannot be written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{prog}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except TrainingInterrupted as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 130
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


def given(args: argparse.Namespace, names: dict[str, str]) -> dict[str, tuple[str, Any]]:
    """Like :func:`overrides` with each value's flag: ``{field: ("--flag", value)}``."""
    return {
        field: ("--" + opt.replace("_", "-"), getattr(args, opt))
        for opt, field in names.items()
        if getattr(args, opt, None) is not None
    }
