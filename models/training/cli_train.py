"""``waefader train``: train one variant of the WAE family on a corpus.

Also runs under torchrun for data-parallel training::

    torchrun --standalone --nproc_per_node 2 -m models.training.cli_train --model wae-fader ...
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from models.config import RECON_LOSSES, VARIANTS, ModelConfig, TrainConfig
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
from models.training.data import load_split, open_corpus, with_audio
from models.training.distributed import init_distributed, shutdown
from models.training.errors import TrainingError
from models.training.loop import LoopSettings, run_loop
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
from models.training.wae_task import WAETask

# --tiny: the same code path at toy size, for tests and smoke runs.
TINY_TRAIN = dict(batch_size=8, steps=20, checkpoint_every=10, log_every=1, valid_every=10)
TRAIN_FLAGS = {
    "seed": "seed",
    "batch_size": "batch_size",
    "lr": "lr",
    "recon": "recon_loss",
    "sc_weight": "sc_weight",
    "wave_weight": "wave_weight",
    "wave_batch": "wave_batch",
    "gan_weight": "gan_weight",
    "gan_crop": "gan_crop",
    "gan_lr": "gan_lr",
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
        "--tiny",
        action="store_true",
        help=f"toy-sized model and run: {TINY_TRAIN['steps']} steps, batch "
        f"{TINY_TRAIN['batch_size']} (tests, smoke runs)",
    )
    d = TrainConfig()
    p.add_argument("--latent-dim", type=int, help=f"size of z (default {ModelConfig().latent_dim})")
    m = ModelConfig()
    p.add_argument(
        "--dec-head",
        choices=("linear", "harmonic"),
        help="decoder output: linear (the paper's) or harmonic (partials of the asked pitch "
        f"+ noise; in tune by construction) (default {m.dec_head})",
    )
    p.add_argument(
        "--init-from",
        help="WAE run folder whose matching weights start this run (e.g. from 'waefader "
        "recover') (default: none, random weights)",
    )
    p.add_argument(
        "--freeze-encoder",
        action="store_true",
        default=None,
        help="keep the --init-from encoder as it is: train the decoder only (default: off)",
    )
    p.add_argument(
        "--dec-channels",
        help="decoder channels per block, e.g. 256,192,128,128 "
        f"(default {','.join(str(c) for c in m.dec_channels)})",
    )
    p.add_argument(
        "--recon",
        choices=RECON_LOSSES,
        help=f"reconstruction loss: l1, mse or l1+sc (L1 plus the spectral convergence of "
        f"the linear Mel magnitudes) (default {d.recon_loss})",
    )
    p.add_argument(
        "--sc-weight",
        type=float,
        help=f"weight of the spectral-convergence term of l1+sc (default {d.sc_weight:g})",
    )
    p.add_argument(
        "--wave-weight",
        type=float,
        help="weight of the waveform term: the harmonic head's notes played by the hpn "
        "vocoder against the library's audio, multi-resolution STFT (default "
        f"{d.wave_weight:g}: off; needs --dec-head harmonic)",
    )
    p.add_argument(
        "--wave-batch",
        type=int,
        help=f"notes of each batch that the waveform term plays (default {d.wave_batch})",
    )
    p.add_argument(
        "--gan-weight",
        type=float,
        help="weight of adversarial training on the played notes: multi-period + "
        "multi-resolution discriminators, least-squares GAN + feature matching (default "
        f"{d.gan_weight:g}: off; needs --dec-head harmonic)",
    )
    p.add_argument(
        "--gan-crop",
        type=int,
        help=f"samples of each played note the discriminators judge (default {d.gan_crop})",
    )
    p.add_argument(
        "--gan-lr", type=float, help=f"the discriminators' learning rate (default {d.gan_lr:g})"
    )
    p.add_argument(
        "--mmd-weight", type=float, help=f"weight of the MMD term (default {d.mmd_weight:g})"
    )
    add_run_options(p, d)
    return p


def main(argv: list[str] | None = None, prog: str = "waefader train") -> int:
    args = parse_args(build_parser(prog), argv)
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
    try:
        mcfg = ModelConfig.tiny(**model_kw) if args.tiny else ModelConfig(**model_kw)  # type: ignore[arg-type]
        base = TrainConfig(**TINY_TRAIN) if args.tiny else TrainConfig()  # type: ignore[arg-type]
        fields = {**overrides(args, TRAIN_FLAGS), **warmup_fields(args)}
        batch = int(fields.get("batch_size", base.batch_size))  # type: ignore[call-overload]
        fields["steps"] = steps_from(args, base.steps, n_train, batch)
        return mcfg, replace(base, **fields)  # type: ignore[arg-type]
    except ValueError as exc:
        raise TrainingError(str(exc)) from None


def _resumed(
    args: argparse.Namespace, session: Session, n_train: int
) -> tuple[ModelConfig, TrainConfig]:
    """The saved configs, with the safe changes the command line asks for."""
    saved = session.config["train"]
    train = {**given(args, TRAIN_FLAGS), **_warmup_given(args)}
    if args.steps is not None or args.epochs is not None:
        train["steps"] = ("--steps", steps_from(args, saved["steps"], n_train, saved["batch_size"]))
    model = given(args, {"latent_dim": "latent_dim", "dec_head": "dec_head"})
    new_train = reconcile(session, train, model)
    mcfg = ModelConfig.from_dict(session.config["model"])
    if mcfg.variant != args.model:
        raise TrainingError(f"{args.out} trains {mcfg.variant}, not {args.model}")
    try:
        return mcfg, TrainConfig.from_dict(new_train)
    except ValueError as exc:
        raise TrainingError(str(exc)) from None


def _warmup_given(args: argparse.Namespace) -> dict[str, tuple[str, object]]:
    return {k: ("--warmup", v) for k, v in warmup_fields(args).items()}


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
            mcfg, tcfg = _resumed(args, session, len(train_set))
        if tcfg.plays_notes:  # the waveform terms need the notes' audio
            train_set = with_audio(store, "train", train_set)
        start(tcfg.seed)
        task = WAETask(mcfg, tcfg, train_set, valid_set, info)
        restore(session, task)
        begin(session, info, settings_of(args))
        if info.is_main:
            print(describe(tcfg.to_dict()) if mcfg.has_discriminator else _lr_only(tcfg))
        settings = LoopSettings(
            total_steps=tcfg.steps,
            until=args.until,
            checkpoint_every=tcfg.checkpoint_every,
            log_every=tcfg.log_every,
            valid_every=tcfg.valid_every,
            progress=not args.no_progress,
            postfix=_postfix(tcfg),
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


def _postfix(tcfg: TrainConfig) -> tuple[str, ...]:
    """The progress bar's loss terms: those this run computes."""
    wave = ("wave",) if tcfg.wave_weight > 0 else ()
    gan = ("gan_d", "gan_g", "gan_fm") if tcfg.gan_weight > 0 else ()
    return ("recon", *wave, *gan, "mmd", "disc", "adv", "alpha")


def _lr_only(tcfg: TrainConfig) -> str:
    """The schedule line without the adversarial weight (variants with no discriminator)."""
    d = tcfg.to_dict()
    return describe({k: v for k, v in d.items() if not k.startswith("alpha")})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="waefader train"))
