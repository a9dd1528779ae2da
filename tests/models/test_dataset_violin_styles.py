"""The violin articulations are audibly distinct, each in the way its recipe says."""

from __future__ import annotations

import numpy as np
import pytest

from models.data.build import BuildConfig
from models.data.recipe import VIOLIN_TECHNIQUES, Timing, plan
from models.data.soundfont import Event, NoteSynth, find_soundfont
from realtime.dsp.features import FeatureConfig, log_mel

CFG = FeatureConfig()
TM = Timing(CFG.sample_rate, 1.0)
SR = CFG.sample_rate
KEY, F0 = 69, 440.0  # A4, mf


@pytest.fixture(scope="module")
def synth() -> NoteSynth:
    return NoteSynth(find_soundfont(), SR, gain=BuildConfig().gain)


@pytest.fixture(scope="module")
def notes(synth: NoteSynth) -> dict[str, np.ndarray]:
    """technique -> A4 mf render ``(note_samples,)``."""
    specs = [n for n in plan("violin", False, TM) if n.pitch == KEY and n.dynamics == "mf"]
    return {n.technique: synth.render(n.events, CFG.note_samples) for n in specs}


def level_db(x: np.ndarray, t0: float, t1: float) -> float:
    seg = x[int(t0 * SR) : int(t1 * SR)]
    return float(10 * np.log10(np.mean(seg**2) + 1e-20))


def pitch_track(x: np.ndarray, lo: float = 300.0, hi: float = 600.0) -> np.ndarray:
    """Strongest partial between lo and hi Hz, every 256 samples over the held part."""
    n_fft, pad = 2048, 8
    freqs = np.fft.rfftfreq(n_fft * pad, 1 / SR)
    band = (freqs > lo) & (freqs < hi)
    out = []
    for s in range(2048, TM.note_off - n_fft, 256):
        spec = np.abs(np.fft.rfft(x[s : s + n_fft] * np.hanning(n_fft), n_fft * pad))
        out.append(freqs[band][np.argmax(spec[band])])
    return np.array(out)


def cents(f: np.ndarray) -> np.ndarray:
    return 1200 * np.log2(f / F0)


def feature_distance_db(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute log-Mel difference in dB: what the models see of two notes."""
    return float(np.mean(np.abs(log_mel(a, CFG) - log_mel(b, CFG))) * CFG.db_range)


def test_every_pair_of_articulations_differs_clearly(
    synth: NoteSynth, notes: dict[str, np.ndarray]
) -> None:
    assert set(notes) == {t.name for t in VIOLIN_TECHNIQUES}

    # Yardstick: the same ordinario note at velocity 80 vs 88, a barely audible change.
    def ordinario(vel: int) -> np.ndarray:
        ev = [Event(0, "program", 40), Event(0, "on", KEY, vel), Event(TM.note_off, "off", KEY)]
        return synth.render(ev, CFG.note_samples)

    jnd = feature_distance_db(ordinario(80), ordinario(88))
    assert jnd > 0.3
    names = sorted(notes)
    worst = min(
        (feature_distance_db(notes[a], notes[b]), a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    )
    assert worst[0] > 2.5 * jnd, (
        f"{worst[1]} vs {worst[2]}: {worst[0]:.2f} dB (yardstick {jnd:.2f})"
    )


def test_staccato_stops_early_and_pizzicato_decays(notes: dict[str, np.ndarray]) -> None:
    ordn = level_db(notes["ordinario"], 0.4, 0.9)
    assert level_db(notes["staccato"], 0.4, 0.9) < ordn - 40
    assert level_db(notes["pizzicato"], 0.6, 0.9) < level_db(notes["pizzicato"], 0.0, 0.2) - 20


def test_dynamic_shapes(notes: dict[str, np.ndarray]) -> None:
    cres, dec, sfz = notes["crescendo"], notes["decrescendo"], notes["sforzando"]
    assert level_db(cres, 0.75, 0.95) > level_db(cres, 0.1, 0.3) + 10
    assert level_db(dec, 0.75, 0.95) < level_db(dec, 0.1, 0.3) - 10
    # sforzando: an accent louder than ordinario, then held well below it
    assert level_db(sfz, 0.0, 0.1) > level_db(notes["ordinario"], 0.0, 0.1) + 3
    assert level_db(sfz, 0.4, 0.9) < level_db(sfz, 0.0, 0.1) - 8


def test_pitch_articulations(notes: dict[str, np.ndarray]) -> None:
    ordn = cents(pitch_track(notes["ordinario"]))
    vib = cents(pitch_track(notes["vibrato"]))
    assert np.std(vib) > 2 * np.std(ordn)
    gliss = cents(pitch_track(notes["glissando"]))
    assert np.median(gliss[:3]) < -100 and abs(np.median(gliss[-10:])) < 30
    trill = cents(pitch_track(notes["trill"]))
    upper = np.mean(np.abs(trill - 200) < 50)
    lower = np.mean(np.abs(trill) < 50)
    assert upper > 0.25 and lower > 0.25, (upper, lower)


def test_tremolo_is_amplitude_modulated(notes: dict[str, np.ndarray]) -> None:
    def fluctuation(x: np.ndarray) -> float:
        seg = x[int(0.2 * SR) : int(0.9 * SR)]
        env = np.sqrt(np.convolve(seg**2, np.ones(256) / 256, mode="valid")[::128])
        return float(np.std(env) / np.mean(env))

    assert fluctuation(notes["tremolo"]) > 1.5 * fluctuation(notes["ordinario"])
