"""The report's PNG figures (matplotlib, Agg backend: no display needed).

Kept small (about 80 dpi) so they can be committed: each function writes one PNG and
returns its path. Shapes: features ``(n_mels, T)``; audio ``(samples,)``; z ``(N, L)``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from models.evaluation.mixing import MixPath
from realtime.dsp.features import FeatureConfig, stft

DPI = 80
# attribute -> (column title, colour map): pitch class is cyclic, octave ordered.
COLOURINGS = {"pitch_class": ("semitone", "hsv"), "octave": ("octave", "viridis"),
              "style": ("style", "tab20")}


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def reconstruction_grid(path: Path, inputs: np.ndarray, recons: dict[str, np.ndarray],
                        titles: list[str] | None = None) -> Path:
    """Rows: notes; columns: the input then each model's reconstruction (log-Mel)."""
    return _save(reconstruction_figure(inputs, recons, titles), path)


def reconstruction_figure(inputs: np.ndarray, recons: dict[str, np.ndarray],
                          titles: list[str] | None = None) -> Figure:
    """The figure of :func:`reconstruction_grid`; row labels ``titles`` (e.g. "A4 violin ff")."""
    n, cols = len(inputs), 1 + len(recons)
    fig, axes = plt.subplots(n, cols, figsize=(1.2 + 2.2 * cols, 1.8 * n), squeeze=False)
    for i in range(n):
        panels = [("input", inputs[i]), *((name, r[i]) for name, r in recons.items())]
        for j, (name, feat) in enumerate(panels):
            ax = axes[i, j]
            ax.imshow(feat, origin="lower", aspect="auto", vmin=0.0, vmax=1.0, cmap="magma")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=8)
            if j == 0 and titles:  # horizontal, wrapped, left of the row: never overlapping
                label = "\n".join(textwrap.wrap(titles[i], 14)) or titles[i]
                ax.set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    fig.subplots_adjust(left=1.1 / (1.2 + 2.2 * cols), wspace=0.08, hspace=0.12)
    return fig


def _embed_3d(z: np.ndarray) -> np.ndarray:
    """3-D view of z: itself, zero-padded when smaller, PCA when larger."""
    if z.shape[1] == 3:
        return z
    if z.shape[1] < 3:
        return np.pad(z, ((0, 0), (0, 3 - z.shape[1])))
    return PCA(3, random_state=0).fit_transform(z)


def tsne_2d(z: np.ndarray, seed: int = 0) -> np.ndarray:
    """2-D t-SNE of z ``(N, L)`` (perplexity shrinks for small N)."""
    perplexity = float(min(30.0, max(2.0, (len(z) - 1) / 3)))
    return TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(z)


def latent_grid(path: Path, latents: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]],
                styles: tuple[str, ...], kind: str = "3d", seed: int = 0) -> Path:
    """One row per model, one column per colouring (semitone, octave, style).

    ``latents``: model -> (z ``(N, L)``, labels ``{attribute: (N,)}``); ``kind`` is ``3d``
    (scatter of z) or ``tsne`` (2-D t-SNE of z).
    """
    rows = list(latents)
    fig = plt.figure(figsize=(10.5, 3.2 * len(rows) + 0.8))
    columns: dict[str, list[Any]] = {a: [] for a in COLOURINGS}
    last: dict[str, Any] = {}
    for r, name in enumerate(rows):
        z, labels = latents[name]
        pts = _embed_3d(z) if kind == "3d" else tsne_2d(z, seed)
        for c, (attr, (title, cmap)) in enumerate(COLOURINGS.items()):
            pos = r * len(COLOURINGS) + c + 1
            ax = fig.add_subplot(len(rows), 3, pos, projection="3d" if kind == "3d" else None)
            if attr == "style" and len(styles) > 20:
                cmap = "turbo"  # tab20 would give two styles one colour
            vmax = len(styles) - 1 if attr == "style" else (11 if attr == "pitch_class" else 8)
            last[attr] = ax.scatter(*pts.T, c=labels[attr], cmap=cmap,  # type: ignore[misc]
                                    vmin=0, vmax=max(vmax, 1), s=4, alpha=0.8)
            ax.set_title(f"{name}: {title}", fontsize=8)
            ax.tick_params(labelsize=5)
            columns[attr].append(ax)
    for attr, axes in columns.items():  # one colour key per column, the same for every row
        _colour_key(fig, axes, last[attr], attr, styles)
    return _save(fig, path)


