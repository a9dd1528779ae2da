"""Notes the model has never seen, rendered for the transform check (pyfluidsynth).

Three families, each a stand-in for "a user's own recording":

- ``other-programs``: GM programs the corpus never used (viola, contrabass, string
  ensemble, tuba, muted trumpet, soprano sax, piccolo, recorder), dry;
- ``detuned-reverb``: eight corpus programs detuned by +30 cents (pitch bend) with
  FluidSynth's reverb and chorus on (the corpus is dry and in tune);
- ``other-soundfont``: the twelve timbre-set programs from another soundfont (TimGM6mb,
  Debian ``timgm6mb-soundfont``, or ``--soundfont``), dry; left out when none is installed.

Every note is written like a recording, not like a corpus note: 44,100 Hz, stereo, 16-bit
WAV, 100 ms of silence before the key goes down, key held 1.0 s, 2.2 s long, three pitches
per program spread over its range with the dynamics cycling pp, mf, ff. ``notes.csv``
beside them holds what is known of each (program, pitch, dynamics, the corpus style when
the program is one of the corpus's instruments).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from models.data.recipe import TIMBRE
from models.data.soundfont import find_soundfont
from realtime.conditions import DYNAMIC_VELOCITIES, DYNAMICS, midi_name

RATE = 44100
LEAD_S, HOLD_S, LENGTH_S = 0.1, 1.0, 2.2
TAIL_S = 4.0  # silence pulled after each note so reverb never leaks into the next one
GAIN = 1.5  # the corpus's FluidSynth gain: the same level regime
GAIN_REVERB = 1.0  # reverb + chorus add about 3 dB: keep the loudest notes from clipping
DETUNE_CENTS = 30.0
BEND_PER_SEMITONE = 4096  # FluidSynth's default bend range: +-2 semitones over +-8192
OTHER_SOUNDFONTS = (Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),)
NOTES_CSV = "notes.csv"

# GM program (0-based) -> (name, low, high): programs the corpus never used.
OTHER_PROGRAMS: dict[int, tuple[str, int, int]] = {
    41: ("viola", 48, 88),
    43: ("contrabass", 28, 60),
    48: ("string ensemble", 40, 88),
    58: ("tuba", 28, 58),
    59: ("muted trumpet", 54, 82),
    64: ("soprano sax", 56, 87),
    72: ("piccolo", 74, 102),
    74: ("recorder", 60, 86),
}
DETUNED = ("piano", "oboe", "flute", "violin", "cello", "trumpet", "clarinet", "french horn")


@dataclass(frozen=True)
class UnseenNote:
    """One rendered note and what is known of it (``style`` empty: not a corpus style)."""

    file: str
    variant: str
    soundfont: str
    program: int
    name: str
    pitch: int
    dynamics: str
    style: str
    detune_cents: float
    reverb: bool


def three_pitches(low: int, high: int) -> list[int]:
    return [round(low + (high - low) * q) for q in (0.25, 0.5, 0.75)]


def plan(soundfonts: Sequence[Path]) -> list[dict[str, Any]]:
    """Every note to render, as keyword arguments of :func:`render_one` plus metadata."""
    fluid = find_soundfont()
    by_name = {i.name: i for i in TIMBRE}
    jobs: list[dict[str, Any]] = []

    def add(
        variant: str,
        sf2: Path,
        program: int,
        name: str,
        low: int,
        high: int,
        style: str,
        detune: float,
        reverb: bool,
    ) -> None:
        for k, pitch in enumerate(three_pitches(low, high)):
            jobs.append(
                dict(
                    variant=variant,
                    soundfont=sf2,
                    program=program,
                    name=name,
                    pitch=pitch,
                    dynamics=DYNAMICS[(k + program) % 3],
                    style=style,
                    detune_cents=detune,
                    reverb=reverb,
                )
            )

    for program, (name, low, high) in OTHER_PROGRAMS.items():
        add("other-programs", fluid, program, name, low, high, "", 0.0, False)
    for name in DETUNED:
        i = by_name[name]
        add("detuned-reverb", fluid, i.program, name, i.low, i.high, name, DETUNE_CENTS, True)
    for sf2 in soundfonts:
        for i in TIMBRE:
            add("other-soundfont", sf2, i.program, i.name, i.low, i.high, i.name, 0.0, False)
    return jobs


class Renderer:
    """One FluidSynth per (soundfont, reverb) setting, reused across notes."""

    def __init__(self) -> None:
        import fluidsynth

        self._fs = fluidsynth
        self._synths: dict[tuple[str, bool], tuple[Any, int]] = {}

    def _synth(self, soundfont: Path, reverb: bool) -> tuple[Any, int]:
        key = (str(soundfont), reverb)
        if key not in self._synths:
            settings = {
                "synth.reverb.active": int(reverb),
                "synth.chorus.active": int(reverb),
                "synth.cpu-cores": 1,
            }
            gain = GAIN_REVERB if reverb else GAIN
            synth = self._fs.Synth(gain=gain, samplerate=float(RATE), **settings)
            if reverb:
                synth.setting("synth.reverb.room-size", 0.7)
                synth.setting("synth.reverb.level", 0.9)
            sfid = synth.sfload(str(soundfont))
            if sfid < 0:
                raise RuntimeError(f"FluidSynth cannot load {soundfont}")
            self._synths[key] = (synth, sfid)
        return self._synths[key]

    def render(
        self,
        soundfont: Path,
        program: int,
        pitch: int,
        dynamics: str,
        detune_cents: float,
        reverb: bool,
    ) -> np.ndarray:
        """One note -> ``(samples, 2)`` float32 at :data:`RATE`."""
        synth, sfid = self._synth(soundfont, reverb)
        synth.system_reset()
        synth.get_samples(int(TAIL_S * RATE))  # let the last note's voices and reverb die
        synth.program_select(0, sfid, 0, program)
        if reverb:
            synth.cc(0, 91, 100)  # reverb send
            synth.cc(0, 93, 50)  # chorus send
        synth.pitch_bend(0, round(BEND_PER_SEMITONE * detune_cents / 100))
        lead, hold = int(LEAD_S * RATE), int(HOLD_S * RATE)
        parts = [synth.get_samples(lead)]
        synth.noteon(0, pitch, DYNAMIC_VELOCITIES[dynamics])
        parts.append(synth.get_samples(hold))
        synth.noteoff(0, pitch)
        parts.append(synth.get_samples(int(LENGTH_S * RATE) - lead - hold))
        x = np.concatenate(parts).astype(np.float32) / 32768.0
        return x.reshape(-1, 2)

    def close(self) -> None:
        for synth, _ in self._synths.values():
            synth.delete()
        self._synths.clear()


def render_unseen(
    out: Path, soundfonts: Sequence[Path] | None = None, progress: bool = True
) -> list[UnseenNote]:
    """Render the set into ``out`` (WAVs + notes.csv); returns its rows."""
    from tqdm import tqdm

    if soundfonts is None:
        soundfonts = [p for p in OTHER_SOUNDFONTS if p.is_file()]
    out.mkdir(parents=True, exist_ok=True)
    renderer = Renderer()
    rows = []
    try:
        for job in tqdm(plan(soundfonts), desc="unseen notes", disable=not progress):
            x = renderer.render(
                job["soundfont"],
                job["program"],
                job["pitch"],
                job["dynamics"],
                job["detune_cents"],
                job["reverb"],
            )
            sf2 = Path(job["soundfont"]).stem
            name = f"{job['variant']}_{sf2}_{job['name'].replace(' ', '-')}_"
            name += f"{midi_name(job['pitch'])}_{job['dynamics']}.wav"
            sf.write(str(out / name), x, RATE, subtype="PCM_16")
            rows.append(UnseenNote(file=name, **{**job, "soundfont": sf2}))
    finally:
        renderer.close()
    with open(out / NOTES_CSV, "w", newline="") as f:
        w = csv.DictWriter(f, [fl.name for fl in fields(UnseenNote)])
        w.writeheader()
        w.writerows(asdict(r) for r in rows)
    return rows


def read_notes(folder: Path) -> Iterator[UnseenNote]:
    """The rows of ``folder/notes.csv``."""
    with open(folder / NOTES_CSV, newline="") as f:
        for r in csv.DictReader(f):
            yield UnseenNote(
                file=r["file"],
                variant=r["variant"],
                soundfont=r["soundfont"],
                program=int(r["program"]),
                name=r["name"],
                pitch=int(r["pitch"]),
                dynamics=r["dynamics"],
                style=r["style"],
                detune_cents=float(r["detune_cents"]),
                reverb=r["reverb"] == "True",
            )
