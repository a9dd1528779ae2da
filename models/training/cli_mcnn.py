"""``waefader train-mcnn``: train the MCNN inverter on a corpus (features -> audio)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from models.config import MCNNConfig, MCNNTrainConfig
from models.training.cli_common import (
    add_run_options,
    given,
    overrides,
    parse_args,
    run_guarded,
    settings_of,
    steps_from,
    warmup_fields,
)
from models.training.data import NoteSet, load_split, open_corpus
from models.training.distributed import DistInfo, init_distributed, shutdown
from models.training.errors import TrainingError
from models.training.loop import LoopSettings, run_loop
from models.training.mcnn_task import MCNNTask
from models.training.runs import run_config
from models.training.schedule import describe
from models.training.session import (
    Session,
    begin,
    open_session,
    reconcile,
    restore,
    setup_threads,
    start,
)
from realtime.dsp.features import FeatureConfig

TINY_TRAIN = dict(
    batch_size=4,
    steps=20,
    crop_frames=8,
    fft_sizes=(256, 128, 64),
    checkpoint_every=10,
    log_every=1,
    valid_every=10,
)
TRAIN_FLAGS = {
    "seed": "seed",
    "batch_size": "batch_size",
    "lr": "lr",
    "crop_frames": "crop_frames",
    "checkpoint_every": "checkpoint_every",
    "log_every": "log_every",
    "valid_every": "valid_every",
}


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Train the MCNN spectrogram inverter (log-Mel features -> waveform) on the "
        "audio of a corpus, with multi-resolution spectral-convergence + log-magnitude losses.",
    )
    p.add_argument("--data", required=True, type=Path, help="corpus folder (with card.json)")
    p.add_argument("--out", required=True, type=Path, help="run folder to create (or resume)")
    p.add_argument(
        "--tiny",
        action="store_true",
        help=f"toy-sized model and run: {TINY_TRAIN['steps']} steps, batch "
        f"{TINY_TRAIN['batch_size']} (tests, smoke runs)",
    )
    d, m = MCNNTrainConfig(), MCNNConfig()
    p.add_argument(
        "--crop-frames", type=int, help=f"frames per training crop (default {d.crop_frames})"
    )
    arch = p.add_argument_group("architecture (defaults: the measured real-time choice)")
    arch.add_argument("--heads", type=int, help=f"parallel heads (default {m.n_heads})")
    arch.add_argument(
        "--strides", type=_ints, help=f"comma-separated, product = hop (default {_csv(m.strides)})"
    )
    arch.add_argument(
        "--kernels", type=_ints, help=f"comma-separated kernel sizes (default {_csv(m.kernels)})"
    )
    arch.add_argument(
        "--channels",
        type=_ints,
        help=f"comma-separated output channels (default {_csv(m.channels)})",
    )
    arch.add_argument(
        "--harmonics",
        type=int,
        help=f"partials of the harmonic source, 0: pure MCNN (default {m.harmonics})",
    )
    add_run_options(p, d)
    return p


def _csv(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values))


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None


ARCH_FLAGS = {
    "heads": "n_heads",
    "strides": "strides",
    "kernels": "kernels",
    "channels": "channels",
    "harmonics": "harmonics",
}


def model_config(args: argparse.Namespace, fc: FeatureConfig) -> MCNNConfig:
    """The MCNN for these features: tiny, or the default with any architecture flags."""
    base = MCNNConfig.tiny(fc) if args.tiny else MCNNConfig.for_features(fc)
    try:
        return replace(base, **overrides(args, ARCH_FLAGS))  # type: ignore[arg-type]
    except ValueError as exc:
        raise TrainingError(f"bad MCNN architecture: {exc}") from exc


def main(argv: list[str] | None = None, prog: str = "waefader train-mcnn") -> int:
    args = parse_args(build_parser(prog), argv)
    return run_guarded(prog, lambda: train(args))


def train_configs(args: argparse.Namespace, base: MCNNTrainConfig, n_train: int) -> MCNNTrainConfig:
    try:
        fields = {**overrides(args, TRAIN_FLAGS), **warmup_fields(args)}
        batch = int(fields.get("batch_size", base.batch_size))  # type: ignore[call-overload]
        fields["steps"] = steps_from(args, base.steps, n_train, batch)
        return replace(base, **fields)  # type: ignore[arg-type]
    except ValueError as exc:
        raise TrainingError(str(exc)) from None


def resumed_train_config(
    args: argparse.Namespace, session: Session, tcfg: MCNNTrainConfig, n_train: int
) -> MCNNTrainConfig:
    """On ``--resume`` the saved config rules: safe changes (``--steps``, the ``--*-every``
    options) are applied, other differences refused (:func:`session.reconcile`)."""
    if not args.resume:
        return tcfg
    saved = session.config["train"]
    train = {**given(args, TRAIN_FLAGS)}
    train.update({k: ("--warmup", v) for k, v in warmup_fields(args).items()})
    if args.steps is not None or args.epochs is not None:
        train["steps"] = ("--steps", steps_from(args, saved["steps"], n_train, saved["batch_size"]))
    model = given(args, ARCH_FLAGS)
    try:
        return MCNNTrainConfig.from_dict(reconcile(session, train, model))
    except ValueError as exc:
        raise TrainingError(str(exc)) from None


def fit(
    args: argparse.Namespace, session: Session, task: MCNNTask, info: DistInfo, kind_label: str
) -> int:
    """Restore, write the run's files, run the loop, print the summary line."""
    restore(session, task)
    begin(session, info, settings_of(args))
    t = task.tcfg
    if info.is_main:
        print(describe(t.to_dict()))
    settings = LoopSettings(
        total_steps=t.steps,
        until=args.until,
        checkpoint_every=t.checkpoint_every,
        log_every=t.log_every,
        valid_every=t.valid_every,
        progress=not args.no_progress,
        postfix=("sc", "log_mag"),
    )
    step = run_loop(
        task, session.run_dir, settings, info, "mcnn", session.start_step, session.elapsed
    )
    if info.is_main:
        print(f"{kind_label}: step {step}/{t.steps}; run folder {session.run_dir}")
    return 0


def train(args: argparse.Namespace) -> int:
    info = init_distributed(args.device)
    try:
        setup_threads(args.threads, info)
        store = open_corpus(args.data)
        train_set = load_split(store, "train", audio=True)
        valid_set: NoteSet | None = (
            load_split(store, "valid", audio=True) if len(store.split_indices("valid")) else None
        )
        fc = store.feature_config
        mcfg = model_config(args, fc)
        base = MCNNTrainConfig(**TINY_TRAIN) if args.tiny else MCNNTrainConfig()  # type: ignore[arg-type]
        tcfg = train_configs(args, base, len(train_set))
        fresh = run_config(
            "mcnn",
            mcfg.to_dict(),
            tcfg.to_dict(),
            store.card,
            args.data,
            len(train_set),
            info.world,
        )
        session = open_session(args.out, "mcnn", fresh, args.resume, args.overwrite, info)
        mcfg = MCNNConfig.from_dict(session.config["model"])
        tcfg = resumed_train_config(args, session, tcfg, len(train_set))
        start(tcfg.seed)
        task = MCNNTask(mcfg, tcfg, train_set, valid_set, info)
        return fit(args, session, task, info, "mcnn")
    finally:
        shutdown(info)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="waefader train-mcnn"))
