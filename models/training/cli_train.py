"""``waefader train``: train one variant of the WAE family on a corpus.

Also runs under torchrun for data-parallel training::

    torchrun --standalone --nproc_per_node 2 -m models.training.cli_train --model wae-fader ...
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from models.config import VARIANTS, ModelConfig, TrainConfig
from models.training.cli_common import add_run_options, overrides, run_guarded, steps_from
from models.training.data import load_split, open_corpus
from models.training.distributed import init_distributed, shutdown
from models.training.errors import TrainingError
from models.training.loop import LoopSettings, run_loop
from models.training.runs import run_config, write_run_config
from models.training.session import open_session, restore, setup_threads, start
from models.training.wae_task import WAETask

# --tiny: the same code path at toy size, for tests and smoke runs.
TINY_TRAIN = dict(
    batch_size=8, steps=20, warmup_steps=2, checkpoint_every=10, log_every=1, valid_every=10
)
TRAIN_FLAGS = {
    "seed": "seed",
    "batch_size": "batch_size",
    "lr": "lr",
    "recon": "recon_loss",
    "mmd_weight": "mmd_weight",
    "checkpoint_every": "checkpoint_every",
    "log_every": "log_every",
    "valid_every": "valid_every",
    "init_from": "init_from",
    "freeze_encoder": "freeze_encoder",
}


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Train a WAE variant on a corpus folder. Variants (the paper's ablation): "
        "wae-mmd (no condition), wae-note (pitch class, octave, dynamics), wae-style (note + "
        "style), wae-fader (note + style + Fader latent discriminator).",
    )
    p.add_argument("--model", required=True, choices=VARIANTS, help="the variant to train")
    p.add_argument("--data", required=True, type=Path, help="corpus folder (with card.json)")
    p.add_argument("--out", required=True, type=Path, help="run folder to create (or resume)")
    p.add_argument(
        "--tiny", action="store_true", help="toy-sized model and run (tests, smoke runs)"
    )
    p.add_argument("--latent-dim", type=int, help="size of z (default 3)")
    p.add_argument("--dec-head", choices=("linear", "harmonic"),
                   help="decoder output: linear (the paper's, default) or harmonic (partials "
                   "of the asked pitch + noise; in tune by construction)")
    p.add_argument("--init-from", help="WAE run folder whose matching weights start this run "
                   "(e.g. from 'waefader recover')")
    p.add_argument("--freeze-encoder", action="store_true", default=None,
                   help="keep the --init-from encoder as it is: train the decoder only")
    p.add_argument("--dec-channels", help="decoder channels per block, e.g. 256,192,128,128 "
                   "(default 192,128,128,128)")
    p.add_argument("--recon", choices=("l1", "mse"), help="reconstruction loss (default l1)")
    p.add_argument("--mmd-weight", type=float, help="weight of the MMD term")
    add_run_options(p)
    return p


def main(argv: list[str] | None = None, prog: str = "waefader train") -> int:
    args = build_parser(prog).parse_args(argv)
    return run_guarded(prog, lambda: train(args))


def _configs(
    args: argparse.Namespace, store_styles: tuple[str, ...], features: object, n_train: int
) -> tuple[ModelConfig, TrainConfig]:
    model_kw: dict[str, object] = dict(
        variant=args.model,
        n_styles=max(len(store_styles), 1),
        style_names=store_styles or ("default",),
        features=features,
    )
    if args.latent_dim is not None:
        model_kw["latent_dim"] = args.latent_dim
    if args.dec_head is not None:
        model_kw["dec_head"] = args.dec_head
    if args.dec_channels is not None:
        model_kw["dec_channels"] = tuple(int(c) for c in args.dec_channels.split(","))
    mcfg = ModelConfig.tiny(**model_kw) if args.tiny else ModelConfig(**model_kw)  # type: ignore[arg-type]
    base = TrainConfig(**TINY_TRAIN) if args.tiny else TrainConfig()  # type: ignore[arg-type]
    tcfg = replace(base, **overrides(args, TRAIN_FLAGS))  # type: ignore[arg-type]
    return mcfg, replace(tcfg, steps=steps_from(args, tcfg.steps, n_train, tcfg.batch_size))


def train(args: argparse.Namespace) -> int:
    info = init_distributed(args.device)
    try:
        threads = setup_threads(args.threads, info)
        store = open_corpus(args.data)
        train_set = load_split(store, "train")
        valid_set = load_split(store, "valid") if len(store.split_indices("valid")) else None
        mcfg, tcfg = _configs(args, store.styles, store.feature_config, len(train_set))
        fresh = run_config(
            "wae", mcfg.to_dict(), tcfg.to_dict(), store.card, args.data, len(train_set), info.world
        )
        session = open_session(args.out, "wae", fresh, args.resume, args.overwrite, info)
        if args.resume:
            mcfg = ModelConfig.from_dict(session.config["model"])
            tcfg = TrainConfig.from_dict(session.config["train"])
            if mcfg.variant != args.model:
                raise TrainingError(f"{args.out} trains {mcfg.variant}, not {args.model}")
            if args.steps is not None and args.steps != tcfg.steps:
                tcfg = replace(tcfg, steps=args.steps)  # extend (or shorten) a run
                if info.is_main:
                    write_run_config(args.out, {**session.config, "train": tcfg.to_dict()})
        start(tcfg.seed)
        task = WAETask(mcfg, tcfg, train_set, valid_set, info)
        restore(session, task)
        settings = LoopSettings(
            total_steps=tcfg.steps,
            until=args.until,
            checkpoint_every=tcfg.checkpoint_every,
            log_every=tcfg.log_every,
            valid_every=tcfg.valid_every,
            progress=not args.no_progress,
            postfix=("recon", "mmd", "disc", "adv", "alpha"),
        )
        step = run_loop(task, args.out, settings, info, "wae", session.start_step, session.elapsed)
        if info.is_main:
            print(
                f"{mcfg.variant}: step {step}/{tcfg.steps} ({info.world} process(es) x {threads} "
                f"thread(s)); run folder {args.out}"
            )
        return 0
    finally:
        shutdown(info)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="waefader train"))
