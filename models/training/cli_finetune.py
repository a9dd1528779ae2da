"""``waefader finetune``: fine-tune an MCNN on a trained decoder's reconstructions.

The decoder stays frozen: its reconstructions of the corpus notes (encoder -> decoder with
the notes' own conditions, eval mode) are computed once and the MCNN learns to turn them
into the real audio. Freezing keeps the WAE that evaluation measured unchanged and makes
fine-tuning as cheap as MCNN training (no decoder backward pass). The result is written to
``RUN/mcnn/``, an MCNN run folder, so ``RUN`` alone holds decoder + fine-tuned MCNN.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import torch

from models.config import MCNNConfig, MCNNTrainConfig
from models.progress import stage
from models.training.checkpoint import CHECKPOINT, load_checkpoint
from models.training.cli_common import add_run_options, parse_args, run_guarded
from models.training.cli_mcnn import TINY_TRAIN, fit, resumed_train_config, train_configs
from models.training.data import NoteSet, load_split, open_corpus
from models.training.distributed import init_distributed, shutdown
from models.training.errors import TrainingError
from models.training.mcnn_task import MCNNTask
from models.training.runs import FINETUNED_MCNN, load_wae, read_run_config, run_config
from models.training.session import open_session, setup_threads, start
from models.wae.model import WAE

# Fine-tuning starts from a trained inverter: fewer steps, a lower learning rate.
FINETUNE = MCNNTrainConfig(
    steps=2000, lr=3e-4, warmup_fraction=0.025, checkpoint_every=250, valid_every=250
)


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Fine-tune a trained MCNN on the decoder reconstructions of a WAE run "
        "(decoder frozen); writes RUN/mcnn/.",
    )
    p.add_argument("--run", required=True, type=Path, help="the WAE run folder")
    p.add_argument(
        "--mcnn", type=Path, help="the MCNN run to start from (not needed with --resume)"
    )
    p.add_argument("--data", type=Path, help="corpus folder (default: the one the WAE run used)")
    p.add_argument(
        "--crop-frames",
        type=int,
        help=f"frames per training crop (default {FINETUNE.crop_frames})",
    )
    p.add_argument("--tiny", action="store_true", help="toy-sized run (tests, smoke runs)")
    add_run_options(p, FINETUNE)
    return p


def main(argv: list[str] | None = None, prog: str = "waefader finetune") -> int:
    args = parse_args(build_parser(prog), argv)
    return run_guarded(prog, lambda: finetune(args))


@torch.no_grad()
def reconstruct(wae: WAE, data: NoteSet, batch: int = 64) -> NoteSet:
    """The same notes with their features replaced by the decoder's reconstructions."""
    out = []
    for idx in torch.arange(len(data)).split(batch):
        rec, _ = wae(data.features[idx], data.condition(idx))
        # The exported synth clamps the decoder output at the -100 dB floor before the MCNN
        # (export/wrapper.py): fine-tune on exactly what the MCNN will receive.
        out.append(rec.clamp_min(0.0))
    return NoteSet(torch.cat(out), data.audio, data.labels, data.n_styles)


def _base_mcnn(
    args: argparse.Namespace, features: object
) -> tuple[MCNNConfig, dict[str, torch.Tensor] | None]:
    if args.mcnn is None:
        if not args.resume:
            raise TrainingError("--mcnn MCNN_RUN is needed to start a fine-tuning")
        return MCNNConfig.from_dict(
            read_run_config(args.run / FINETUNED_MCNN, "mcnn")["model"]
        ), None
    cfg = MCNNConfig.from_dict(read_run_config(args.mcnn, "mcnn")["model"])
    if cfg.features != features:
        raise TrainingError(f"{args.mcnn} was trained on other features than {args.run}")
    return cfg, load_checkpoint(args.mcnn / CHECKPOINT)["model"]


def finetune(args: argparse.Namespace) -> int:
    info = init_distributed(args.device)
    try:
        setup_threads(args.threads, info)
        wae, wcfg = load_wae(args.run)
        data_dir = args.data or Path(read_run_config(args.run, "wae")["data_dir"])
        store = open_corpus(data_dir)
        mcfg, init = _base_mcnn(args, wcfg.features)
        if info.is_main:
            stage("waefader finetune", "reconstructing the corpus notes", not args.no_progress)
        train_set = reconstruct(wae, load_split(store, "train", audio=True))
        valid_set = (
            reconstruct(wae, load_split(store, "valid", audio=True))
            if len(store.split_indices("valid"))
            else None
        )
        base = replace(FINETUNE, **TINY_TRAIN) if args.tiny else FINETUNE  # type: ignore[arg-type]
        tcfg = train_configs(args, base, len(train_set))
        sources = {"wae_run": str(args.run), "mcnn_run": str(args.mcnn) if args.mcnn else None}
        fresh = run_config(
            "mcnn",
            mcfg.to_dict(),
            tcfg.to_dict(),
            store.card,
            data_dir,
            len(train_set),
            info.world,
            finetuned_from=sources,
        )
        session = open_session(
            args.run / FINETUNED_MCNN, "mcnn", fresh, args.resume, args.overwrite, info
        )
        tcfg = resumed_train_config(args, session, tcfg, len(train_set))
        start(tcfg.seed)
        task = MCNNTask(
            mcfg, tcfg, train_set, valid_set, info, init=init if session.state is None else None
        )
        return fit(args, session, task, info, "finetune")
    finally:
        shutdown(info)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="waefader finetune"))
