"""Start or resume a run folder; shared by ``train``, ``train-mcnn`` and ``finetune``.

Nothing is written until the run has really started: :func:`open_session` only reads and
checks, :func:`begin` (called once the task is built, just before the first step) writes
``config.json`` and ``settings.json``. A failed start therefore leaves the folder as it was,
and the corrected command needs no ``--overwrite``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from models.config import write_json
from models.training.checkpoint import CHECKPOINT, load_checkpoint, seed_everything, set_rng_state
from models.training.distributed import DistInfo, barrier
from models.training.errors import TrainingError
from models.training.metrics import METRICS
from models.training.runs import CONFIG, read_run_config, write_run_config

SETTINGS = "settings.json"  # the command's options; `--config RUN/settings.json` repeats it
# Train fields a resumed run may change: they do not change what the checkpoint means.
SAFE_ON_RESUME = ("steps", "checkpoint_every", "log_every", "valid_every")

Given = dict[str, tuple[str, Any]]  # config field -> (the flag that set it, its value)


@dataclass
class Session:
    """The run's config (``config.json`` content) and, when resuming, its checkpoint."""

    run_dir: Path
    config: dict[str, Any]
    state: dict[str, Any] | None
    resumed: bool = False

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
    """A fresh run (refusing to clobber one unless ``overwrite``) or the saved one to resume.

    Writes nothing; see :func:`begin`.
    """
    has_ckpt = (run_dir / CHECKPOINT).is_file()
    has_cfg = (run_dir / CONFIG).is_file()
    if resume:
        if not has_cfg:
            raise TrainingError(
                f"nothing to resume: {run_dir} has no {CONFIG}; start the run without --resume"
            )
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
        return Session(run_dir, _new_segment(config, state, info), state, resumed=True)
    if (has_ckpt or has_cfg) and not overwrite:
        raise TrainingError(
            f"{run_dir} already holds a run: pass --resume to continue it, "
            "--overwrite to replace it"
        )
    segments = [{"from_step": 0, "world_size": info.world}]
    return Session(run_dir, {**new_config, "segments": segments}, None)


def _new_segment(
    config: dict[str, Any], state: dict[str, Any] | None, info: DistInfo
) -> dict[str, Any]:
    """The saved config with this resumed segment's world size recorded."""
    step = int(state["step"]) if state else 0
    segments = list(
        config.get("segments") or [{"from_step": 0, "world_size": config["world_size"]}]
    )
    segments = [s for s in segments if int(s["from_step"]) < step]  # steps redone are not kept
    segments.append({"from_step": step, "world_size": info.world})
    return {**config, "world_size": info.world, "segments": segments}


def reconcile(session: Session, train: Given, model: Given | None = None) -> dict[str, Any]:
    """On resume: the run's saved train dict with the safe changes (:data:`SAFE_ON_RESUME`)
    the command line asks for applied; any other difference is refused, listed."""
    saved_train = session.config["train"]
    refused, changes = [], {}
    for section, given in (("train", train), ("model", model or {})):
        saved = session.config[section]
        for field, (flag, value) in given.items():
            old = saved.get(field)
            if _same(old, value):
                continue
            if section == "train" and field in SAFE_ON_RESUME:
                changes[field] = value
            else:
                refused.append(f"{flag} {_show(value)} (the run has {_show(old)})")
    if refused:
        raise TrainingError(
            f"--resume continues {session.run_dir} with its own settings, and these differ: "
            f"{'; '.join(refused)}. Drop them to continue, or start a new run "
            "(another --out, or --overwrite)"
        )
    for field, value in changes.items():
        print(f"resume: {field} {saved_train.get(field)} -> {value}", file=sys.stderr)
    new_train = {**saved_train, **changes}
    session.config = {**session.config, "train": new_train}
    return new_train


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    return bool(a == b)


def _show(v: Any) -> str:
    return ",".join(str(x) for x in v) if isinstance(v, list | tuple) else str(v)


def begin(session: Session, info: DistInfo, settings: dict[str, Any] | None = None) -> None:
    """The run has really started: write ``config.json`` (and ``settings.json`` for a fresh
    run), replacing what a fresh run overwrites. Call on every process."""
    barrier(info)  # every process has looked at the folder before rank 0 writes to it
    if info.is_main:
        run_dir = session.run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        if not session.resumed:
            for stale in (CHECKPOINT, METRICS, SETTINGS):
                (run_dir / stale).unlink(missing_ok=True)
            if settings is not None:
                write_json(run_dir / SETTINGS, settings)
        write_run_config(run_dir, session.config)
    barrier(info)


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
