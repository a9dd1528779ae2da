"""Listening examples: WAV files of real, reconstructed and generated notes.

Layout under ``audio/``::

    real/NN-NOTE-STYLE-DYN.wav         the real test notes that were rendered (00-A4-violin-ff)
    recon/RENDERER/NN-NOTE-STYLE-DYN.wav   each renderer's output for them (MODEL+R = decoder chain)
    generated/MODEL/NOTE-STYLE-DYN-R.wav   one prior sample per style (octaves 3-4), through
                                           Griffin-Lim and the model's fine-tuned MCNN
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.evaluation.study import StudyResult, Subject
from models.evaluation.subjects import Renderer
from realtime.conditions import DYNAMICS, midi_name
from realtime.dsp.audio_io import write_wav


def _safe(name: str) -> str:
    """A file name part: C#4 -> Cs4, other odd characters -> _."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name.replace("#", "s"))


def _peak_safe(x: np.ndarray) -> np.ndarray:
    """Scale down (never up) so that a loud render does not clip in the WAV."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return x / peak * 0.99 if peak > 0.99 else x


def write_listening(
    res: StudyResult,
    subjects: list[Subject],
    renderers: list[Renderer],
    out: Path,
    sample_rate: int,
    n_examples: int,
) -> list[Path]:
    """Write the WAVs; returns their paths."""
    written: list[Path] = []

    def put(path: Path, x: np.ndarray) -> None:
        write_wav(path, _peak_safe(np.asarray(x, np.float32)), sample_rate)
        written.append(path)

    for k in range(min(n_examples, len(res.reference_audio))):
        label = res.render_labels[k] if k < len(res.render_labels) else ""
        name = _safe("-".join([f"{k:02d}", *label.split()])) + ".wav"
        put(out / "real" / name, res.reference_audio[k])
        for r in res.renderers:
            if k < len(r.audio):
                put(out / "recon" / _safe(r.name) / name, r.audio[k])
    for sub, m in zip(subjects, res.models, strict=True):
        notes, feats = m.generation.notes, m.generation.features
        chain = [*renderers, *([sub.finetuned] if sub.finetuned else [])]
        for i, style in enumerate(sub.model.styles):
            pick = np.flatnonzero(notes.style == i)
            if not len(pick):
                continue
            j = int(pick[0])
            note = f"{midi_name(int(notes.pitch[j]))}-{style}-{DYNAMICS[int(notes.dynamics[j])]}"
            for renderer in chain:
                audio = renderer.render(feats[pick[:1]])[0]
                name = f"{_safe(note)}-{_safe(renderer.name)}.wav"
                put(out / "generated" / _safe(m.name) / name, audio)
    return written
