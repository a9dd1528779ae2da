"""The source pitch estimate (YIN in numpy) on notes of known pitch."""

from __future__ import annotations

import numpy as np
import pytest
from transform_kit import SR, harmonic_note

from realtime.transform.pitch import estimate_pitch, midi_to_hz


@pytest.mark.parametrize("midi", [28, 36, 45, 57, 60, 69, 76, 88, 100])
def test_harmonic_notes_over_the_range(midi: int) -> None:
    est = estimate_pitch(harmonic_note(midi), SR)
    assert est is not None
    assert est.nearest == midi
    assert abs(est.cents) < 5
    assert est.voiced > 0.9


def test_quarter_tone_and_vibrato_are_reported_in_cents() -> None:
    est = estimate_pitch(harmonic_note(69.25), SR)
    assert est is not None and est.nearest == 69 and 15 < est.cents < 35
    wobbly = estimate_pitch(harmonic_note(62, vibrato_cents=40), SR)
    assert wobbly is not None and wobbly.nearest == 62


def test_other_sample_rates() -> None:
    for sr in (8000, 44100, 48000, 96000):
        est = estimate_pitch(harmonic_note(64, sample_rate=sr), sr)
        assert est is not None and est.nearest == 64, sr


def test_missing_fundamental_still_reads_the_period() -> None:
    """Harmonics 2..6 only: the period (and the heard pitch) is still the fundamental's."""
    t = np.arange(SR) / SR
    f0 = midi_to_hz(55)
    x = sum(np.sin(2 * np.pi * k * f0 * t) for k in range(2, 7))
    est = estimate_pitch(np.asarray(x, np.float32), SR)
    assert est is not None and est.nearest == 55


def test_noise_and_silence_have_no_pitch() -> None:
    rng = np.random.default_rng(1)
    assert estimate_pitch(rng.standard_normal(SR).astype(np.float32), SR) is None
    assert estimate_pitch(np.zeros(SR, np.float32), SR) is None
