"""Voices: stealing, release, sustain, panic, click-free gain, first-frames -> whole note."""

from __future__ import annotations

import numpy as np
from engine_fakes import SineRenderer, make_engine

from realtime.engine.events import NoteOff, NoteOn, ReadyNote, Upgrade
from realtime.engine.offline import render_offline

SR = 48000


def run(eng, blocks: int, blocksize: int = 256) -> np.ndarray:
    outs = []
    for _ in range(blocks):
        out = np.zeros((blocksize, 2), np.float32)
        eng.process(out)
        outs.append(out[:, 0])
    return np.concatenate(outs)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def test_the_note_beyond_max_voices_steals_the_oldest() -> None:
    eng = make_engine(SineRenderer(note_samples=44100), max_voices=4, tail_voices=2)
    ids = [eng.note_on(60 + i, 100, frame=i * 10) for i in range(6)]
    eng.worker.drain(0)
    run(eng, 2)
    assert eng.meter.steals == 2
    counted = [v for v in eng.mixer.pool.voices if v.state and v.counted]
    assert len(counted) == 4
    assert sorted(v.note_id for v in counted) == ids[2:]  # the two oldest were taken
    run(eng, 4)  # 5 ms steal fade: the stolen voices are gone after ~7 ms
    assert eng.mixer.pool.count() == 4


def test_release_envelope_falls_60_db_over_the_release_time() -> None:
    def render(with_off: bool) -> np.ndarray:
        eng = make_engine(SineRenderer(note_samples=44100))
        eng.set("release", 0.1)
        score = [(0.0, NoteOn(69, 100))] + ([(0.2, NoteOff(69))] if with_off else [])
        return render_offline(eng, score, tail_s=0.5)[:, 0]

    held, released = render(False), render(True)
    off = round(0.2 * SR)
    win = 480
    before = rms(released[off - win : off]) / rms(held[off - win : off])
    assert abs(before - 1.0) < 1e-5  # untouched before the note-off
    half = off + round(0.05 * SR)
    ratio_half = rms(released[half : half + win]) / rms(held[half : half + win])
    assert 10 ** (-33 / 20) < ratio_half < 10 ** (-27 / 20)  # -30 dB halfway (exponential)
    end = off + round(0.1 * SR)
    ratio_end = rms(released[end : end + win]) / rms(held[end : end + win])
    assert ratio_end < 10 ** (-58 / 20)
    # no click at the note-off: the envelope is continuous
    step = np.abs(np.diff(released[off - 4 : off + 4])).max()
    assert step < 0.05


def test_sustain_pedal_holds_note_offs_until_released() -> None:
    eng = make_engine(SineRenderer(note_samples=44100))
    eng.set("release", 0.01)
    eng.note_on(60, 100)
    eng.sustain(True)
    eng.note_off(60)
    eng.worker.drain(None)
    run(eng, 40)
    assert eng.mixer.pool.count() == 1
    eng.sustain(False)
    eng.worker.drain(None)
    run(eng, 10)
    assert eng.mixer.pool.count() == 0


def test_panic_silences_everything_within_the_steal_fade() -> None:
    eng = make_engine(SineRenderer(note_samples=44100))
    for p in range(50, 60):
        eng.note_on(p, 120)
    eng.worker.drain(None)
    run(eng, 4)
    eng.note_on(70, 100)  # still waiting for the worker: dropped by the panic
    eng.panic()
    eng.worker.drain(None)
    out = run(eng, 4)
    assert eng.mixer.pool.count() == 0
    assert np.abs(out[round(0.008 * SR) :]).max() < 1e-4  # below -80 dB after 8 ms


def test_gain_changes_are_ramped_per_sample() -> None:
    eng = make_engine()
    const = np.full(48000, 0.5, np.float32)
    eng.mixer.inbox.append(
        ReadyNote(
            1,
            60,
            const,
            awaiting_full=False,
            gain=1.0,
            release_coef=0.999,
            frame=-1,
            duration_frames=-1,
            arrival=0.0,
        )
    )
    run(eng, 2)
    eng.set("gain", -40.0)
    out = run(eng, 4)
    steps = np.abs(np.diff(out))
    assert steps.max() <= 0.5 * eng.mixer.gain_step + 1e-6  # no jump larger than one ramp step
    assert abs(out[-1] - 0.5 * 0.01) < 1e-6  # reached -40 dB within 10 ms


def test_first_frames_then_whole_note_is_seamless() -> None:
    whole = (np.sin(np.arange(20000) * 0.05) * 0.5).astype(np.float32)
    head = whole[:2000].copy()

    def play(upgrade_after: int) -> tuple[np.ndarray, object]:
        eng = make_engine()
        eng.mixer.inbox.append(
            ReadyNote(
                7,
                60,
                head,
                awaiting_full=True,
                gain=1.0,
                release_coef=0.999,
                frame=-1,
                duration_frames=-1,
                arrival=0.0,
            )
        )
        first = run(eng, upgrade_after, 64)
        eng.mixer.inbox.append(Upgrade(7, whole))
        return np.concatenate([first, run(eng, 20, 64)]), eng

    out, eng = play(10)  # the whole note comes while the first frames still play
    np.testing.assert_allclose(out, whole[: out.shape[0]], atol=1e-6)
    assert eng.meter.starved == 0
    out, eng = play(40)  # first frames ran out: silence, then a short fade-in, counted
    assert eng.meter.starved == 1
    assert np.all(out[2000 : 40 * 64] == 0)
    assert abs(out[40 * 64 + 200] - whole[40 * 64 + 200]) < 1e-6
    k = 40 * 64
    ramp = (np.arange(96) + 0.5) / 96  # the 2 ms fade-in from silence
    np.testing.assert_allclose(out[k : k + 96], whole[k : k + 96] * ramp, atol=1e-6)
