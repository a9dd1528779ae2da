"""The audio callback driven directly with numpy arrays: any block size, no allocation,
never raises, sample-accurate starts."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from engine_fakes import LEAD, SineRenderer, make_engine

from realtime.engine.events import NoteOff, NoteOn, ReadyNote, Release
from realtime.engine.offline import render_offline

BLOCKS = [1, 64, 65, 256, 1024, 8193]
SR = 48000
LEAD_OUT = round(LEAD * SR / 22050)


def score() -> list[tuple[float, object]]:
    return [
        (0.010, NoteOn(69, 100, duration=0.05)),
        (0.0213, NoteOn(76, 60)),
        (0.060, NoteOff(76)),
        (0.0405, NoteOn(57, 127, duration=0.02)),
    ]


def render(blocksize: int, renderer: SineRenderer | None = None) -> np.ndarray:
    eng = make_engine(renderer)
    eng.set("release", 0.02)
    return render_offline(eng, score(), blocksize=blocksize, tail_s=0.3)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return render(256)


@pytest.mark.parametrize("blocksize", BLOCKS)
def test_every_block_size_gives_the_same_audio(blocksize: int, reference: np.ndarray) -> None:
    out = render(blocksize)
    n = min(len(out), len(reference))
    assert n > 0.08 * SR  # the last release ends near 0.087 s
    # equal up to float32 rounding of envelopes computed in different steps (-80 dB)
    np.testing.assert_allclose(out[:n], reference[:n], atol=1e-4)
    assert np.abs(out[n:]).max(initial=0) < 1e-4 and np.abs(reference[n:]).max(initial=0) < 1e-4


def test_notes_start_on_their_exact_sample(reference: np.ndarray) -> None:
    mono = reference[:, 0]
    first = int(np.flatnonzero(np.abs(mono) > 0)[0])
    # the renderer's 10 ms of leading silence is trimmed: the note starts at its time
    assert first == round(0.010 * SR)
    # second note: isolate it by rendering it alone
    eng = make_engine()
    alone = render_offline(eng, [(0.0213, NoteOn(76, 60))], blocksize=256, tail_s=0.05)
    assert int(np.flatnonzero(np.abs(alone[:, 0]) > 0)[0]) == round(0.0213 * SR)


def test_channels_carry_the_same_mono_mix(reference: np.ndarray) -> None:
    np.testing.assert_array_equal(reference[:, 0], reference[:, 1])


def _busy_engine() -> tuple[object, list[np.ndarray]]:
    """An engine with every voice slot in use, some releasing, one awaiting its whole note,
    the limiter working and the gain ramping: every path of the callback."""
    eng = make_engine(SineRenderer(note_samples=44100))
    eng.set("gain", 12.0)
    for i in range(40):
        eng.note_on(48 + i, 127, duration=0.01 if i % 3 == 0 else None, frame=i * 7)
    eng.worker.drain(0)
    head = np.ones(300, np.float32) * 0.1
    eng.mixer.inbox.append(
        ReadyNote(
            9999,
            100,
            head,
            awaiting_full=True,
            gain=1.0,
            release_coef=0.999,
            frame=-1,
            duration_frames=-1,
            arrival=1.0,
        )
    )
    return eng, []


@pytest.mark.parametrize("blocksize", BLOCKS)
def test_callback_allocates_nothing_that_grows_with_the_block(blocksize: int) -> None:
    eng, _ = _busy_engine()
    out = np.zeros((blocksize, 2), np.float32)
    release = Release(60, -1)
    for _ in range(3):  # voices start, steals happen, first-call caches warm up
        eng.process(out)  # type: ignore[attr-defined]
    tracemalloc.start()
    try:
        for k in range(10):
            eng.mixer.target_gain = 0.5 if k % 2 else 3.0  # type: ignore[attr-defined]
            eng.process(out)  # type: ignore[attr-defined]
        steady, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for k in range(20):
            eng.mixer.target_gain = 0.5 if k % 2 else 3.0  # type: ignore[attr-defined]
            if k == 5:
                eng.mixer.inbox.append(release)  # type: ignore[attr-defined]
            eng.process(out)  # type: ignore[attr-defined]
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert eng.mixer.pool.count() > 0  # type: ignore[attr-defined]
    assert eng.meter.errors == 0, eng.meter.last_error  # type: ignore[attr-defined]
    # A float32 temporary of 1024 frames is 4 KiB (32 KiB at 8193): none may appear. Python
    # makes only small transient objects (array views, ints, floats) freed at once...
    assert peak - steady < 4096, peak - steady
    # ...and nothing accumulates from one callback to the next.
    assert current - steady <= 256, current - steady


def test_limiter_keeps_a_loud_mix_below_threshold() -> None:
    eng, _ = _busy_engine()
    out = np.zeros((512, 2), np.float32)
    peak = 0.0
    for _ in range(50):
        eng.process(out)  # type: ignore[attr-defined]
        peak = max(peak, float(np.abs(out).max()))
    assert 0.5 < peak <= eng.config.limiter_threshold + 1e-6  # type: ignore[attr-defined]
    assert eng.mixer.limiter.min_gain < 0.9  # type: ignore[attr-defined]


def test_callback_never_raises_and_counts_errors() -> None:
    eng = make_engine()
    eng.mixer.inbox.append(
        ReadyNote(
            1,
            60,
            None,
            awaiting_full=False,
            gain=1.0,  # type: ignore[arg-type]
            release_coef=0.9,
            frame=-1,
            duration_frames=-1,
            arrival=0.0,
        )
    )
    eng.mixer.inbox.append(object())  # type: ignore[arg-type]
    out = np.ones((256, 2), np.float32)
    eng.process(out)
    eng.process(out)
    assert eng.meter.errors >= 1
    assert eng.meter.last_error
    assert np.all(out == 0) or np.all(np.isfinite(out))
    eng.process(np.zeros((0, 2), np.float32))  # an empty block is fine too
    eng.process(np.zeros((7,), np.float32))  # mono 1-D buffer
    eng.mixer.callback(np.zeros((64, 2), np.float32), 64, None, None)  # bad status object


def test_a_burst_larger_than_the_per_block_budget_waits_for_later_blocks() -> None:
    eng = make_engine(inbox_per_block=4)
    for i in range(10):
        eng.note_on(60 + i, 100)
    eng.worker.drain(None)
    assert len(eng.mixer.inbox) == 10
    eng.process(np.zeros((64, 2), np.float32))
    assert len(eng.mixer.inbox) == 6
    for _ in range(2):
        eng.process(np.zeros((64, 2), np.float32))
    assert len(eng.mixer.inbox) == 0 and eng.meter.notes_started == 10
