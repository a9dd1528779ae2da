"""Build the default corpus: render the recipe with FluidSynth into a corpus folder.

Deterministic: the same recipe, soundfont and FluidSynth give the same bytes (no dates or
timings are stored; splits are a hash of the note id).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from models.data.recipe import Timing, plan, recipe_tables, style_order
from models.data.soundfont import NoteSynth, find_soundfont, fluidsynth_version
from models.data.store import NoteMeta, StoreWriter, file_sha256
from realtime.conditions import DYNAMIC_VELOCITIES
from realtime.dsp.audio_io import SILENCE_DBFS, peak_dbfs
from realtime.dsp.features import preset


@dataclass(frozen=True)
class BuildConfig:
    """Everything that decides the bytes of a built corpus (saved in the card's settings)."""

    set: str = "all"
    small: bool = False
    preset: str = "default"
    note_off_s: float = 1.0
    # FluidSynth master gain, one constant for all notes: the loudest ff note of the full
    # corpus peaks near 0.75 (no clipping), pp notes stay quieter than ff ones.
    gain: float = 1.5
    silence_dbfs: float = SILENCE_DBFS


def build_corpus(
    out: str | Path, cfg: BuildConfig, soundfont: str | Path | None = None, progress: bool = True
) -> dict[str, Any]:
    """Render the recipe into ``out`` (a corpus folder, see models/data/store.py).

    Notes whose render is silent (no sample at that pitch in the soundfont) are skipped
    and counted in ``settings.skipped_silent``. Returns the card.
    """
    sf2 = find_soundfont(soundfont)
    feat = preset(cfg.preset)
    tm = Timing(feat.sample_rate, cfg.note_off_s)
    notes = plan(cfg.set, cfg.small, tm)
    writer = StoreWriter(out, feat, capacity=len(notes))
    silent: Counter[str] = Counter()
    with NoteSynth(sf2, feat.sample_rate, cfg.gain) as synth:
        for spec in tqdm(notes, desc="rendering notes", unit="note", disable=not progress):
            audio = synth.render(spec.events, feat.note_samples)
            if peak_dbfs(audio) < cfg.silence_dbfs:
                silent[spec.style] += 1
                continue
            meta = NoteMeta(
                id=spec.id,
                source=f"{sf2.name}:program={spec.program}",
                pitch=spec.pitch,
                instrument=spec.instrument,
                technique=spec.technique,
                style=spec.style,
                dynamics=spec.dynamics,
            )
            writer.add(audio, meta)
    present = {m.style for m in writer.meta}
    styles = [s for s in style_order(cfg.set) if s in present]
    settings = {
        **asdict(cfg),
        "soundfont": sf2.name,
        "soundfont_sha256": file_sha256(sf2),
        "fluidsynth": fluidsynth_version(),
        "sample_rate": feat.sample_rate,
        "note_samples": feat.note_samples,
        "note_off_samples": tm.note_off,
        "velocities": dict(DYNAMIC_VELOCITIES),
        "n_planned": len(notes),
        "skipped_silent": dict(sorted(silent.items())),
        "n_skipped_silent": sum(silent.values()),
        "recipe": recipe_tables(),
    }
    return writer.close(settings, styles)
