"""Where an exported model comes from: run configs, checkpoints, metrics, evaluation report.

Everything here is best effort and never fails an export for lack of history (a missing
metrics file gives ``{}``); a named evaluation report that cannot be read does fail, since
the user asked for it.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

from models.training.checkpoint import CHECKPOINT, load_checkpoint
from models.training.metrics import METRICS, read_metrics
from models.training.runs import CONFIG

REPO_ROOT = Path(__file__).resolve().parent.parent
EVALUATION_KEYS = ("generation", "generation_full_range", "reconstruction", "latent_probe")


class ProvenanceError(Exception):
    """An evaluation report the user named cannot be used."""


def git_commit(root: Path = REPO_ROOT) -> dict[str, Any]:
    """``{"commit": hex, "dirty": bool}`` of the source tree, or ``{"commit": "unknown"}``."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": "unknown"}
    if head.returncode != 0:
        return {"commit": "unknown"}
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def run_summary(run_dir: Path) -> dict[str, Any]:
    """A run's folder, trained steps and last logged metrics."""
    config = json.loads((run_dir / CONFIG).read_text())
    step = load_checkpoint(run_dir / CHECKPOINT).get("step")
    out: dict[str, Any] = {
        "run": str(run_dir),
        "kind": config.get("kind"),
        "training_steps": int(step) if step is not None else None,
        "n_train": config.get("n_train"),
        "metrics": last_metrics(run_dir / METRICS),
    }
    if "finetuned_from" in config:
        out["finetuned_from"] = config["finetuned_from"]
    return out


def last_metrics(path: Path) -> dict[str, float]:
    """The last logged value of every metric column (``{}`` without a metrics file)."""
    if not path.is_file():
        return {}
    return {k: round(v[-1][1], 6) for k, v in read_metrics(path).items() if v}


def provenance(wae_run: Path, mcnn_run: Path | None, run_config: dict[str, Any]) -> dict[str, Any]:
    """Where the model came from; ``mcnn_run`` None: no MCNN (the hpn vocoder)."""
    wae = run_summary(wae_run)
    return {
        "dataset_sha256": run_config.get("data_sha256", ""),
        "dataset": run_config.get("data_dir", ""),
        "source": git_commit(),
        "exported_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "training_steps": wae["training_steps"],
        "wae": wae,
        "mcnn": run_summary(mcnn_run) if mcnn_run is not None else None,
    }


def evaluation_figures(report: Path, model_name: str) -> dict[str, Any]:
    """The figures of one model from an evaluation ``report.json`` (or its folder)."""
    path = report / "report.json" if report.is_dir() else report
    try:
        rep = json.loads(path.read_text())
        models = rep["models"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProvenanceError(f"cannot read the evaluation report {path}: {exc}") from None
    if model_name not in models:
        if len(models) != 1:
            raise ProvenanceError(
                f"{path} has no model {model_name!r} (it has {sorted(models)}); "
                "choose one with --evaluation-model"
            )
        model_name = next(iter(models))
    entry = models[model_name]
    out = {k: entry[k] for k in EVALUATION_KEYS if k in entry}
    return {**out, "judges": rep.get("judges", {}), "model": model_name, "report": str(path)}
