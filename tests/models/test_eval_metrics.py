"""Reconstruction metrics: zero for identical inputs, growing with the damage."""

from __future__ import annotations

import numpy as np
import pytest

from models.evaluation.metrics import audio_metrics, feature_metrics
from models.evaluation.synthetic import TINY_FEATURES, synth_note
from realtime.dsp.features import log_mel

CFG = TINY_FEATURES


@pytest.fixture(scope="module")
def notes() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.stack([synth_note(p, "bright", "mf", CFG, rng) for p in (55, 62, 69)])


def test_identical_inputs_score_zero(notes: np.ndarray) -> None:
    feats = log_mel(notes, CFG)
    assert feature_metrics(feats, feats, CFG) == {"mel_l1": 0.0, "spectral_convergence": 0.0,
                                                   "lsd_db": 0.0}
    a = audio_metrics(notes, notes, CFG)
    assert a["spectral_convergence"] == pytest.approx(0.0, abs=1e-6)
    assert a["lsd_db"] == pytest.approx(0.0, abs=1e-4)


def test_feature_metrics_grow_with_noise(notes: np.ndarray) -> None:
    feats = log_mel(notes, CFG)
    rng = np.random.default_rng(1)
    small = feature_metrics(feats, feats + rng.normal(0, 0.01, feats.shape), CFG)
    large = feature_metrics(feats, feats + rng.normal(0, 0.1, feats.shape), CFG)
    for key in small:
        assert 0 < small[key] < large[key], key
    # 0.01 feature units of noise = 1 dB RMS: the LSD reads it in dB.
    assert small["lsd_db"] == pytest.approx(1.0, rel=0.1)


def test_audio_metrics_rank_a_wrong_pitch_below_a_quieter_copy(notes: np.ndarray) -> None:
    rng = np.random.default_rng(2)
    quieter = notes * 0.9
    wrong = np.stack([synth_note(p + 5, "bright", "mf", CFG, rng) for p in (55, 62, 69)])
    near, far = audio_metrics(notes, quieter, CFG), audio_metrics(notes, wrong, CFG)
    assert near["spectral_convergence"] == pytest.approx(0.1, abs=0.01)
    assert far["spectral_convergence"] > 5 * near["spectral_convergence"]
    assert far["lsd_db"] > near["lsd_db"]


def test_shape_mismatch_is_refused(notes: np.ndarray) -> None:
    with pytest.raises(ValueError, match="must be equal"):
        audio_metrics(notes, notes[:2], CFG)
