"""Which styles sustain: measured from a model's own notes, stored in its manifest.

A style sustains when its notes, rendered at a few pitches across its range (mf, the
latent at the prior's centre), have a held part that lasts and does not fall away
(:func:`realtime.engine.sustain_loop.sustains` on the median envelope of those notes). The
model learned its notes' envelopes from the corpus, so this is the corpus's answer in the
model's own voice, and it works for a user's own library without a list of names.

``export`` writes it into every new manifest; for an existing model folder::

    python -m realtime.sustain_info MODEL_DIR          # print the table
    python -m realtime.sustain_info MODEL_DIR --write  # and add it to manifest.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from realtime.conditions import N_DYNAMICS, note_weights
from realtime.engine.sustain_loop import Envelope, envelope, held_part, sustains
from realtime.manifest import ModelError, read_manifest, write_manifest
from realtime.renderer import NoteRenderer

PITCHES = 4  # notes per style


def style_pitches(low: int, high: int, n: int = PITCHES) -> list[int]:
    """``n`` pitches spread over a style's range, a little inside its ends."""
    inset = min(3, (high - low) // 4)
    return sorted({int(p) for p in np.linspace(low + inset, high - inset, n).round()})


def measure_sustain(
    renderer: NoteRenderer, ranges: Mapping[str, tuple[int, int]]
) -> dict[str, Any]:
    """The manifest's ``sustain`` field for ``renderer`` (one batched render per style)."""
    sr = int(renderer.sample_rate)
    names = renderer.style_names
    styles: dict[str, Any] = {}
    for i, name in enumerate(names):
        pitches = style_pitches(*ranges.get(name, (48, 84)))
        audio = _render(renderer, i, pitches)
        env = median_envelope([envelope(y, sr) for y in audio])
        styles[name] = {
            "sustains": bool(sustains(env, sr)),
            "decay_db_per_s": round(float(env.decay_db_per_s(sr)), 2),
            "held_s": round(float(env.held_seconds(sr)), 3),
        }
    return {
        "source": f"model renders: {PITCHES} pitches per style, mf, z at the prior's centre",
        "styles": styles,
    }


def median_envelope(envs: list[Envelope]) -> Envelope:
    """One envelope from several notes' (the median level frame by frame)."""
    n = min(e.db.shape[0] for e in envs)
    return held_part(np.median(np.stack([e.db[:n] for e in envs]), axis=0), envs[0].frame)


def _render(renderer: NoteRenderer, style: int, pitches: list[int]) -> np.ndarray:
    b = len(pitches)
    z = np.zeros((b, renderer.latent_dim), np.float32)
    pcs, octs = zip(*(note_weights(p) for p in pitches), strict=True)
    onehot = np.zeros((b, len(renderer.style_names)), np.float32)
    onehot[:, style] = 1.0
    dyn = np.zeros((b, N_DYNAMICS), np.float32)
    dyn[:, N_DYNAMICS // 2] = 1.0  # mf
    out = renderer.render(
        z, np.stack(pcs).astype(np.float32), np.stack(octs).astype(np.float32), onehot, dyn
    )
    return np.asarray(out, np.float32)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m realtime.sustain_info", description=__doc__)
    ap.add_argument("model", type=Path, help="model folder")
    ap.add_argument("--write", action="store_true", help="add the table to manifest.json")
    args = ap.parse_args(argv)
    from realtime.model import load_model

    try:
        synth = load_model(args.model)
        info = measure_sustain(synth, dict(synth.style_ranges))
        if args.write:
            write_manifest(args.model, replace(read_manifest(args.model), sustain=info))
    except ModelError as exc:
        print(f"sustain_info: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
