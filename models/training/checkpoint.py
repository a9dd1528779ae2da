"""Atomic checkpoints and the random-number state they carry."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.training.errors import TrainingError

CHECKPOINT = "checkpoint.pt"


class OptimisedState:
    """``state()`` / ``load_state()`` of a training task that holds ``model``,
    ``optimizer`` and ``scheduler``: what a checkpoint needs besides the step and RNGs."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler

    def state(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically: a temporary file in the same folder, flushed
    to disk, then ``os.replace``. A kill at any moment leaves the old or the new file; a
    failed write (disk full) removes the temporary file and raises a one-line TrainingError."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:  # disk full, quota, permissions (torch wraps some)
        tmp.unlink(missing_ok=True)
        kept = "the previous checkpoint is kept" if path.is_file() else "no checkpoint yet"
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise TrainingError(
            f"cannot write checkpoint {path} at step {state.get('step')}: {reason}; {kept}"
        ) from None


def load_checkpoint(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise TrainingError(f"no checkpoint at {path}")
    try:
        state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # a truncated or foreign file: say so, not a traceback
        raise TrainingError(f"cannot read checkpoint {path}: {exc}") from exc
    if not isinstance(state, dict) or "model" not in state:
        raise TrainingError(f"{path} is not a waefader checkpoint")
    return state


def rng_state() -> dict[str, Any]:
    """Global RNG states (python, numpy, torch CPU and CUDA)."""
    out: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        out["cuda"] = torch.cuda.get_rng_state_all()
    return out


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
