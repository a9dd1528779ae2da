"""Pure schedule functions: the Fader alpha warm-up and the learning-rate factor."""

from __future__ import annotations

import math


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
