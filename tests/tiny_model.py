"""A tiny untrained WAE-Fader + MCNN exported as a real model folder, for tests.

``build_tiny_model(tmp_dir)`` trains nothing: it builds the smallest configurations of the
real modules (:meth:`ModelConfig.tiny`, :meth:`MCNNConfig.tiny`) with fixed seeds and
exports them through the real export path (graphs, manifest, parity), so the folder has
the shipped model's interface (default feature settings: 22,050 Hz, 32,768-sample notes)
and loads with :func:`realtime.model.load_model`. The notes are noise-like, not music.

Run as a script (``python tests/tiny_model.py OUT_DIR``) to build it in a fresh process:
the ``tiny_model_dir`` fixture does that so the test process itself never imports torch.
"""

from __future__ import annotations

import sys
from pathlib import Path

TINY_STYLES = ("violin", "flute", "cello")
TINY_RANGES = {"violin": (55, 100), "flute": (60, 96), "cello": (36, 76)}


def build_tiny_model(tmp_dir: str | Path) -> Path:
    """Export the tiny model into ``tmp_dir/tiny_model``; returns that folder."""
    import torch

    from export.pipeline import ModelInfo, export_model
    from models.config import MCNNConfig, ModelConfig
    from models.mcnn import MCNN
    from models.wae.model import WAE

    torch.manual_seed(0)
    cfg = ModelConfig.tiny(n_styles=len(TINY_STYLES), style_names=TINY_STYLES)
    wae = WAE(cfg).eval()
    mcnn = MCNN(MCNNConfig.tiny(cfg.features)).eval()
    info = ModelInfo(
        styles=TINY_STYLES,
        style_ranges=TINY_RANGES,
        provenance={"note": "untrained tiny test model", "training_steps": 0},
        model={"variant": cfg.variant, "wae": cfg.to_dict(), "mcnn": mcnn.cfg.to_dict()},
    )
    out = Path(tmp_dir) / "tiny_model"
    export_model(wae.decoder, mcnn, wae.encoder, info, out)
    return out


if __name__ == "__main__":
    print(build_tiny_model(sys.argv[1]))
