"""Style mixing: along a fader path from style A to style B, does the judge hear B rise?

For a path, the style weights are ``(1 - t) * onehot(A) + t * onehot(B)`` for ``t`` in
``[0, 1]`` while z, pitch and dynamics stay fixed. The judge's probability of B is averaged
over several notes per pair. Monotonicity figures: the Spearman correlation between ``t``
and ``p(B)`` (1 = rises steadily) and the fraction of steps where ``p(B)`` does not fall by
more than ``tolerance``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from models.evaluation.generation import playable, prior_z
from models.evaluation.judges import Judges
from models.evaluation.subjects import Conditions, EvalModel


@dataclass(frozen=True)
class MixPath:
    style_a: str
    style_b: str
    t: np.ndarray  # (K,) mixing positions
    p_b: np.ndarray  # (K,) mean judge probability of B
    p_a: np.ndarray  # (K,) mean judge probability of A


def style_pairs(styles: tuple[str, ...], n_pairs: int, rng: np.random.Generator
                ) -> list[tuple[int, int]]:
    """Up to ``n_pairs`` distinct ordered pairs (A, B), A != B, drawn at random."""
    pairs = [(a, b) for a in range(len(styles)) for b in range(len(styles)) if a != b]
    if not pairs:
        return []
    pick = rng.choice(len(pairs), size=min(n_pairs, len(pairs)), replace=False)
    return [pairs[i] for i in sorted(pick)]


def mix_path(model: EvalModel, judges: Judges, a: int, b: int, ranges: dict[str, list[int]],
             steps: int, n_notes: int, rng: np.random.Generator) -> MixPath:
    """Decode ``n_notes`` notes at ``steps`` positions on the A -> B path and judge them."""
    styles = model.styles
    lo_a, hi_a = playable(styles[a], ranges, "octaves_3_4")
    lo_b, hi_b = playable(styles[b], ranges, "octaves_3_4")
    lo, hi = max(lo_a, lo_b), min(hi_a, hi_b)
    if lo > hi:  # no common note: stay inside A's range (the path starts there)
        lo, hi = lo_a, hi_a
    pitch = rng.integers(lo, hi + 1, n_notes)
    z = prior_z(n_notes, model.latent_dim, rng)
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)
    n_styles = len(styles)
    base = Conditions.one_hot(np.repeat(pitch, steps), np.zeros(n_notes * steps, np.int64),
                              np.ones(n_notes * steps, np.int64), n_styles)
    tt = np.tile(t, n_notes)
    style = np.zeros((n_notes * steps, n_styles), np.float32)
    style[:, a] = 1.0 - tt
    style[:, b] += tt
    cond = Conditions(base.pitch_class, base.octave, style, base.dynamics)
    feats = model.decode(np.repeat(z, steps, axis=0), cond)
    prob = judges.predict_proba(feats)["style"].reshape(n_notes, steps, -1)
    return MixPath(styles[a], styles[b], t, prob[:, :, b].mean(0), prob[:, :, a].mean(0))


def monotonicity(path: MixPath, tolerance: float = 0.02) -> dict[str, float]:
    """Spearman(t, p_B), fraction of non-falling steps, and p_B at both ends."""
    rho = float(spearmanr(path.t, path.p_b).statistic) if np.ptp(path.p_b) > 0 else 0.0
    steps = np.diff(path.p_b)
    return {
        "spearman": rho,
        "rising_fraction": float(np.mean(steps >= -tolerance)) if len(steps) else 1.0,
        "p_b_start": float(path.p_b[0]),
        "p_b_end": float(path.p_b[-1]),
    }


def style_mixing(model: EvalModel, judges: Judges, ranges: dict[str, list[int]], n_pairs: int,
                 steps: int, n_notes: int, rng: np.random.Generator
                 ) -> tuple[list[MixPath], dict[str, float]]:
    """Several A -> B paths and their mean monotonicity figures."""
    paths = [mix_path(model, judges, a, b, ranges, steps, n_notes, rng)
             for a, b in style_pairs(model.styles, n_pairs, rng)]
    if not paths:
        return [], {}
    figs = [monotonicity(p) for p in paths]
    summary = {k: float(np.mean([f[k] for f in figs])) for k in figs[0]}
    return paths, summary
