"""The three sample-library layouts ``waefader dataset import`` reads.

Each scanner walks a source folder (read-only) and returns one :class:`Entry` per file
or table row: either a :class:`Label` to import or the reason it cannot be.

- tags CSV: a folder with a CSV (``path``, ``pitch``, tag columns...);
- SOL / TinySOL: labels in the file names (``Vn-ord-A4-ff-N-N.wav``);
- NSynth: ``examples.json`` + ``audio/<note_str>.wav``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.data.errors import DatasetError
from models.data.labels import (
    ORDINARIO,
    Label,
    LabelError,
    parse_dynamics,
    parse_pitch,
    parse_sol_name,
    velocity_dynamics,
)

FORMATS = ("auto", "csv", "sol", "nsynth")
AUDIO_EXTENSIONS = frozenset(
    [
        ".wav",
        ".wave",
        ".aif",
        ".aiff",
        ".aifc",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".mp3",
        ".caf",
        ".w64",
        ".au",
        ".snd",
        ".rf64",
    ]
)
RESERVED_COLUMNS = ("path", "pitch", "dynamics", "velocity")
DEFAULT_DYNAMICS = "mf"  # for a tags CSV without a dynamics or velocity column


@dataclass(frozen=True)
class Entry:
    """One candidate note: ``rel`` is the path the report shows (relative to the source)."""

    rel: str
    path: Path | None
    label: Label | None = None
    reason: str = ""
    id: str = ""


def walk_files(src: Path) -> Iterator[Path]:
    """Every file under ``src``, sorted, hidden files and folders left out."""
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        yield p


def _rel(p: Path, src: Path) -> str:
    return p.relative_to(src).as_posix()


def _other_file(p: Path, src: Path, unlabelled: str) -> Entry:
    """A file the metadata does not name: unlabelled audio, or not audio at all."""
    if p.suffix.lower() in AUDIO_EXTENSIONS:
        return Entry(_rel(p, src), p, reason=unlabelled)
    return Entry(_rel(p, src), p, reason=f"not an audio file (extension {p.suffix or 'none'!r})")


def detect_format(src: Path, tags: Path | None) -> str:
    if tags is not None:
        return "csv"
    if (src / "examples.json").is_file():
        return "nsynth"
    if find_tags_csv(src, required=False) is not None:
        return "csv"
    return "sol"


def find_tags_csv(src: Path, required: bool = True) -> Path | None:
    """``tags.csv`` at the top of ``src``, else the only CSV there with a ``path`` column."""
    if (src / "tags.csv").is_file():
        return src / "tags.csv"
    found = [p for p in sorted(src.glob("*.csv")) if "path" in _header(p)]
    if len(found) == 1:
        return found[0]
    if required:
        what = "several CSV files" if found else "no CSV with a 'path' column"
        raise DatasetError(f"{src}: {what} at the top level; name the tags file with --tags FILE")
    return None


def _header(p: Path) -> list[str]:
    try:
        with open(p, newline="", encoding="utf-8-sig") as f:
            return [h.strip().lower() for h in next(csv.reader(f), [])]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


# ---- tags CSV ------------------------------------------------------------------------


def scan_csv(src: Path, tags: Path | None, styles_from: list[str] | None) -> list[Entry]:
    """Rows of the tags CSV, then every other file of ``src`` as unlabelled.

    Style rule: the non-empty values of the tag columns (every column but path, pitch,
    dynamics, velocity; or only the ``--styles-from`` columns), in column order, joined
    with ``-``. ``instrument`` / ``technique`` columns, when present, also fill those
    fields; otherwise instrument = the first style value, technique = the other style
    values joined with ``-`` (``ordinario`` when there are none).
    """
    table = tags if tags is not None else find_tags_csv(src)
    assert table is not None
    if not table.is_absolute() and not table.exists():
        table = src / table
    rows, header = _read_table(table)
    tag_cols = [h for h in header if h not in RESERVED_COLUMNS]
    style_cols = _style_columns(styles_from, tag_cols, table)
    entries: list[Entry] = []
    seen: set[Path] = set()
    for n, row in enumerate(rows, start=2):  # line 1 is the header
        raw = (row.get("path") or "").strip()
        path = (table.parent / raw).resolve() if raw else None
        rel = raw or f"{table.name}:{n}"
        if path is None:
            entries.append(Entry(rel, None, reason=f"no path (row {n} of {table.name})"))
        elif path in seen:
            entries.append(
                Entry(rel, path, reason=f"duplicate row (row {n} names the same file again)")
            )
        elif not path.is_file():
            seen.add(path)
            entries.append(Entry(rel, path, reason="file not found"))
        else:
            seen.add(path)
            entries.append(_csv_entry(rel, path, row, style_cols, header))
    for p in walk_files(src):
        if p.resolve() not in seen and p.resolve() != table.resolve():
            entries.append(_other_file(p, src, f"not listed in {table.name} (unlabelled)"))
    return entries


def _read_table(table: Path) -> tuple[list[dict[str, str]], list[str]]:
    try:
        with open(table, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            reader.fieldnames = header
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"cannot read the tags CSV {table}: {exc}") from None
    missing = [c for c in ("path", "pitch") if c not in header]
    if missing:
        raise DatasetError(
            f"{table}: missing column(s) {', '.join(missing)}; found: {', '.join(header)}"
        )
    return rows, header


def _style_columns(styles_from: list[str] | None, tag_cols: list[str], table: Path) -> list[str]:
    if not styles_from:
        if not tag_cols:
            raise DatasetError(f"{table}: no tag columns besides {', '.join(RESERVED_COLUMNS)}")
        return tag_cols
    wanted = [c.strip().lower() for c in styles_from]
    unknown = [c for c in wanted if c not in tag_cols]
    if unknown:
        raise DatasetError(
            f"--styles-from {', '.join(unknown)}: not a tag column of {table.name} "
            f"(tag columns: {', '.join(tag_cols)})"
        )
    return wanted


def _csv_entry(
    rel: str, path: Path, row: dict[str, str], style_cols: list[str], header: list[str]
) -> Entry:
    try:
        pitch = parse_pitch(row.get("pitch"))
        values = [(row.get(c) or "").strip() for c in style_cols]
        values = [v for v in values if v]
        if not values:
            raise LabelError("no style tag (unlabelled)")
        dyn = _csv_dynamics(row, header)
    except LabelError as exc:
        return Entry(rel, path, reason=str(exc))
    inst = (row.get("instrument") or "").strip() or values[0]
    tech = (row.get("technique") or "").strip() or ("-".join(values[1:]) or ORDINARIO)
    label = Label(pitch, inst, tech, "-".join(values), dyn)
    return Entry(rel, path, label, id=f"import/{rel}")


def _csv_dynamics(row: dict[str, str], header: list[str]) -> str:
    if "dynamics" in header and (row.get("dynamics") or "").strip():
        return parse_dynamics(row["dynamics"])
    if "velocity" in header and (row.get("velocity") or "").strip():
        return velocity_dynamics(row["velocity"])
    return DEFAULT_DYNAMICS


# ---- SOL / TinySOL -------------------------------------------------------------------


def scan_sol(src: Path, styles_from: list[str] | None) -> list[Entry]:
    """Every audio file under ``src``, labelled by its SOL-style name."""
    mode = styles_from[0].strip().lower() if styles_from else None
    if styles_from and (len(styles_from) != 1 or mode not in ("instrument", "technique", "both")):
        raise DatasetError("--styles-from for SOL names must be instrument, technique or both")
    entries = []
    for p in walk_files(src):
        rel = _rel(p, src)
        if p.suffix.lower() not in AUDIO_EXTENSIONS:
            entries.append(_other_file(p, src, ""))
            continue
        try:
            entries.append(Entry(rel, p, parse_sol_name(p.stem, mode), id=f"import/{rel}"))
        except LabelError as exc:
            entries.append(Entry(rel, p, reason=str(exc)))
    return entries


# ---- NSynth --------------------------------------------------------------------------

NSYNTH_DEFAULT_STYLE = ("instrument_family_str", "instrument_source_str")


def scan_nsynth(src: Path, styles_from: list[str] | None) -> list[Entry]:
    """Entries of ``examples.json`` (audio in ``audio/<note_str>.wav``), then stray files.

    Style: the ``--styles-from`` fields (default instrument_family_str and
    instrument_source_str) joined with ``-``, e.g. ``string-acoustic``; instrument =
    the family, technique = the source; velocity -> dynamics.
    """
    meta_path = src / "examples.json"
    try:
        examples = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"cannot read {meta_path}: {exc}") from None
    if not isinstance(examples, dict):
        raise DatasetError(f"{meta_path}: expected an object of note_str -> fields")
    fields = [f.strip() for f in styles_from] if styles_from else list(NSYNTH_DEFAULT_STYLE)
    entries: list[Entry] = []
    named: set[Path] = set()
    for key in sorted(examples):
        path = (src / "audio" / f"{key}.wav").resolve()
        named.add(path)
        rel = f"audio/{key}.wav"
        if not path.is_file():
            entries.append(Entry(rel, None, reason="audio file missing"))
            continue
        entries.append(_nsynth_entry(rel, path, key, examples[key], fields))
    for p in walk_files(src):
        if p.resolve() not in named and p.resolve() != meta_path.resolve():
            entries.append(_other_file(p, src, "not listed in examples.json (unlabelled)"))
    return entries


def _nsynth_entry(rel: str, path: Path, key: str, rec: object, fields: list[str]) -> Entry:
    if not isinstance(rec, dict):
        return Entry(rel, path, reason="bad examples.json entry (not an object)")
    try:
        pitch = parse_pitch(rec.get("pitch"))
        dyn = velocity_dynamics(rec["velocity"]) if "velocity" in rec else DEFAULT_DYNAMICS
        values = [str(rec.get(f) or "").strip() for f in fields]
        if not all(values):
            missing = [f for f, v in zip(fields, values, strict=True) if not v]
            raise LabelError(f"no {', '.join(missing)} (unlabelled)")
    except LabelError as exc:
        return Entry(rel, path, reason=str(exc))
    inst = str(rec.get("instrument_family_str") or values[0])
    tech = str(rec.get("instrument_source_str") or ORDINARIO)
    return Entry(rel, path, Label(pitch, inst, tech, "-".join(values), dyn), id=f"nsynth/{key}")
