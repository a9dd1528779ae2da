"""Latent/attribute dependence: how well does z predict each attribute?

A probe is trained on the z of train notes and scored on held-out test notes. The MLP
probe (two small hidden layers) sees non-linear dependence, which a 3-D latent space can
hold in curved regions a linear model misses; the logistic probe is reported beside it.
The Fader's adversary should leave less style in z than wae-style does (closer to chance).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from models.evaluation.judges import ATTRIBUTES

PROBES = ("mlp", "linear")


def make_probe(kind: str, seed: int = 0, tiny: bool = False) -> Pipeline:
    if kind == "mlp":
        hidden = (32,) if tiny else (64, 64)
        clf = MLPClassifier(hidden, max_iter=300 if tiny else 600, random_state=seed,
                            alpha=1e-3)
        return make_pipeline(StandardScaler(), clf)
    if kind == "linear":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    raise ValueError(f"unknown probe {kind!r}; known: {', '.join(PROBES)}")


def probe_accuracy(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                   y_test: np.ndarray, kind: str = "mlp", seed: int = 0, tiny: bool = False
                   ) -> float:
    """Test accuracy of a probe predicting ``y`` ``(N,)`` from ``z`` ``(N, L)``.

    With one class in the train labels there is nothing to learn: the constant guess is
    scored (it is also what any probe would predict).
    """
    if len(z_test) == 0:
        return float("nan")
    classes = np.unique(y_train)
    if len(classes) < 2:
        return float(np.mean(y_test == classes[0]))
    probe = make_probe(kind, seed, tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        probe.fit(z_train, y_train)
    return float(np.mean(probe.predict(z_test) == y_test))


def chance_accuracy(y_train: np.ndarray, y_test: np.ndarray) -> float:
    """Accuracy of always guessing the most frequent train class: the floor of a probe."""
    values, counts = np.unique(y_train, return_counts=True)
    return float(np.mean(y_test == values[np.argmax(counts)])) if len(y_test) else float("nan")


def latent_probe(z_train: np.ndarray, labels_train: dict[str, np.ndarray], z_test: np.ndarray,
                 labels_test: dict[str, np.ndarray], kind: str = "mlp", seed: int = 0,
                 tiny: bool = False) -> dict[str, float]:
    """``{attribute: probe test accuracy}`` for pitch class, octave, style and dynamics."""
    return {a: probe_accuracy(z_train, labels_train[a], z_test, labels_test[a], kind, seed, tiny)
            for a in ATTRIBUTES}


def chance(labels_train: dict[str, np.ndarray], labels_test: dict[str, np.ndarray]
           ) -> dict[str, float]:
    return {a: chance_accuracy(labels_train[a], labels_test[a]) for a in ATTRIBUTES}
