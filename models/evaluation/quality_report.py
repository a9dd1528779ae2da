"""The files of ``bench quality --out DIR``: quality.json, per_key.csv, report.md,
heatmap.png (style x key, cents error of the model's notes) and spectrograms.png
(library / model / true Mel -> vocoder for a few representative keys)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models.evaluation.quality import magnitude
from models.evaluation.quality_measure import PITCH_MEASURES, SPECTRAL_MEASURES, STYLE_COLUMNS
from realtime.conditions import midi_name

if TYPE_CHECKING:
    from models.evaluation.quality_bench import BenchRun

CENTS_CLIP = 100.0  # the colour scale: +-1 semitone; beyond it the colour saturates


def clean(x: Any) -> Any:
    """NaN/inf -> None, numpy scalars -> Python, recursively (JSON without NaN)."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_report(res: BenchRun, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "json": out / "quality.json",
        "csv": out / "per_key.csv",
        "heatmap": out / "heatmap.png",
        "spectrograms": out / "spectrograms.png",
        "report": out / "report.md",
    }
    files["json"].write_text(json.dumps(clean(res.result), indent=2) + "\n")
    write_csv(res, files["csv"])
    heatmap(res, files["heatmap"])
    spectrogram_grid(res, files["spectrograms"])
    files["report"].write_text(markdown(res))
    return files


def write_csv(res: BenchRun, path: Path) -> None:
    cols = ["source", "draw", "style", "midi", "note", "dynamics", "library",
            *PITCH_MEASURES, *SPECTRAL_MEASURES]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for name, src in res.sources.items():
            seen: dict[int, int] = {}
            for row, i in enumerate(src.idx):
                k = res.keys[i]
                draw = seen.get(int(i), 0)
                seen[int(i)] = draw + 1
                vals = [src.table[m][row] for m in (*PITCH_MEASURES, *SPECTRAL_MEASURES)]
                w.writerow([name, draw, k.style, k.midi, midi_name(k.midi), k.dynamics,
                            res.library.origin[i],
                            *("" if not np.isfinite(v) else f"{v:.4g}" for v in vals)])


