"""Where transform mode reads and writes: input scanning, output naming, overwrite rules.

Rules: an output never replaces an input; an existing output is replaced only with
``--overwrite``, and every output is checked before any work starts, so a refused run
writes nothing. Files are written atomically (a temporary file renamed into place), so an
interrupted run leaves no half-written note.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from realtime.transform.errors import TransformError

# Extensions tried as audio in a folder (what libsndfile decodes); other files are listed as
# skipped. A single file is tried whatever its name.
AUDIO_SUFFIXES = frozenset(
    {".wav", ".wave", ".flac", ".aif", ".aiff", ".aifc", ".ogg", ".oga", ".opus", ".mp3",
     ".au", ".snd", ".caf", ".w64", ".rf64"}
)  # fmt: skip
WRITE_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".aif": "AIFF", ".aiff": "AIFF"}
RECON_TAG = ".reconstruction"
FULL_SCALE = 0.999  # written notes are scaled down to this peak when they would clip


@dataclass(frozen=True)
class Job:
    """One input and the files it becomes (``reconstruction`` None: not asked for)."""

    source: Path
    out: Path
    reconstruction: Path | None = None

    @property
    def outputs(self) -> list[Path]:
        return [self.out] + ([self.reconstruction] if self.reconstruction else [])


def reconstruction_path(out: Path) -> Path:
    """``note.wav`` -> ``note.reconstruction.wav``."""
    return out.with_name(out.stem + RECON_TAG + out.suffix)


def _job(source: Path, out: Path, also_reconstruction: bool) -> Job:
    return Job(source, out, reconstruction_path(out) if also_reconstruction else None)


def plan_file(inp: Path, out: Path, also_reconstruction: bool) -> Job:
    """One input file. ``out`` is a file (.wav, .flac, .aif, .aiff) or an existing folder
    (then ``out/<input stem>.wav``)."""
    if not inp.exists():
        raise TransformError(f"input not found: {inp}")
    if out.is_dir():
        out = out / (inp.stem + ".wav")
    elif out.suffix.lower() not in WRITE_FORMATS:
        raise TransformError(
            f"--out {out}: give a file ending in {', '.join(WRITE_FORMATS)} (or a folder)"
        )
    return _job(inp, out, also_reconstruction)


def scan_folder(inp: Path, out: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files under ``inp`` (recursive, hidden ones and the ``out`` folder left out):
    (audio files to try, [(other file, reason)]), both sorted."""
    out_abs = out.resolve()
    audio, other = [], []
    for path in sorted(p for p in inp.rglob("*") if p.is_file()):
        rel = path.relative_to(inp)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.resolve().is_relative_to(out_abs):
            continue  # our own outputs from an earlier run
        if path.suffix.lower() in AUDIO_SUFFIXES:
            audio.append(path)
        else:
            other.append((path, f"not an audio file (extension {path.suffix or 'none'!r})"))
    return audio, other


def plan_folder(
    inp: Path, out: Path, files: Sequence[Path], also_reconstruction: bool
) -> list[Job]:
    """``inp/a/b.flac`` -> ``out/a/b.wav``; two inputs that would share a name keep their
    extension (``b.flac.wav``, ``b.wav.wav``)."""
    if out.exists() and not out.is_dir():
        raise TransformError(f"--out {out} is a file; with a folder input give a folder")
    stems: dict[Path, int] = {}
    for f in files:
        key = f.relative_to(inp).with_suffix("")
        stems[key] = stems.get(key, 0) + 1
    jobs = []
    for f in files:
        rel = f.relative_to(inp)
        name = rel.name + ".wav" if stems[rel.with_suffix("")] > 1 else rel.stem + ".wav"
        jobs.append(_job(f, out / rel.parent / name, also_reconstruction))
    return jobs


def check_outputs(jobs: Sequence[Job], overwrite: bool) -> None:
    """Refuse outputs that are inputs, and existing outputs without ``overwrite``."""
    inputs = {j.source.resolve() for j in jobs}
    existing = []
    for job in jobs:
        for path in job.outputs:
            if path.resolve() in inputs:
                raise TransformError(f"{path} is an input; it is never overwritten")
            if path.exists():
                existing.append(path)
    if existing and not overwrite:
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        names = ", ".join(str(p) for p in existing[:3])
        verb = "exists" if len(existing) == 1 else "exist"
        raise TransformError(f"{names}{more} already {verb}; pass --overwrite to replace")


def write_note(path: Path, audio: np.ndarray, sample_rate: int) -> float:
    """Write ``audio (samples,)`` as 24-bit PCM, atomically. A note that would clip is
    scaled to just under full scale; returns that scale in dB (0.0 when untouched)."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    scale = FULL_SCALE / peak if peak > FULL_SCALE else 1.0
    fmt = WRITE_FORMATS.get(path.suffix.lower(), "WAV")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    try:
        sf.write(str(tmp), np.asarray(audio * scale, np.float32), sample_rate,
                 subtype="PCM_24", format=fmt)  # fmt: skip
        os.replace(tmp, path)
    except (OSError, sf.LibsndfileError) as exc:
        tmp.unlink(missing_ok=True)
        raise TransformError(f"cannot write {path}: {exc}") from None
    return 0.0 if scale == 1.0 else float(20 * np.log10(scale))
