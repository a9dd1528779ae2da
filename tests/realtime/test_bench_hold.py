"""``waefader bench hold``: its measures on known signals, and the command on the shipped model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from realtime.cli import bench_hold
from realtime.cli.hold_measure import bend_cents, check_hold

SR = 16000


def held_tone(seconds: float, release: float, f: float = 220.0) -> np.ndarray:
    """A tone at -12 dBFS with a 50 ms attack, held ``seconds``, exponential release."""
    t = np.arange(round((seconds + release + 1.0) * SR)) / SR
    env = np.minimum(t / 0.05, 1.0)
    after = t > seconds
    env[after] *= 10 ** (-3 * (t[after] - seconds) / release)  # -60 dB in ``release``
    return (0.25 * env * np.sin(2 * np.pi * f * t)).astype(np.float32)


def test_a_clean_hold_passes_every_check() -> None:
    r = check_hold(held_tone(8.0, 0.3), SR, 8.0, 0.3)
    assert r["level_ok"] and r["click_ok"] and r["release_ok"]
    assert r["max_deviation_db"] < 1.0 and r["release_40db_s"] == pytest.approx(0.2, abs=0.02)


def test_a_dip_a_click_or_a_slow_release_fail() -> None:
    dip = held_tone(8.0, 0.3)
    dip[5 * SR : round(5.5 * SR)] *= 0.5  # -6 dB for half a second
    assert not check_hold(dip, SR, 8.0, 0.3)["level_ok"]
    click = held_tone(8.0, 0.3)
    click[6 * SR] += 0.2
    assert not check_hold(click, SR, 8.0, 0.3)["click_ok"]
    slow = held_tone(8.0, 2.0)  # released over 2 s, checked against 0.3 s
    assert not check_hold(slow, SR, 8.0, 0.3)["release_ok"]


def test_bend_cents_measures_a_pitch_step() -> None:
    t = np.arange(4 * SR) / SR
    f = np.where(t < 2.0, 220.0, 220.0 * 2 ** (2 / 12))
    y = 0.3 * np.sin(2 * np.pi * np.cumsum(f) / SR)
    assert bend_cents(y, SR, (0.5, 1.9), (2.1, 3.9)) == pytest.approx(200.0, abs=2.0)


def test_bench_hold_on_the_shipped_model(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--styles", "violin,piano", "--holds", "3", "--json", "--samplerate", "24000"]
    assert bench_hold.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sustain_source"] == "manifest"
    assert set(out["sustaining"]) == {"violin"} and set(out["decaying"]) == {"piano"}
    runs = out["sustaining"]["violin"]["runs"]
    assert [r["path"] for r in runs] == ["midi", "osc"]
    assert all(r["level_ok"] and r["release_ok"] for r in runs)
    assert out["bend"]["violin"]["ok"] and out["bend"]["violin"]["click_ok"]
    assert out["decaying"]["piano"]["ok"] and out["decaying"]["piano"]["ends_s"] < 1.6
    assert bench_hold.main(["--styles", "tuba"]) == 2