def _colour_key(fig: Figure, axes: list[Any], mappable: Any, attr: str, styles: tuple[str, ...]
                ) -> None:
    from realtime.conditions import PITCH_NAMES

    names = {"pitch_class": list(PITCH_NAMES), "octave": [str(o) for o in range(9)],
             "style": list(styles)}[attr]
    bar = fig.colorbar(mappable, ax=axes, orientation="horizontal", shrink=0.8, pad=0.04,
                       aspect=40)
    bar.set_ticks(range(len(names)), labels=names)
    bar.ax.tick_params(labelsize=5, rotation=90 if attr == "style" else 0)


def style_mix_plot(path: Path, paths: dict[str, list[MixPath]]) -> Path:
    """One panel per model: judge probability of B along each A -> B path (thin) and
    their mean (thick)."""
    models = list(paths)
    fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 2.8), squeeze=False)
    for ax, name in zip(axes[0], models, strict=True):
        curves = paths[name]
        for p in curves:
            ax.plot(p.t, p.p_b, lw=0.8, alpha=0.6, label=f"{p.style_a}->{p.style_b}")
        if curves:
            ax.plot(curves[0].t, np.mean([p.p_b for p in curves], axis=0), lw=2.5, c="k",
                    label="mean")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("mix t (A -> B)", fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0, 0].set_ylabel("judge p(style B)", fontsize=8)
    if paths[models[0]]:
        axes[0, -1].legend(fontsize=5, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return _save(fig, path)


def renderer_comparison(path: Path, reference: np.ndarray, renders: dict[str, np.ndarray],
                        cfg: FeatureConfig) -> Path:
    """Rows: the real note then each renderer; columns: waveform and STFT spectrogram."""
    rows = [("real", reference), *renders.items()]
    fig, axes = plt.subplots(len(rows), 2, figsize=(8.0, 1.7 * len(rows)), squeeze=False)
    t = np.arange(len(reference)) / cfg.sample_rate
    lim = 1.2 * max(float(np.max(np.abs(reference))), 1e-3)  # the real note's scale
    for i, (name, x) in enumerate(rows):
        axes[i, 0].plot(t, x, lw=0.3)
        axes[i, 0].set_ylabel(name, fontsize=7)
        axes[i, 0].set_ylim(-lim, lim)
        db = 20 * np.log10(np.maximum(np.abs(stft(x, cfg)), 1e-5))
        axes[i, 1].imshow(db, origin="lower", aspect="auto", cmap="magma",
                          vmin=db.max() - 90, vmax=db.max())
        for ax in axes[i]:
            ax.tick_params(labelsize=6)
    axes[0, 0].set_title("waveform", fontsize=8)
    axes[0, 1].set_title("STFT magnitude (dB)", fontsize=8)
    return _save(fig, path)


def accuracy_bars(path: Path, table: dict[str, dict[str, float]], judges: dict[str, float]
                  ) -> Path:
    """Grouped bars: generation accuracy per attribute per model, judges' own accuracy as
    a dashed line over each group."""
    attrs = list(judges)
    models = list(table)
    width = 0.8 / max(len(models), 1)
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    x = np.arange(len(attrs))
    for k, name in enumerate(models):
        ax.bar(x + k * width, [table[name].get(a, np.nan) for a in attrs], width, label=name)
    for i, a in enumerate(attrs):
        ax.hlines(judges[a], i - 0.05, i + 0.8, colors="k", linestyles="dashed", lw=1)
    ax.set_xticks(x + 0.4 - width / 2, attrs, fontsize=8)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("judge accuracy", fontsize=8)
    ax.legend(fontsize=6, ncols=2)
    return _save(fig, path)
