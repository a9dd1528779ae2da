"""The optional post-FX chain (pedalboard): compressor, reverb, limiter, processed in blocks
with ``reset=False`` so their state runs across blocks. What it adds to the latency is
measured by ``waefader latency`` (``fx_added_ms``), not assumed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def make_fx_chain(sample_rate: int) -> Callable[[np.ndarray], np.ndarray]:
    """A callable ``mono block (n,) float32 -> processed (n,) or (1, n)``."""
    import pedalboard

    board = pedalboard.Pedalboard(
        [
            pedalboard.Compressor(threshold_db=-18.0, ratio=3.0, attack_ms=5.0, release_ms=120.0),
            pedalboard.Reverb(
                room_size=0.45, damping=0.5, wet_level=0.22, dry_level=0.8, width=0.0
            ),
            pedalboard.Limiter(threshold_db=-1.0, release_ms=100.0),
        ]
    )

    def process(block: np.ndarray) -> np.ndarray:
        return board.process(block, float(sample_rate), reset=False)

    process.board = board  # type: ignore[attr-defined]
    return process
