"""Import a user sample library into a corpus folder, with a report of every skipped file.

Source files are only ever opened for reading; the output folder may not lie inside the
source. One bad file never stops the import: it is skipped and listed with its reason in
``OUT/import_report.json`` (``imported``: paths, ``skipped``: ``{path, reason}``; paths are
relative to the source folder) and ``OUT/import_report.md``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from tqdm import tqdm

from models.data.errors import DatasetError
from models.data.library_formats import (
    FORMATS,
    Entry,
    detect_format,
    scan_csv,
    scan_nsynth,
    scan_sol,
)
from models.data.store import NoteMeta, StoreWriter
from realtime.dsp.audio_io import (
    SILENCE_DBFS,
    AudioError,
    fit_length,
    peak_dbfs,
    resample,
    to_mono,
    trim_to_onset,
)
from realtime.dsp.features import FeatureConfig, preset

MAX_READ_S = 30.0  # only the head of a very long file is read: a note is 1.5 s
MIN_NOTE_S = 0.05  # shorter than this after resampling: a truncated or broken file


@dataclass(frozen=True)
class ImportConfig:
    """How a library is read (saved in the card's settings)."""

    format: str = "auto"
    styles_from: tuple[str, ...] = ()
    tags: str | None = None
    preset: str = "default"
    max_read_s: float = MAX_READ_S
    min_note_s: float = MIN_NOTE_S


def read_head(path: Path, max_seconds: float) -> tuple[np.ndarray, int]:
    """Decode at most ``max_seconds`` of a file: ``(samples, channels)`` float32, rate."""
    if path.stat().st_size == 0:
        raise AudioError("empty file")
    try:
        with sf.SoundFile(str(path)) as f:
            sr = int(f.samplerate)
            n = int(max_seconds * sr) if f.frames <= 0 else min(f.frames, int(max_seconds * sr))
            data = f.read(frames=n, dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile raises several types for bad or foreign files
        detail = str(exc).replace(str(path), path.name)
        raise AudioError(f"unreadable audio ({type(exc).__name__}: {detail})") from None
    if data.shape[0] == 0:
        raise AudioError("no samples (truncated or empty audio)")
    if not np.all(np.isfinite(data)):
        raise AudioError("audio contains NaN or infinite samples")
    return data, sr


def load_library_note(path: Path, feat: FeatureConfig, cfg: ImportConfig) -> np.ndarray:
    """Any readable file -> ``(note_samples,)`` float32 mono at the feature rate."""
    data, sr = read_head(path, cfg.max_read_s)
    x = resample(to_mono(data), sr, feat.sample_rate)
    if x.shape[0] < cfg.min_note_s * feat.sample_rate:
        raise AudioError(f"too short ({1000 * x.shape[0] / feat.sample_rate:.0f} ms)")
    if peak_dbfs(x) < SILENCE_DBFS:
        raise AudioError(f"silent (peak below {SILENCE_DBFS:.0f} dBFS)")
    return fit_length(trim_to_onset(x), feat.note_samples)


def _check_paths(src: Path, out: Path) -> None:
    if not src.is_dir():
        raise DatasetError(f"source folder not found: {src}")
    s, o = src.resolve(), out.resolve()
    if o == s or s in o.parents:
        raise DatasetError(
            f"--out {out} lies inside the source {src}; sources are never written to"
        )


# What an import writes; ``--overwrite`` removes exactly these (never other files).
CORPUS_FILES = (
    "card.json",
    "card.md",
    "meta.csv",
    "features.npy",
    "audio.npy",
    "features.tmp.npy",
    "audio.tmp.npy",
    "features.npy.part",
    "audio.npy.part",
)
REPORT_FILES = ("import_report.json", "import_report.md")


def prepare_out(out: Path, overwrite: bool) -> None:
    """Refuse an existing non-empty ``out`` unless ``overwrite`` (then clear its corpus files).

    A folder holding only the report of a failed import counts as empty: retrying needs no flag.
    """
    if not out.exists():
        return
    if not out.is_dir():
        raise DatasetError(f"--out {out} is a file, not a folder")
    present = sorted(p.name for p in out.iterdir())
    if not overwrite and any(name not in REPORT_FILES for name in present):
        raise DatasetError(
            f"--out {out} is not empty ({', '.join(present[:4])}"
            f"{', ...' if len(present) > 4 else ''}); pass --overwrite to replace the corpus "
            "there, or choose another folder"
        )
    for name in (*CORPUS_FILES, *REPORT_FILES):
        (out / name).unlink(missing_ok=True)


def scan(src: Path, cfg: ImportConfig) -> tuple[str, list[Entry]]:
    """Detect the layout (unless given) and list every candidate."""
    if cfg.format not in FORMATS:
        raise DatasetError(f"unknown format {cfg.format!r}; known: {', '.join(FORMATS)}")
    tags = Path(cfg.tags) if cfg.tags else None
    fmt = detect_format(src, tags) if cfg.format == "auto" else cfg.format
    styles = list(cfg.styles_from) or None
    if fmt == "csv":
        return fmt, scan_csv(src, tags, styles)
    if fmt == "nsynth":
        return fmt, scan_nsynth(src, styles)
    return fmt, scan_sol(src, styles)


def import_library(
    src: str | Path,
    out: str | Path,
    cfg: ImportConfig,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Import ``src`` into the corpus folder ``out``; returns the import report.

    Raises :class:`DatasetError` when ``out`` already holds files (unless ``overwrite``), when
    the layout cannot be read at all or no note could be imported (the report is written).
    """
    src, out = Path(src), Path(out)
    _check_paths(src, out)
    feat = preset(cfg.preset)
    fmt, entries = scan(src, cfg)
    prepare_out(out, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    styles: Counter[str] = Counter()
    imported: list[str] = []
    skipped: list[dict[str, str]] = [
        {"path": e.rel, "reason": e.reason} for e in entries if e.label is None
    ]
    todo = [e for e in entries if e.label is not None]
    writer = StoreWriter(out, feat, capacity=max(len(todo), 1)) if todo else None
    for e in tqdm(todo, desc="importing", unit="file", disable=not progress):
        assert e.label is not None and e.path is not None and writer is not None
        try:
            audio = load_library_note(e.path, feat, cfg)
        except (AudioError, OSError) as exc:
            skipped.append({"path": e.rel, "reason": str(exc)})
            continue
        lab = e.label
        writer.add(
            audio,
            NoteMeta(
                id=e.id,
                source=e.rel,
                pitch=lab.pitch,
                instrument=lab.instrument,
                technique=lab.technique,
                style=lab.style,
                dynamics=lab.dynamics,
            ),
        )
        imported.append(e.rel)
        styles[lab.style] += 1
    report = make_report(src, fmt, cfg, imported, skipped, styles)
    write_report(out, report)
    if writer is None or not writer.meta:
        _discard(writer, out)
        raise DatasetError(f"no note could be imported from {src}; see {out / 'import_report.md'}")
    settings = {
        **asdict(cfg),
        "styles_from": list(cfg.styles_from),
        "format": fmt,
        "source": str(src),
        "n_skipped": len(skipped),
    }
    writer.close(settings)
    return report


def _discard(writer: StoreWriter | None, out: Path) -> None:
    """Drop the scratch arrays of an import that produced nothing."""
    if writer is None:
        return
    del writer
    for name in ("audio.tmp.npy", "features.tmp.npy"):
        (out / name).unlink(missing_ok=True)


def reason_kind(reason: str) -> str:
    """The short kind of a skip reason, for the summary (``unreadable audio``, ``silent``)."""
    return reason.split(" (")[0].split(":")[0].strip()


def make_report(
    src: Path,
    fmt: str,
    cfg: ImportConfig,
    imported: list[str],
    skipped: list[dict[str, str]],
    styles: Counter[str] | None = None,
) -> dict[str, Any]:
    skipped = sorted(skipped, key=lambda s: s["path"])
    return {
        "source": str(src),
        "format": fmt,
        "styles_from": list(cfg.styles_from),
        "styles": dict(sorted((styles or Counter()).items())),
        "n_imported": len(imported),
        "n_skipped": len(skipped),
        "reasons": dict(sorted(Counter(reason_kind(s["reason"]) for s in skipped).items())),
        "imported": imported,
        "skipped": skipped,
    }


def report_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Import report\n\nSource `{report['source']}` ({report['format']} layout): "
        f"{report['n_imported']} imported, {report['n_skipped']} skipped.\n"
    ]
    if report.get("styles"):
        lines.append("| style | notes |\n| --- | --- |")
        lines += [f"| {k} | {n} |" for k, n in report["styles"].items()]
        lines.append("")
    if report["skipped"]:
        lines.append("| skipped file | reason |\n| --- | --- |")
        lines += [f"| {s['path']} | {s['reason']} |" for s in report["skipped"]]
    return "\n".join(lines) + "\n"


def summary_text(report: dict[str, Any]) -> str:
    """A few lines for the terminal."""
    n_in, n_out = report["n_imported"], report["n_skipped"]
    head = f"imported {n_in} notes, skipped {n_out} files ({report['format']} layout)"
    styles = report.get("styles", {})
    made = [f"  {n:5d}  {k}" for k, n in styles.items()]
    kinds = [f"  {n:5d}  {k}" for k, n in report["reasons"].items()]
    return "\n".join(
        [
            head,
            *([f"{len(styles)} style(s):", *made] if made else []),
            *(["skipped:", *kinds] if kinds else []),
        ]
    )


def write_report(out: Path, report: dict[str, Any]) -> None:
    for name, text in (
        ("import_report.json", json.dumps(report, indent=2)),
        ("import_report.md", report_markdown(report)),
    ):
        tmp = out / (name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, out / name)
