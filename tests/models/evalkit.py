"""Helpers for the evaluation tests: stand-in models over a synthetic corpus.

``LookupModel`` "decodes" a condition by returning the features of the real train note
that matches it best, so the judges should agree with its requests; with ``hear_style``
off it ignores the style weights (like wae-note), so the style judge should not.
"""

from __future__ import annotations

import numpy as np

from models.data.store import CorpusStore
from models.evaluation.subjects import Conditions


class LookupModel:
    def __init__(self, store: CorpusStore, name: str, hear_style: bool = True) -> None:
        self.name = name
        self.latent_dim = 3
        self.styles = store.styles
        idx = store.split_indices("train")
        lab = store.labels()
        self._feats = np.asarray(store.features[idx], np.float32)
        self._pitch, self._style = lab["pitch"][idx], lab["style"][idx]
        self._dyn = lab["dynamics"][idx]
        self._proj = np.random.default_rng(0).standard_normal((self._feats[0].size, 3)) / 50
        self.hear_style = hear_style

    def encode(self, features: np.ndarray) -> np.ndarray:
        flat = np.asarray(features, np.float32).reshape(len(features), -1)
        return (flat @ self._proj).astype(np.float32)

    def decode(self, z: np.ndarray, cond: Conditions) -> np.ndarray:
        pitch = 12 * (cond.octave.argmax(1) + 1) + cond.pitch_class.argmax(1)
        style = cond.style.argmax(1) if self.hear_style else np.zeros(len(z), np.int64)
        dyn = cond.dynamics.argmax(1)
        out = []
        for p, s, d in zip(pitch, style, dyn, strict=True):
            cost = np.abs(self._pitch - p) * 10 + (self._style != s) * 1000 + (self._dyn != d) * 100
            out.append(self._feats[int(np.argmin(cost))])
        return np.stack(out)


class BlurRenderer:
    """A cheap stand-in MCNN: Griffin-Lim with few iterations."""

    def __init__(self, cfg, name: str = "mcnn") -> None:
        from models.evaluation.subjects import GriffinLimRenderer

        self._gla = GriffinLimRenderer(cfg, n_iter=2, name=name)
        self.name = name

    def render(self, features: np.ndarray) -> np.ndarray:
        return self._gla.render(features)
