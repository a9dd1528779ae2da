"""The condition layout shared by training, export and the runtime (torch-free).

A condition is a set of non-negative weight vectors, not indices:
pitch class (12, C..B), octave (9, octaves 0..8 in scientific pitch notation, so MIDI 60 =
C4 is pitch class 0, octave 4), style (S, names from the dataset or manifest) and dynamics
(3: pp, mf, ff). One-hot vectors play plain notes; any non-negative mix (values above 1
included) blends them, which is what the faders do.
"""

from __future__ import annotations

import numpy as np

N_PITCH_CLASSES = 12
N_OCTAVES = 9
DYNAMICS = ("pp", "mf", "ff")
N_DYNAMICS = len(DYNAMICS)
PITCH_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
MIDI_LOW, MIDI_HIGH = 12, 119  # C0 .. B8: the nine octaves of the layout
# MIDI velocity that stands for each dynamic when rendering the corpus.
DYNAMIC_VELOCITIES = {"pp": 40, "mf": 80, "ff": 120}


def pitch_class(midi: int) -> int:
    return int(midi) % 12


def octave(midi: int) -> int:
    """Scientific octave of a MIDI pitch (60 -> 4), clipped to 0..8."""
    return int(min(max(int(midi) // 12 - 1, 0), N_OCTAVES - 1))


def one_hot(index: int, size: int) -> np.ndarray:
    v = np.zeros(size, dtype=np.float32)
    v[index] = 1.0
    return v


def note_weights(midi: int) -> tuple[np.ndarray, np.ndarray]:
    """MIDI pitch -> (pitch-class one-hot (12,), octave one-hot (9,))."""
    return one_hot(pitch_class(midi), N_PITCH_CLASSES), one_hot(octave(midi), N_OCTAVES)


def velocity_to_dynamics(velocity: float) -> np.ndarray:
    """MIDI velocity 0..127 -> dynamics weights (3,), a linear crossfade pp -> mf -> ff.

    Velocity becomes a musical control: between the anchor velocities the two neighbouring
    dynamics mix, so soft notes get the pp timbre, not just a lower gain.
    """
    anchors = np.array([DYNAMIC_VELOCITIES[d] for d in DYNAMICS], dtype=np.float32)
    v = float(np.clip(velocity, anchors[0], anchors[-1]))
    w = np.zeros(N_DYNAMICS, dtype=np.float32)
    k = int(np.searchsorted(anchors, v, side="right") - 1)
    k = min(k, N_DYNAMICS - 2)
    t = (v - anchors[k]) / (anchors[k + 1] - anchors[k])
    w[k], w[k + 1] = 1.0 - t, t
    return w


def midi_name(midi: int) -> str:
    return f"{PITCH_NAMES[pitch_class(midi)]}{int(midi) // 12 - 1}"


def parse_note_name(name: str) -> int:
    """'A4' -> 69, 'C#3' -> 49, 'Db3' -> 49. Raises ValueError for anything else."""
    s = name.strip()
    flats = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}
    head = s[:2] if len(s) > 2 and s[1] in "#b" else s[:1]
    rest = s[len(head) :]
    head = flats.get(head, head).upper().replace("B#", "C")
    if head not in PITCH_NAMES or not rest.lstrip("-").isdigit():
        raise ValueError(f"not a note name: {name!r}")
    return PITCH_NAMES.index(head) + 12 * (int(rest) + 1)
