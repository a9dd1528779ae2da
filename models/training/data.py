"""Corpus splits held in memory as tensors, plus the conditions built from their labels.

A default corpus (about 2,800 notes of 256 x 128 features) is ~350 MB as float32, so a
split fits in memory and batches are plain index lookups (no DataLoader workers, which
would only add process start-up time on a 2-core machine).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from models.data.store import CorpusStore
from models.training.errors import TrainingError
from models.wae.condition import Condition


def open_corpus(path: str | Path) -> CorpusStore:
    """Open a corpus folder or raise a :class:`TrainingError` that says what to do."""
    p = Path(path)
    if not p.is_dir():
        raise TrainingError(
            f"corpus folder {p} does not exist; build it with 'waefader dataset build --out {p}'"
        )
    try:
        return CorpusStore(p)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        raise TrainingError(f"cannot open corpus {p}: {exc}") from exc


@dataclass
class NoteSet:
    """One split in memory. ``features (N, n_mels, T)`` float32; ``audio (N, T*hop)``
    float32 or ``None``; ``labels``: name -> ``(N,)`` int64 (pitch_class, octave, style,
    dynamics); ``n_styles`` the width of the style one-hot."""

    features: torch.Tensor
    audio: torch.Tensor | None
    labels: dict[str, torch.Tensor]
    n_styles: int

    def __len__(self) -> int:
        return int(self.features.shape[0])

    def condition(self, idx: torch.Tensor) -> Condition:
        """One-hot conditions of the notes ``idx (B,)``."""
        lab = self.labels
        return Condition.from_labels(
            lab["pitch_class"][idx],
            lab["octave"][idx],
            lab["style"][idx].clamp_min(0),
            lab["dynamics"][idx],
            self.n_styles,
        )


def with_audio(store: CorpusStore, split: str, notes: NoteSet) -> NoteSet:
    """``notes`` (a split loaded without audio) with the split's waveforms added."""
    wav = torch.from_numpy(np.asarray(store.audio[store.split_indices(split)], dtype=np.float32))
    return replace(notes, audio=wav)


def load_split(store: CorpusStore, split: str, audio: bool = False) -> NoteSet:
    """Copy one split of ``store`` into memory (float16 on disk -> float32)."""
    idx = store.split_indices(split)
    if len(idx) == 0:
        raise TrainingError(f"corpus {store.root} has no notes in the {split!r} split")
    labels = {k: torch.from_numpy(v[idx]) for k, v in store.labels().items()}
    if bool((labels["style"] < 0).any()):
        raise TrainingError(f"corpus {store.root}: some notes have a style missing from card.json")
    feats = torch.from_numpy(np.asarray(store.features[idx], dtype=np.float32))
    wav = torch.from_numpy(np.asarray(store.audio[idx], dtype=np.float32)) if audio else None
    return NoteSet(feats, wav, labels, max(len(store.styles), 1))