def _grid(res: BenchRun, dynamics: str) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Styles, MIDI columns, cents error (styles x keys; NaN: no key) and octave marks."""
    src = res.sources["model"]
    styles = list(dict.fromkeys(k.style for k in res.keys))
    midis = np.arange(min(k.midi for k in res.keys), max(k.midi for k in res.keys) + 1)
    cents = np.full((len(styles), len(midis)), np.nan)
    octave = np.zeros_like(cents, dtype=bool)
    unvoiced = np.zeros_like(octave)
    for row, i in enumerate(src.idx):
        k = res.keys[i]
        if k.dynamics != dynamics:
            continue
        r, c = styles.index(k.style), k.midi - midis[0]
        cents[r, c] = src.table["cents"][row]
        octave[r, c] = src.table["octave_error"][row] == 1.0
        unvoiced[r, c] = src.table["voiced"][row] == 0.0
    return styles, midis, cents, np.stack([octave, unvoiced])


def heatmap(res: BenchRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dyns = sorted({k.dynamics for k in res.keys}, key=["pp", "mf", "ff"].index)
    n_styles = len({k.style for k in res.keys})
    fig, axes = plt.subplots(len(dyns), 1, figsize=(12, 0.9 + 0.22 * n_styles * len(dyns) + 0.6),
                             squeeze=False)
    im = None
    for ax, d in zip(axes[:, 0], dyns, strict=True):
        styles, midis, cents, marks = _grid(res, d)
        cmap = matplotlib.colormaps["RdBu_r"]
        cmap = cmap.with_extremes(bad="#dddddd")
        im = ax.imshow(np.clip(cents, -CENTS_CLIP, CENTS_CLIP), aspect="auto", cmap=cmap,
                       vmin=-CENTS_CLIP, vmax=CENTS_CLIP, interpolation="nearest",
                       extent=(midis[0] - 0.5, midis[-1] + 0.5, len(styles) - 0.5, -0.5))
        for m, (marker, colour) in zip(marks, (("x", "black"), ("o", "dimgray")), strict=True):
            r, c = np.nonzero(m)
            ax.scatter(midis[c], r, marker=marker, s=14, c=colour, linewidths=0.8)
        ax.set_yticks(range(len(styles)), styles, fontsize=6)
        ticks = [m for m in midis if m % 12 == 0]
        ax.set_xticks(ticks, [midi_name(int(m)) for m in ticks], fontsize=7)
        ax.set_title(f"model notes, {d}: cents error from the key (x octave error, "
                     "o unvoiced, grey: not judged)", fontsize=8)
    if im is not None:
        fig.colorbar(im, ax=axes[:, 0].tolist(), fraction=0.02, pad=0.01, label="cents")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def representative(res: BenchRun, n: int = 6) -> list[int]:
    """Key indices for the spectrogram grid: the worst model notes by |cents| (octave
    errors first), then keys spread over styles and registers, mf where possible."""
    src = res.sources["model"]
    mf = [row for row, i in enumerate(src.idx) if res.keys[i].dynamics == "mf"] or list(
        range(len(src.idx)))
    err = np.nan_to_num(np.abs(src.table["cents"][mf]), nan=0.0)
    worst = [mf[j] for j in np.argsort(-err)[: n // 2] if err[j] > 50]
    rest = [r for r in mf if r not in worst]
    spread = [rest[int((j + 0.5) * len(rest) / (n - len(worst)))] for j in
              range(n - len(worst))] if rest else []
    return [int(src.idx[r]) for r in (worst + spread)[:n]]


def spectrogram_grid(res: BenchRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picks = representative(res)
    rows = [(n, res.sources[n]) for n in ("library", "model", "vocoder") if n in res.sources]
    fig, axes = plt.subplots(len(rows), len(picks), figsize=(2.1 * len(picks), 1.7 * len(rows)),
                             squeeze=False)
    nyq = res.sample_rate / 2000
    for c, i in enumerate(picks):
        k = res.keys[i]
        for r, (name, src) in enumerate(rows):
            where = np.nonzero(src.idx == i)[0]
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if len(where) == 0:
                continue
            mag = magnitude(src.audio[where[0]][None], 1024, 512)[0].T
            db = 20 * np.log10(np.maximum(mag / max(float(mag.max()), 1e-9), 1e-5))
            ax.imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=-90, vmax=0,
                      extent=(0, src.audio.shape[1] / res.sample_rate, 0, nyq))
            if r == 0:
                ax.set_title(f"{k.style} {midi_name(k.midi)} {k.dynamics}", fontsize=7)
            if c == 0:
                ax.set_ylabel(f"{name}\nkHz 0-{nyq:.0f}", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=64)
    plt.close(fig)


def _f(x: Any, d: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return str(x) if isinstance(x, int) else f"{x:.{d}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(r) + " |" for r in rows), ""]


SOURCE_COLUMNS = ("judged", "not_judged", "pitch_right", "octave_errors", "unvoiced",
                  "median_abs_cents", "median_abs_cents_vs_library", "hnr_db", "mrstft",
                  "mrstft_sc", "mrstft_log_mag", "lsd_db", "comb_db", "level_diff_db_median_abs")


def sources_table(r: dict[str, Any]) -> list[str]:
    """Markdown rows: one per source (model, prior, vocoder, gla, library)."""
    rows = [[n, *(_f(v.get(c)) for c in SOURCE_COLUMNS)] for n, v in r["sources"].items()]
    return _table(["source", *SOURCE_COLUMNS], rows)


def markdown(res: BenchRun) -> str:
    r = clean(res.result)
    lines = [
        "# bench quality", "",
        f"Model `{r['model']}`, {r['n_keys']} keys in {r['n_styles']} styles "
        f"(dynamics {', '.join(r['dynamics'])}), library from `{r['corpus']}` "
        f"({r['library_rendered']} notes rendered by FluidSynth, {r['no_library_note']} keys "
        f"without a library note), judge {r['judge']}, {r['draws']} prior draws, "
        f"{r['elapsed_s']:.0f} s on {r['threads']} threads.", "",
        "Definitions: docs/EVALUATION.md, section \"bench quality\". High band: "
        f"{r['high_band']}.", "",
        "## Sources", "",
    ]
    lines += sources_table(r)
    rc = r["reconstruction"]
    if rc:
        lines += [f"Decoder reconstruction on the {rc['n_notes']} test notes (Mel domain): "
                  f"spectral convergence {_f(rc['spectral_convergence'])}, LSD "
                  f"{_f(rc['lsd_db'], 2)} dB, Mel L1 {_f(rc['mel_l1'], 4)}.", ""]
    lines += ["## Per style", ""]
    for src in ("model", "vocoder", "library"):
        if src not in r["sources"]:
            continue
        lines += [f"### {src}", ""]
        rows = [[st, *(_f(v[src].get(c)) for c in STYLE_COLUMNS)]
                for st, v in r["styles"].items() if src in v]
        lines += _table(["style", *STYLE_COLUMNS], rows)
    lines += ["## Octave errors", ""]
    for src, errs in r["octave_error_keys"].items():
        listed = ", ".join(f"{e['style']} {e['note']} {e['dynamics']}" for e in errs) or "none"
        lines += [f"- {src} ({len(errs)}): {listed}"]
    lines += ["", "## Figures", "", "![cents error per key](heatmap.png)", "",
              "![spectrograms](spectrograms.png)", "", "## Per key", ""]
    lines += _per_key_rows(res)
    return "\n".join(lines) + "\n"


def _per_key_rows(res: BenchRun) -> list[str]:
    """One row per key: the model's and the library's pitch, the model's distances."""
    m, lib = res.sources["model"].table, res.sources["library"].table
    rows = []
    for i, k in enumerate(res.keys):
        rows.append([k.style, midi_name(k.midi), k.dynamics, _f(lib["cents"][i], 0),
                     _f(m["cents"][i], 0), "yes" if m["octave_error"][i] == 1.0 else "",
                     _f(m["hnr_db"][i], 1), _f(lib["hnr_db"][i], 1), _f(m["mrstft"][i], 2),
                     _f(m["lsd_db"][i], 1), _f(m["level_diff_db"][i], 1)])
    return _table(["style", "key", "dyn", "library cents", "model cents", "octave",
                   "model HNR", "library HNR", "MR-STFT", "LSD dB", "level dB"], rows)
