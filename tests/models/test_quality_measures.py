"""The measures of ``bench quality`` on synthetic signals whose answer is known."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from models.evaluation import quality as q
from models.evaluation.pitch_judge import PitchTrack
from models.evaluation.quality_pitch import MOD_HOP_S, MOD_TIMES_S, glide, modulation
from realtime.dsp.features import FeatureConfig

SR = 22050
N = 32768


def harmonic(f0: float, n: int = N, sr: int = SR, partials: int = 8) -> np.ndarray:
    t = np.arange(n) / sr
    x = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, partials + 1)
            if k * f0 < sr / 2)
    return np.asarray(0.3 * x / np.abs(x).max(), dtype=np.float32)


def noise(n: int = N, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def test_mr_stft_zero_for_identical_and_grows_with_difference() -> None:
    a = np.stack([harmonic(220.0), harmonic(330.0)])
    same = q.mr_stft(a, a.copy())
    assert np.allclose(same["total"], 0.0)
    assert np.allclose(q.log_spectral_distance(a, a.copy()), 0.0)
    louder = q.mr_stft(a, 1.05 * a)  # 5 % louder: SC 0.05, log L1 at most log(1.05)
    assert np.allclose(louder["sc"], 0.05, atol=1e-4), louder
    assert np.all((louder["log_mag"] > 0.01) & (louder["log_mag"] <= np.log(1.05) + 1e-6))
    near = louder["total"]
    far = q.mr_stft(a, a[::-1].copy())["total"]
    assert np.all(far > 10 * near)
    # The log-magnitude term weighs the floor between partials: a little noise shows.
    hiss = q.mr_stft(a, a + 0.01 * np.stack([noise(), noise(seed=1)]))["log_mag"]
    assert np.all(hiss > 1.0)
    assert np.all(q.log_spectral_distance(a, a[::-1].copy()) > 3.0)


def test_hnr_pure_tone_above_noisy_tone_above_noise() -> None:
    x = np.stack([harmonic(220.0, partials=1), harmonic(220.0) + 0.3 * noise(), noise()])
    hnr = q.hnr_db(x, SR, np.array([57, 57, 57]))
    assert hnr[0] > 30.0, hnr
    assert hnr[0] > hnr[1] > hnr[2], hnr
    assert hnr[2] < 0.0, hnr
    assert np.isnan(q.hnr_db(np.zeros((1, N), np.float32), SR, np.array([57]))[0])


def test_hnr_low_key_stays_finite_and_high() -> None:
    # A0 (27.5 Hz): the frame grows to hold 3.3 periods.
    assert q.hnr_db(harmonic(27.5)[None], SR, np.array([21]))[0] > 20.0


def test_frame_comb_found_only_where_it_is() -> None:
    hop = 256
    tone = harmonic(261.63)
    comb = np.zeros(N, np.float32)
    comb[::hop] = 0.05  # a click every frame: lines at multiples of SR / hop
    x = np.stack([tone, tone + comb])
    db = q.frame_comb_db(x, SR, hop, np.array([60, 60]))
    assert abs(db[0]) < 3.0, db
    assert db[1] > 10.0, db


def test_high_band_absent_at_22k_measured_at_48k() -> None:
    assert np.isnan(q.high_band_db(noise()[None], SR)[0])
    bright = noise(n=48000)[None]
    dull = harmonic(220.0, n=48000, sr=48000)[None]
    assert q.high_band_db(bright, 48000)[0] > q.high_band_db(dull, 48000)[0] + 20.0


def test_modulation_reads_depth_and_rate_of_a_vibrato() -> None:
    t = np.arange(24) * MOD_HOP_S
    cents = 30.0 * np.sin(2 * np.pi * 6.0 * t) + 40.0 * t  # vibrato on a slow slide
    f0 = 440.0 * 2 ** (cents / 1200)
    depth, rate = modulation(PitchTrack(f0, np.ones_like(f0)), 69)
    assert 20.0 < depth < 40.0 and abs(rate - 6.0) < 1.0, (depth, rate)
    flat = modulation(PitchTrack(np.full(24, 440.0), np.ones(24)), 69)
    assert flat[0] < 1.0


def test_glide_reads_where_a_slide_starts_and_how_long_it_takes() -> None:
    t = MOD_TIMES_S
    cents = np.where(t < 0.5, -200.0 * (1.0 - t / 0.5), 0.0)  # the recipe's glissando
    f0 = 440.0 * 2 ** (cents / 1200)
    start, seconds = glide(PitchTrack(f0, np.ones_like(f0)))
    assert abs(start + 200.0) < 10.0 and abs(seconds - 0.5) < 0.05, (start, seconds)
    assert glide(PitchTrack(np.full(len(t), 440.0), np.ones(len(t)))) == (0.0, 0.0)
    quiet = np.zeros(len(t))
    assert np.isnan(glide(PitchTrack(f0, quiet))[0])  # nothing voiced: not judged


def test_pitch_against_the_library_note_not_the_key() -> None:
    from models.evaluation.quality_measure import PITCH_MEASURES, against_library, summary

    # The library sits 6 cents sharp of its keys; a faithful copy is 6 off the key, 0 off
    # the library; a copy 2 cents flat of the library is 2 off; an untracked note is left out.
    lib = np.array([6.0, 6.0, 6.0, -6.0])
    t = {m: np.full(4, np.nan) for m in PITCH_MEASURES}
    t["cents"] = np.array([6.0, 4.0, np.nan, -8.0])
    t["voiced"] = np.ones(4)
    against_library(t, lib)
    assert np.allclose(t["cents_vs_library"][[0, 1, 3]], [0.0, -2.0, -2.0])
    assert np.isnan(t["cents_vs_library"][2])
    s = summary({**t, **{m: np.full(4, np.nan) for m in ("hnr_db", "mrstft", "mrstft_sc",
                "mrstft_log_mag", "lsd_db", "comb_db", "high_band_db", "level_diff_db")}})
    assert s["median_abs_cents"] == 6.0 and s["median_abs_cents_vs_library"] == 2.0


def test_batched_griffin_lim_matches_the_runtime_one() -> None:
    from models.evaluation.quality_notes import render_griffin_lim
    from realtime.dsp.features import log_mel
    from realtime.dsp.griffinlim import features_to_audio, spectral_convergence

    cfg = FeatureConfig(sample_rate=8000, n_fft=256, hop=64, n_frames=32, n_mels=32,
                        fmax=4000.0)
    x = np.stack([harmonic(220.0, cfg.note_samples, 8000), harmonic(330.0, cfg.note_samples,
                                                                     8000)])
    feats = log_mel(x, cfg)
    ours = render_griffin_lim(feats, cfg, n_iter=20)
    for i in range(2):
        ref = features_to_audio(feats[i], cfg, n_iter=20)
        assert spectral_convergence(ref, ours[i], cfg) < 1e-3


@pytest.mark.parametrize("model", ["tiny"])
def test_crepe_flags_a_tone_an_octave_off(model: str) -> None:
    if importlib.util.find_spec("torchcrepe") is None:
        pytest.skip("torchcrepe (the eval extra) is not installed")
    from models.evaluation.quality_measure import pitch_table
    from models.evaluation.quality_notes import Key
    from models.evaluation.quality_pitch import Crepe

    keys = [Key("flute", 69, "mf"), Key("flute", 69, "mf"), Key("flute", 20, "mf"),
            Key("flute", 69, "mf")]
    short = harmonic(440.0)
    short[int(0.15 * SR):] = 1e-5 * noise()[int(0.15 * SR):]  # a blip, then near-silence
    audio = np.stack([harmonic(440.0), harmonic(880.0), harmonic(440.0), short])
    t = pitch_table(Crepe(model, threads=1), audio, SR, keys)
    assert t["right"][0] == 1.0 and t["octave_error"][0] == 0.0
    assert t["right"][1] == 0.0 and t["octave_error"][1] == 1.0
    assert 1100 < t["cents"][1] < 1300
    assert np.isnan(t["voiced"][2])  # below C1: not judged
    assert t["voiced"][0] == 1.0 and t["voiced"][3] <= 0.2  # the silent tail is unvoiced
