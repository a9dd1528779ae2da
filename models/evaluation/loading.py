"""Run folders -> evaluation subjects and renderers (models.training.runs does the loading).

A WAE run ``RUN`` gives a subject named after its variant; ``RUN/mcnn`` (after
``waefader finetune``) is that subject's fine-tuned MCNN, and the MCNN it was fine-tuned
from (``finetuned_from.mcnn_run`` in its config) is the base MCNN renderer unless
``--mcnn`` names one.
"""

from __future__ import annotations

from pathlib import Path

from models.data.store import CorpusStore
from models.evaluation.study import Subject
from models.evaluation.subjects import TorchMCNN, TorchWAE


class EvaluationError(RuntimeError):
    """A user mistake (bad run, mismatched corpus): printed without a traceback, exit 2."""


def load_subject(run_dir: Path, store: CorpusStore, taken: set[str]) -> Subject:
    from models.training.errors import TrainingError
    from models.training.runs import FINETUNED_MCNN, load_mcnn, load_wae

    try:
        wae, cfg = load_wae(run_dir)
    except (TrainingError, FileNotFoundError) as exc:
        raise EvaluationError(str(exc)) from None
    if tuple(cfg.style_names) != store.styles:
        raise EvaluationError(
            f"{run_dir}: trained on styles {list(cfg.style_names)}, the corpus "
            f"has {list(store.styles)}; evaluate on the run's corpus"
        )
    if cfg.features != store.feature_config:
        raise EvaluationError(f"{run_dir}: trained on other feature settings than {store.root}")
    name = cfg.variant if cfg.variant not in taken else f"{cfg.variant}:{run_dir.name}"
    finetuned = None
    if (run_dir / FINETUNED_MCNN / "config.json").is_file():
        mcnn, _ = load_mcnn(run_dir)
        finetuned = TorchMCNN(mcnn, "mcnn_finetuned")
    return Subject(name, TorchWAE(wae, name), finetuned, str(run_dir))


def base_mcnn_dir(runs: list[Path], explicit: Path | None) -> Path | None:
    """The base MCNN run: ``--mcnn`` or the one the first fine-tuned MCNN came from."""
    import json

    if explicit is not None:
        return explicit
    for run in runs:
        cfg_path = run / "mcnn" / "config.json"
        if not cfg_path.is_file():
            continue
        src = json.loads(cfg_path.read_text()).get("finetuned_from", {}).get("mcnn_run")
        if not src:
            continue
        # A relative path was relative to where finetune ran: here, or beside the run.
        for cand in (Path(src), run.parent / src):
            if (cand / "config.json").is_file():
                return cand
    return None


def load_base_mcnn(path: Path, store: CorpusStore) -> TorchMCNN:
    from models.training.errors import TrainingError
    from models.training.runs import load_mcnn

    try:
        mcnn, cfg = load_mcnn(path)
    except (TrainingError, FileNotFoundError) as exc:
        raise EvaluationError(str(exc)) from None
    if cfg.features != store.feature_config:
        raise EvaluationError(f"{path}: MCNN made for other feature settings than {store.root}")
    return TorchMCNN(mcnn, "mcnn")
