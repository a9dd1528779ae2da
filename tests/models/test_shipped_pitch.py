"""Every key plays its note: the shipped model's low register against an independent pitch
tracker (torchcrepe, not trained here). The model before the harmonic decoder head played
D#2-C3 of the bassoon, trombone, horn and cello an octave high; this test failed on it."""

from __future__ import annotations

import numpy as np
import pytest

from models.evaluation.pitch_judge import note_pitch, track
from realtime.conditions import note_weights, one_hot, velocity_to_dynamics
from realtime.model import load_model

LOW_KEYS = {
    "bassoon": (39, 42, 45, 48),
    "tenor trombone": (40, 43, 46, 48),
    "french horn": (37, 42, 45, 48),
    "cello": (39, 41, 44, 48),
    "piano": (36, 48, 60),
    "flute": (84,),
    "clarinet": (83,),
}


@pytest.fixture(scope="module")
def synth():  # type: ignore[no-untyped-def]
    return load_model()


@pytest.mark.parametrize("style", sorted(LOW_KEYS))
def test_low_and_reported_keys_sound_at_their_pitch(synth, style: str) -> None:  # type: ignore[no-untyped-def]
    styles = list(synth.manifest.styles)
    keys = LOW_KEYS[style]
    pc, octave = (np.stack(v) for v in zip(*(note_weights(k) for k in keys), strict=True))
    n = len(keys)
    audio = synth.render(
        np.zeros((n, synth.manifest.latent_dim), np.float32), pc, octave,
        np.stack([one_hot(styles.index(style), len(styles))] * n),
        np.stack([velocity_to_dynamics(90)] * n),
    )
    for key, note in zip(keys, audio, strict=True):
        judged = note_pitch(track(note, synth.manifest.sample_rate), key, span_s=1.0)
        assert judged.right, f"{style} {key}: {judged.cents:+.0f} cents from the key"
