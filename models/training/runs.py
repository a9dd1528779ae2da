"""Run folders: what they hold, and the loaders export and evaluation use.

A run folder ``RUN/`` holds

- ``config.json``: ``format_version``, ``kind`` (``wae`` or ``mcnn``), ``model`` (the
  ModelConfig or MCNNConfig dict), ``train`` (TrainConfig or MCNNTrainConfig dict),
  ``data_dir``, ``data_sha256`` (the corpus card's content hash), ``styles`` and
  ``style_ranges`` (from the card), ``n_train``, ``world_size`` (of the last segment),
  ``segments`` (``[{"from_step", "world_size"}]``, one per start or resume), and for a fine-tuned
  MCNN ``finetuned_from`` (``{"wae_run", "mcnn_run"}``);
- ``checkpoint.pt``: model, optimizer, scheduler, step, RNG states (written atomically);
- ``metrics.csv``: one row per logged step;
- ``settings.json``: the command's options, for ``--config RUN/settings.json``;
- ``mcnn/`` (WAE runs, after ``waefader finetune``): the MCNN fine-tuned on this
  decoder, itself an MCNN run folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.config import MCNNConfig, ModelConfig, write_json
from models.mcnn import MCNN
from models.training.checkpoint import CHECKPOINT, load_checkpoint
from models.training.errors import TrainingError
from models.wae.model import WAE

CONFIG = "config.json"
FORMAT_VERSION = 1
FINETUNED_MCNN = "mcnn"


def run_config(
    kind: str,
    model: dict[str, Any],
    train: dict[str, Any],
    card: dict[str, Any],
    data_dir: Path,
    n_train: int,
    world_size: int,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "model": model,
        "train": train,
        "data_dir": str(data_dir),
        "data_sha256": card.get("sha256", ""),
        "styles": list(card.get("styles", [])),
        "style_ranges": card.get("style_ranges", {}),
        "n_train": n_train,
        "world_size": world_size,
        **extra,
    }


def write_run_config(run_dir: Path, config: dict[str, Any]) -> None:
    write_json(run_dir / CONFIG, config)


def read_run_config(run_dir: str | Path, kind: str | None = None) -> dict[str, Any]:
    path = Path(run_dir) / CONFIG
    if not path.is_file():
        raise TrainingError(f"{run_dir} is not a run folder (no {CONFIG})")
    try:
        config: dict[str, Any] = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrainingError(
            f"cannot read {path} ({exc}); restore it, or start a new run with --overwrite"
        ) from None
    if not isinstance(config, dict):
        raise TrainingError(f"{path} is not a run config (not a JSON object)")
    if config.get("format_version") != FORMAT_VERSION:
        raise TrainingError(f"{path}: unsupported format_version {config.get('format_version')}")
    if kind is not None and config.get("kind") != kind:
        raise TrainingError(f"{run_dir} holds a {config.get('kind')!r} run, not a {kind!r} run")
    return config


def load_wae(run_dir: str | Path) -> tuple[WAE, ModelConfig]:
    """The trained WAE of a run (eval mode, CPU) and its config."""
    config = read_run_config(run_dir, "wae")
    cfg = ModelConfig.from_dict(config["model"])
    model = WAE(cfg)
    _load_weights(model, Path(run_dir))
    return model.eval(), cfg


def load_mcnn(run_dir: str | Path) -> tuple[MCNN, MCNNConfig]:
    """The MCNN of an MCNN run folder (eval mode, CPU) and its config.

    Given a WAE run folder, loads its fine-tuned MCNN (``RUN/mcnn/``), so one folder is
    enough to export decoder + MCNN.
    """
    run = Path(run_dir)
    config = read_run_config(run)
    if config.get("kind") == "wae":
        if not (run / FINETUNED_MCNN / CONFIG).is_file():
            raise TrainingError(
                f"{run} has no fine-tuned MCNN; run 'waefader finetune --run {run} --mcnn MCNN_RUN'"
            )
        run = run / FINETUNED_MCNN
        config = read_run_config(run, "mcnn")
    elif config.get("kind") != "mcnn":
        raise TrainingError(f"{run} holds neither an MCNN nor a WAE run")
    cfg = MCNNConfig.from_dict(config["model"])
    model = MCNN(cfg)
    _load_weights(model, run)
    return model.eval(), cfg


def _load_weights(model: Any, run: Path) -> None:
    state = load_checkpoint(run / CHECKPOINT)
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise TrainingError(f"{run / CHECKPOINT} does not match {run / CONFIG}: {exc}") from exc
