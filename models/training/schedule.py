"""Pure schedule functions: the Fader alpha warm-up and the learning-rate factor."""

from __future__ import annotations

import math
from typing import Any

from models.config import warmup_length


def alpha_at(
    step: int,
    total_steps: int,
    alpha_max: float = 4.0,
    pre_fraction: float = 0.1,
    rise_end_fraction: float = 0.5,
) -> float:
    """Adversarial weight at ``step`` (0-based) of ``total_steps``.

    0 during pre-classification (``step < pre_fraction * total``), then a linear rise that
    reaches ``alpha_max`` at ``rise_end_fraction * total`` (the end of the first half of
    training by default), then ``alpha_max`` to the end.
    """
    pre = pre_fraction * total_steps
    end = rise_end_fraction * total_steps
    if step < pre:
        return 0.0
    if step >= end:
        return float(alpha_max)
    return float(alpha_max) * (step - pre) / (end - pre)


def lr_factor(step: int, total_steps: int, warmup_steps: int, final_fraction: float) -> float:
    """Linear warm-up over ``warmup_steps``, then a cosine decay to ``final_fraction``."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    span = max(total_steps - warmup_steps, 1)
    progress = min((step - warmup_steps) / span, 1.0)
    return final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + math.cos(math.pi * progress))


def describe(train: dict[str, Any]) -> str:
    """One line saying the run's schedules, from a TrainConfig or MCNNTrainConfig dict."""
    steps = int(train["steps"])
    warm = warmup_length(
        int(train.get("warmup_steps", 0)), float(train.get("warmup_fraction", 0.03)), steps
    )
    lr = float(train["lr"])
    final = lr * float(train["lr_final_fraction"])
    text = (
        f"schedule: lr warm-up to {lr:g} over {warm} step(s), cosine decay to {final:g} "
        f"at step {steps}"
    )
    if "alpha_max" in train:
        pre = round(float(train["alpha_pre_fraction"]) * steps)
        end = round(float(train["alpha_rise_end_fraction"]) * steps)
        text += (
            f"; adversarial alpha 0 until step {pre}, linear to {float(train['alpha_max']):g} "
            f"at step {end}"
        )
    return text


def planned(train: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """The planned ``lr`` (and ``alpha``) as metrics.csv logs them: ``{column: [(step, v)]}``.

    The ``lr`` cell of step ``s`` is the rate after ``s`` scheduler steps; the ``alpha`` cell
    is the weight step ``s`` used (0-based ``s - 1``).
    """
    steps = int(train["steps"])
    warm = warmup_length(
        int(train.get("warmup_steps", 0)), float(train.get("warmup_fraction", 0.03)), steps
    )
    lr, final = float(train["lr"]), float(train["lr_final_fraction"])
    xs = range(1, steps + 1)
    out = {"lr": [(s, lr * lr_factor(s, steps, warm, final)) for s in xs]}
    if "alpha_max" in train:
        a = (float(train["alpha_max"]), float(train["alpha_pre_fraction"]))
        end = float(train["alpha_rise_end_fraction"])
        out["alpha"] = [(s, alpha_at(s - 1, steps, a[0], a[1], end)) for s in xs]
    return out
