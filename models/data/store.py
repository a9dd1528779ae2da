"""The on-disk note corpus: memory-mappable arrays + a metadata table + a dataset card.

Layout of a corpus folder (torch-free, so the runtime and scripts can read it too)::

    features.npy   float16 (N, n_mels, n_frames)  log-Mel features (fixed global scale)
    audio.npy      float16 (N, note_samples)       the notes at the feature sample rate
    meta.csv       one row per note: id, source, pitch, pitch_class, octave, instrument,
                   technique, style, dynamics, split
    card.json      counts per attribute, settings, feature config, styles, sha256
    card.md        the same card for a person

``style`` is the style label the models condition on; ``styles`` in the card fixes its
order (the order of the style faders). Splits are a hash of the note id, so they never
change when notes are added or the corpus is rebuilt elsewhere.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from realtime.conditions import octave, pitch_class
from realtime.dsp.features import FeatureConfig, log_mel

SPLITS = ("train", "valid", "test")
CARD_ATTRIBUTES = ("instrument", "technique", "style", "dynamics", "pitch_class", "octave", "split")


@dataclass(frozen=True)
class NoteMeta:
    """One note of a corpus."""

    id: str
    source: str
    pitch: int
    instrument: str
    technique: str
    style: str
    dynamics: str
    split: str = ""

    @property
    def pitch_class(self) -> int:
        return pitch_class(self.pitch)

    @property
    def octave(self) -> int:
        return octave(self.pitch)


def split_of(note_id: str, valid: float = 0.1, test: float = 0.1) -> str:
    """Deterministic split from a hash of the note id (stable across machines and runs)."""
    h = int.from_bytes(hashlib.sha256(note_id.encode()).digest()[:8], "big") / 2**64
    return "test" if h < test else "valid" if h < test + valid else "train"


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class StoreWriter:
    """Fills a corpus folder note by note without holding the corpus in memory.

    ``capacity`` is an upper bound on the note count; :meth:`close` trims the arrays.
    """

    def __init__(self, root: str | Path, cfg: FeatureConfig, capacity: int) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.cfg = cfg
        self._audio = np.lib.format.open_memmap(
            self.root / "audio.tmp.npy", "w+", np.float16, (capacity, cfg.note_samples)
        )
        self._feat = np.lib.format.open_memmap(
            self.root / "features.tmp.npy", "w+", np.float16, (capacity, cfg.n_mels, cfg.n_frames)
        )
        self.meta: list[NoteMeta] = []

    def add(self, audio: np.ndarray, meta: NoteMeta) -> None:
        """Append one note. ``audio``: ``(note_samples,)`` float at ``cfg.sample_rate``."""
        i = len(self.meta)
        if i >= self._audio.shape[0]:
            raise ValueError("StoreWriter capacity exceeded")
        self._audio[i] = audio
        self._feat[i] = log_mel(audio, self.cfg)
        split = meta.split or split_of(meta.id)
        self.meta.append(NoteMeta(**{**asdict(meta), "split": split}))

    def close(
        self, settings: dict[str, Any], styles: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Trim, write meta.csv and the card; returns the card."""
        n = len(self.meta)
        if n == 0:
            raise ValueError("no notes were added: nothing to store")
        for name, arr in (("audio", self._audio), ("features", self._feat)):
            final = np.lib.format.open_memmap(
                self.root / f"{name}.npy.part", "w+", arr.dtype, (n, *arr.shape[1:])
            )
            final[:] = arr[:n]
            final.flush()
            del final
            os.replace(self.root / f"{name}.npy.part", self.root / f"{name}.npy")
        del self._audio, self._feat
        for name in ("audio", "features"):
            (self.root / f"{name}.tmp.npy").unlink(missing_ok=True)
        write_meta(self.root / "meta.csv", self.meta)
        order = list(styles) if styles else sorted({m.style for m in self.meta})
        card = make_card(self.root, self.meta, self.cfg, settings, order)
        _atomic_write_text(self.root / "card.json", json.dumps(card, indent=2))
        _atomic_write_text(self.root / "card.md", card_markdown(card))
        return card


def write_meta(path: Path, meta: Iterable[NoteMeta]) -> None:
    names = [f.name for f in fields(NoteMeta)]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*names, "pitch_class", "octave"])
        for m in meta:
            w.writerow([*(getattr(m, k) for k in names), m.pitch_class, m.octave])
    os.replace(tmp, path)


def read_meta(path: Path) -> list[NoteMeta]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        NoteMeta(
            id=r["id"],
            source=r["source"],
            pitch=int(r["pitch"]),
            instrument=r["instrument"],
            technique=r["technique"],
            style=r["style"],
            dynamics=r["dynamics"],
            split=r["split"],
        )
        for r in rows
    ]


