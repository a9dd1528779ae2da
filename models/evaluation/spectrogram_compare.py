"""Spectrograms of a few keys: the library's note above the same key from one or more models.

    python -m models.evaluation.spectrogram_compare --data CORPUS --model LABEL=DIR [...]
        --key STYLE:MIDI [...] --out PNG [--seconds S] [--dynamics mf]

For looking at what changed between two model folders (docs/QUALITY.md figures): each column
one key (z = 0, the synth's default point, one-hot style), each row a source, every row
drawn up to its own Nyquist frequency on a shared axis (a 22,050 Hz model's row stops at
11 kHz). The library's note is read from ``CORPUS`` (its own rate).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from models.evaluation.quality import magnitude
from models.evaluation.quality_notes import Key, render_model
from realtime.model import load_model

PROG = "python -m models.evaluation.spectrogram_compare"
WINDOW_S, HOP_S = 0.046, 0.0116  # the same time-frequency grid at every rate


def library_note(corpus: Path, key: Key) -> tuple[np.ndarray, int]:
    """The corpus's note for ``key`` (mono ``(N,)``) and the corpus's sample rate."""
    from models.data.store import CorpusStore

    store = CorpusStore(corpus)
    for i, m in enumerate(store.meta):
        if m.style == key.style and m.pitch == key.midi and m.dynamics == key.dynamics:
            return np.asarray(store.audio[i], np.float32), store.feature_config.sample_rate
    raise SystemExit(f"{PROG}: {corpus} has no {key.style} {key.midi} {key.dynamics} note")


def db_image(x: np.ndarray, sr: int, seconds: float) -> np.ndarray:
    """``(freq bins, frames)`` dB relative to the note's peak, clipped at -90."""
    n_fft = int(2 ** round(np.log2(WINDOW_S * sr)))
    hop = max(1, int(HOP_S * sr))
    mag = magnitude(x[None, : int(seconds * sr)], n_fft, hop)[0].T
    return np.asarray(20 * np.log10(np.maximum(mag / max(float(mag.max()), 1e-9), 1e-5)))


def figure(rows: list[tuple[str, list[tuple[np.ndarray, int]]]], keys: list[Key],
           seconds: float, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = max(sr for _, notes in rows for _, sr in notes) / 2000
    fig, axes = plt.subplots(len(rows), len(keys), figsize=(2.3 * len(keys), 1.8 * len(rows)),
                             squeeze=False, sharey=True)
    for r, (label, notes) in enumerate(rows):
        for c, (x, sr) in enumerate(notes):
            ax = axes[r, c]
            ax.imshow(db_image(x, sr, seconds), origin="lower", aspect="auto", cmap="magma",
                      vmin=-90, vmax=0, extent=(0, seconds, 0, sr / 2000))
            ax.set_ylim(0, top)
            ax.set_xticks([])
            if r == 0:
                k = keys[c]
                ax.set_title(f"{k.style} {k.midi} {k.dynamics}", fontsize=7)
            if c == 0:
                ax.set_ylabel(f"{label}\nkHz", fontsize=7)
            ax.tick_params(labelsize=6)
    fig.tight_layout()
    fig.savefig(out, dpi=72)
    plt.close(fig)


def parse_key(text: str, dynamics: str) -> Key:
    style, _, midi = text.rpartition(":")
    if not style or not midi.isdigit():
        raise SystemExit(f"{PROG}: --key wants STYLE:MIDI, got {text!r}")
    return Key(style, int(midi), dynamics)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="the library's corpus")
    p.add_argument("--model", action="append", required=True, help="LABEL=MODEL_DIR (repeat)")
    p.add_argument("--key", action="append", required=True, help="STYLE:MIDI (repeat)")
    p.add_argument("--dynamics", default="mf", choices=("pp", "mf", "ff"))
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)
    keys = [parse_key(k, a.dynamics) for k in a.key]
    rows = [("library", [library_note(a.data, k) for k in keys])]
    for spec in a.model:
        label, _, folder = spec.partition("=")
        synth = load_model(Path(folder or label))
        z = np.zeros((len(keys), synth.latent_dim), np.float32)
        audio = render_model(synth, keys, z)
        rows.append((label, [(x, synth.sample_rate) for x in audio]))
    figure(rows, keys, a.seconds, a.out)
    print(f"{a.out}: {len(rows)} rows x {len(keys)} keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
