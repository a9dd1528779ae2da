"""``Engine.play_audio``: a buffer played as one voice (the transform panel's original and
reconstruction), resampled off the callback, deaf to note-offs, faded by panic."""

from __future__ import annotations

import numpy as np
import pytest
from engine_fakes import make_engine

from realtime.engine.resample import resample

SR = 22050


def tone(seconds: float = 0.5, hz: float = 330.0, peak: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return (peak * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def run(engine, frames: int, block: int = 256) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.zeros((frames, 2), np.float32)
    for start in range(0, frames, block):
        engine.process(out[start : start + block])
    return out


def test_buffer_plays_resampled_at_its_gain() -> None:
    engine = make_engine()  # 48 kHz, master gain 0 dB
    x = tone()
    engine.play_audio(x, SR, gain=0.5)
    out = run(engine, 48000)
    want = resample(x, SR, 48000) * 0.5
    n = want.shape[0]
    np.testing.assert_allclose(out[:n, 0], want, atol=1e-6)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])
    assert np.all(out[n:] == 0.0)  # it ends with the buffer
    assert engine.stats()["latency_ms_p50"] is None  # not a trigger: no latency figure


def test_note_off_leaves_it_and_panic_fades_it() -> None:
    engine = make_engine()
    engine.play_audio(tone(2.0), SR)
    run(engine, 4800)
    for pitch in range(128):
        engine.note_off(pitch)
    engine.worker.start()
    try:
        assert engine.wait_idle(5.0)
        middle = run(engine, 4800)
        assert np.max(np.abs(middle)) > 0.25  # still sounding
        engine.panic()
        run(engine, 4800)  # steal_fade_ms: gone within this block
        assert np.max(np.abs(run(engine, 4800))) < 1e-4
    finally:
        engine.stop()


@pytest.mark.parametrize(
    ("audio", "rate", "gain", "match"),
    [
        (np.zeros((100, 2), np.float32), SR, 1.0, "mono"),
        (np.zeros(0, np.float32), SR, 1.0, "mono"),
        (np.array([0.0, np.nan], np.float32), SR, 1.0, "NaN"),
        (np.zeros(100, np.float32), 0, 1.0, "rate"),
        (np.zeros(100, np.float32), SR, 5.0, "gain"),
    ],
)
def test_bad_buffers_are_refused(audio: np.ndarray, rate: int, gain: float, match: str) -> None:
    engine = make_engine()
    with pytest.raises(ValueError, match=match):
        engine.play_audio(audio, rate, gain)
    assert not engine.mixer.inbox
