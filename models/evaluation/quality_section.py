"""The ``bench quality`` section of ``waefader evaluate``'s report (``--quality PATH``).

``waefader bench quality`` measures an exported model against the library's own notes with
judges nobody here trained; ``evaluate`` measures torch runs with the project's judges.
A report that shows both reads a ``bench quality`` result (its ``quality.json``, or the
``--out`` folder that holds it, with its figures) and adds its summary: pitch right against
the library's own rate, octave errors, the sources table and the two figures.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from models.evaluation.loading import EvaluationError
from models.evaluation.quality_report import sources_table

REQUIRED = ("model", "n_keys", "pitch_right", "library_pitch_right", "octave_errors", "sources")
FIGURES = ("heatmap.png", "spectrograms.png")


def load_quality(path: Path) -> tuple[dict[str, Any], Path]:
    """(the bench quality result, the folder its figures would sit in). ``path``: a
    quality.json file or the folder holding one."""
    file = path / "quality.json" if path.is_dir() else path
    if not file.is_file():
        raise EvaluationError(
            f"--quality {path}: no quality.json there (write one with "
            "`waefader bench quality --out DIR`)"
        )
    try:
        r = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvaluationError(f"--quality {file}: not a bench quality JSON ({exc})") from None
    missing = [k for k in REQUIRED if not isinstance(r, dict) or k not in r]
    if missing:
        raise EvaluationError(f"--quality {file}: not a bench quality result (no {missing})")
    return r, file.parent


def quality_summary(r: dict[str, Any]) -> dict[str, Any]:
    """The report.json ``quality`` object: the headline figures and every source's."""
    keys = ("model", "n_keys", "n_styles", "judge", "quick", "pitch_right",
            "library_pitch_right", "octave_errors", "sources", "reconstruction")  # fmt: skip
    return {k: r.get(k) for k in keys}


def copy_figures(src: Path, out: Path) -> dict[str, Path]:
    """The bench's figures copied into ``out/figures`` as quality_*.png (those present)."""
    figs = {}
    for name in FIGURES:
        if (src / name).is_file():
            dest = out / "figures" / f"quality_{name}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / name, dest)
            figs[f"quality {name[:-4]}"] = dest
    return figs


def quality_lines(r: dict[str, Any], figs: dict[str, Path], out: Path) -> list[str]:
    """The markdown section."""
    lines = [
        "## Sound quality against the library (`waefader bench quality`)", "",
        f"Exported model `{r['model']}`, {r['n_keys']} keys, judge {r.get('judge', '?')}"
        f"{' (quick run)' if r.get('quick') else ''}: pitch right (within 50 cents, "
        f"torchcrepe) {r['pitch_right']:.3f} of judged keys, the library's own notes "
        f"{r['library_pitch_right']:.3f}; octave errors {r['octave_errors']}. Judges nobody "
        "here trained; definitions in docs/EVALUATION.md.", "",
    ]  # fmt: skip
    lines += sources_table(r)
    rc = r.get("reconstruction") or {}
    if rc:
        lines += [f"Decoder reconstruction (Mel): spectral convergence "
                  f"{rc.get('spectral_convergence', float('nan')):.3f}, LSD "
                  f"{rc.get('lsd_db', float('nan')):.2f} dB.", ""]  # fmt: skip
    lines += [f"![{k}]({p.relative_to(out).as_posix()})\n" for k, p in figs.items()]
    return lines
