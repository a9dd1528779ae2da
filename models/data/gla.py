"""Griffin-Lim check on corpus notes: features -> waveform, measured against the original.

This is the quality floor of the feature representation (what any inverter, MCNN
included, is compared with): the stored note is turned into its log-Mel features and
back with inverse Mel + fast Griffin-Lim, then spectral convergence and log-spectral
distance are taken on the STFT magnitudes of original and rebuilt waveforms.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from models.data.errors import DatasetError
from models.data.store import CorpusStore
from realtime.conditions import midi_name
from realtime.dsp.audio_io import write_wav
from realtime.dsp.griffinlim import features_to_audio, log_spectral_distance, spectral_convergence


def pick_notes(store: CorpusStore, n: int, split: str = "test") -> np.ndarray:
    """``n`` note indices spread evenly over a split (all of it when smaller), ``(k,)``."""
    idx = store.split_indices(split)
    if idx.size == 0:
        raise DatasetError(f"{store.root} has no notes in the {split!r} split")
    if n >= idx.size:
        return idx
    return idx[np.unique(np.linspace(0, idx.size - 1, n).round().astype(np.int64))]


def _wav_name(k: int, style: str, pitch: int, dyn: str, kind: str) -> str:
    return f"{k:03d}-{style.replace(' ', '_')}-{midi_name(pitch)}-{dyn}-{kind}.wav"


def gla_check(
    store: CorpusStore, n: int, iters: int = 100, wav_out: Path | None = None, progress: bool = True
) -> dict[str, Any]:
    """Render ``n`` test notes through features + Griffin-Lim; returns the figures."""
    cfg = store.feature_config
    rows = []
    for k, i in enumerate(
        tqdm(pick_notes(store, n), desc="griffin-lim", unit="note", disable=not progress)
    ):
        m = store.meta[int(i)]
        ref = np.asarray(store.audio[i], dtype=np.float32)
        t0 = time.perf_counter()
        est = features_to_audio(np.asarray(store.features[i], dtype=np.float32), cfg, n_iter=iters)
        ms = 1000 * (time.perf_counter() - t0)
        row: dict[str, Any] = {
            "id": m.id,
            "style": m.style,
            "pitch": m.pitch,
            "dynamics": m.dynamics,
            "spectral_convergence": spectral_convergence(ref, est, cfg),
            "lsd_db": log_spectral_distance(ref, est, cfg),
            "ms": ms,
        }
        if wav_out is not None:
            for kind, x in (("original", ref), ("gla", est)):
                name = _wav_name(k, m.style, m.pitch, m.dynamics, kind)
                write_wav(wav_out / name, x, cfg.sample_rate)
                row[f"wav_{kind}"] = name
        rows.append(row)
    return summarize(rows, iters, str(store.root))


def summarize(rows: list[dict[str, Any]], iters: int, data: str) -> dict[str, Any]:
    sc = np.array([r["spectral_convergence"] for r in rows])
    lsd = np.array([r["lsd_db"] for r in rows])
    return {
        "data": data,
        "split": "test",
        "n_notes": len(rows),
        "iters": iters,
        "spectral_convergence_median": float(np.median(sc)),
        "spectral_convergence_mean": float(np.mean(sc)),
        "lsd_db_median": float(np.median(lsd)),
        "lsd_db_mean": float(np.mean(lsd)),
        "ms_per_note_median": float(np.median([r["ms"] for r in rows])),
        "notes": rows,
    }
