"""Start or resume a run folder; shared by ``train``, ``train-mcnn`` and ``finetune``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from models.training.checkpoint import CHECKPOINT, load_checkpoint, seed_everything, set_rng_state
from models.training.distributed import DistInfo, barrier
from models.training.errors import TrainingError
from models.training.runs import CONFIG, read_run_config, write_run_config


@dataclass
class Session:
    """The run's config (``config.json`` content) and, when resuming, its checkpoint."""

    run_dir: Path
    config: dict[str, Any]
    state: dict[str, Any] | None

    @property
    def start_step(self) -> int:
        return int(self.state["step"]) if self.state else 0

    @property
    def elapsed(self) -> float:
        return float(self.state.get("elapsed_s", 0.0)) if self.state else 0.0


def open_session(
    run_dir: Path,
    kind: str,
    new_config: dict[str, Any],
    resume: bool,
    overwrite: bool,
    info: DistInfo,
) -> Session:
    """A fresh run (refusing to clobber one unless ``overwrite``) or the saved one to resume."""
    has_ckpt = (run_dir / CHECKPOINT).is_file()
    has_cfg = (run_dir / CONFIG).is_file()
    if resume:
        if not has_cfg:
            raise TrainingError(f"nothing to resume: {run_dir} has no {CONFIG}")
        config = read_run_config(run_dir, kind)
        state = load_checkpoint(run_dir / CHECKPOINT) if has_ckpt else None
        if state is not None and state.get("kind") != kind:
            raise TrainingError(
                f"{run_dir / CHECKPOINT} is a {state.get('kind')!r} checkpoint, not {kind!r}"
            )
        if new_config.get("data_sha256") and new_config["data_sha256"] != config.get("data_sha256"):
            raise TrainingError(
                f"the corpus changed since {run_dir} started (sha256 "
                f"{config.get('data_sha256', '')[:12]} -> {new_config['data_sha256'][:12]}); "
                "resume with the same corpus or start a new run"
            )
        return Session(run_dir, config, state)
    if (has_ckpt or has_cfg) and not overwrite:
        raise TrainingError(
            f"{run_dir} already holds a run: pass --resume to continue it, "
            "--overwrite to replace it"
        )
    barrier(info)  # every process has looked at the folder before rank 0 writes to it
    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        for stale in (CHECKPOINT, "metrics.csv"):
            (run_dir / stale).unlink(missing_ok=True)
        write_run_config(run_dir, new_config)
    return Session(run_dir, new_config, None)


def restore(session: Session, task: Any) -> None:
    """Load the checkpoint into the task; a mismatch is an incompatible checkpoint."""
    if session.state is None:
        return
    try:
        task.load_state(session.state)
    except (RuntimeError, KeyError, ValueError) as exc:
        raise TrainingError(
            f"incompatible checkpoint {session.run_dir / CHECKPOINT} "
            f"for {session.run_dir / CONFIG}: {exc}"
        ) from exc
    set_rng_state(session.state["rng"])


def setup_threads(threads: int | None, info: DistInfo) -> int:
    """Set torch's intra-op threads (default: the cores shared by the local processes)."""
    if threads is None:
        local = int(os.environ.get("LOCAL_WORLD_SIZE", str(info.world)))
        threads = max(1, (os.cpu_count() or 1) // max(local, 1))
    torch.set_num_threads(threads)
    return threads


def start(seed: int) -> None:
    seed_everything(seed)