def make_card(
    root: Path,
    meta: list[NoteMeta],
    cfg: FeatureConfig,
    settings: dict[str, Any],
    styles: list[str],
) -> dict[str, Any]:
    """The dataset card (DESIGN.md section 10): counts, settings, content hashes."""
    counts = {
        a: dict(sorted(Counter(str(getattr(m, a)) for m in meta).items())) for a in CARD_ATTRIBUTES
    }
    techniques: dict[str, list[str]] = {}
    for m in meta:
        techniques.setdefault(m.instrument, [])
        if m.technique not in techniques[m.instrument]:
            techniques[m.instrument].append(m.technique)
    files = {name: file_sha256(root / name) for name in ("features.npy", "audio.npy", "meta.csv")}
    content = hashlib.sha256("".join(files[k] for k in sorted(files)).encode()).hexdigest()
    return {
        "n_notes": len(meta),
        "instruments": sorted(techniques),
        "techniques": techniques,
        "styles": styles,
        "style_ranges": style_ranges(meta),
        "counts": counts,
        "settings": settings,
        "features": cfg.to_dict(),
        "sha256": content,
        "files": files,
    }


def style_ranges(meta: list[NoteMeta]) -> dict[str, list[int]]:
    """Each style's playable MIDI range ``[low, high]`` as seen in the corpus."""
    out: dict[str, list[int]] = {}
    for m in meta:
        lo, hi = out.get(m.style, [m.pitch, m.pitch])
        out[m.style] = [min(lo, m.pitch), max(hi, m.pitch)]
    return dict(sorted(out.items()))


def card_markdown(card: dict[str, Any]) -> str:
    lines = [f"# Corpus card\n\n{card['n_notes']} notes, content sha256 `{card['sha256'][:16]}`.\n"]
    lines.append("| style | notes | MIDI range |\n| --- | ---: | --- |")
    for s in card["styles"]:
        lo, hi = card["style_ranges"].get(s, [0, 0])
        lines.append(f"| {s} | {card['counts']['style'].get(s, 0)} | {lo}-{hi} |")
    for attr in ("dynamics", "octave", "split"):
        items = ", ".join(f"{k}: {v}" for k, v in card["counts"][attr].items())
        lines.append(f"\n**{attr}**: {items}")
    f = card["features"]
    lines.append(
        f"\n**features**: {f['sample_rate']} Hz, n_fft {f['n_fft']}, hop {f['hop']}, "
        f"{f['n_frames']} frames, {f['n_mels']} Mel bins"
    )
    lines.append("\n**settings**:\n")
    lines += [f"- {k}: `{_short_json(v)}`" for k, v in card["settings"].items() if k != "recipe"]
    if "recipe" in card["settings"]:
        lines.append(recipe_markdown(card["settings"]["recipe"]))
    return "\n".join(lines) + "\n"


def _short_json(value: Any, limit: int = 160) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 20] + " ... (see card.json)"


def recipe_markdown(recipe: dict[str, Any]) -> str:
    """The default corpus recipe (settings.recipe of a built corpus) as two tables."""
    lines = ["\n## Recipe\n", "| instrument | GM program | MIDI range |", "| --- | ---: | --- |"]
    for i in recipe["timbre"]:
        lines.append(f"| {i['name']} | {i['program']} | {i['low']}-{i['high']} |")
    lo, hi = recipe["violin_range"]
    lines += [f"\nViolin playing styles (MIDI {lo}-{hi}):\n", "| technique | how it is made |"]
    lines.append("| --- | --- |")
    lines += [f"| {t['name']} | {t['how']} |" for t in recipe["violin_techniques"]]
    return "\n".join(lines)


class CorpusStore:
    """A corpus folder opened for reading; the arrays are memory-mapped (read-only)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        card_path = self.root / "card.json"
        if not card_path.is_file():
            raise FileNotFoundError(
                f"{self.root} is not a corpus (no card.json); build one with "
                "'waefader dataset build --out DIR' or 'waefader dataset import SRC --out DIR'"
            )
        self.card: dict[str, Any] = json.loads(card_path.read_text())
        self.feature_config = FeatureConfig.from_dict(self.card["features"])
        self.features: np.ndarray = np.load(self.root / "features.npy", mmap_mode="r")
        self.audio: np.ndarray = np.load(self.root / "audio.npy", mmap_mode="r")
        self.meta = read_meta(self.root / "meta.csv")
        self.styles: tuple[str, ...] = tuple(self.card["styles"])
        if not (len(self.meta) == self.features.shape[0] == self.audio.shape[0]):
            raise ValueError(
                f"{self.root}: meta.csv, features.npy and audio.npy disagree in length"
            )

    def __len__(self) -> int:
        return len(self.meta)

    def split_indices(self, split: str) -> np.ndarray:
        """Indices of one split (``train``, ``valid``, ``test``) as int64 ``(n,)``."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; known: {SPLITS}")
        return np.array([i for i, m in enumerate(self.meta) if m.split == split], dtype=np.int64)

    def labels(self) -> dict[str, np.ndarray]:
        """Integer labels per attribute, each ``(N,)`` int64: pitch, pitch_class, octave,
        style (index into :attr:`styles`), dynamics (index into realtime.conditions.DYNAMICS)."""
        from realtime.conditions import DYNAMICS

        style_idx = {s: i for i, s in enumerate(self.styles)}
        return {
            "pitch": np.array([m.pitch for m in self.meta], dtype=np.int64),
            "pitch_class": np.array([m.pitch_class for m in self.meta], dtype=np.int64),
            "octave": np.array([m.octave for m in self.meta], dtype=np.int64),
            "style": np.array([style_idx.get(m.style, -1) for m in self.meta], dtype=np.int64),
            "dynamics": np.array([DYNAMICS.index(m.dynamics) for m in self.meta], dtype=np.int64),
        }
