"""The render worker: cache, first frames, batching, scheduling, panic, errors, order."""

from __future__ import annotations

import time

import numpy as np
import pytest
from engine_fakes import LEAD, SineRenderer, make_engine

from realtime.engine.events import PANIC, READY, RELEASE, UPGRADE


def kinds(eng) -> list[int]:
    return [m.kind for m in eng.mixer.inbox]


def test_repeated_note_comes_from_the_cache(renderer: SineRenderer) -> None:
    eng = make_engine(renderer)
    eng.note_on(60, 100)
    eng.worker.drain(None)
    eng.note_on(60, 100)
    eng.worker.drain(None)
    assert renderer.calls == [("whole", 1)]
    a, b = list(eng.mixer.inbox)
    assert a.audio is b.audio and eng.cache.hits == 1
    eng.note_on(60, 101)  # same dynamics step: still cached
    eng.note_on(60, 40)  # another dynamics: rendered
    eng.worker.drain(None)
    assert renderer.calls == [("whole", 1), ("whole", 1)]


def test_first_frames_start_the_note_then_the_whole_note_follows(head_renderer) -> None:
    eng = make_engine(head_renderer)
    eng.note_on(60, 100)
    eng.worker.drain(None)
    assert head_renderer.calls == [("head", 1), ("whole", 1)]
    ready, upgrade = list(eng.mixer.inbox)
    assert ready.kind == READY and ready.awaiting_full and upgrade.kind == UPGRADE
    # same trim for both: the head is the beginning of the whole note
    n = ready.audio.shape[0] - 200  # soxr's edge at the head's end differs a little
    np.testing.assert_allclose(ready.audio[:n], upgrade.audio[:n], atol=2e-3)
    assert upgrade.audio.shape[0] > 4 * ready.audio.shape[0]


def test_a_chord_is_rendered_in_one_batched_call(head_renderer) -> None:
    eng = make_engine(head_renderer)
    for p in (60, 64, 67, 72, 76):
        eng.note_on(p, 100)
    eng.worker.drain(None)
    assert head_renderer.calls == [("head", 5), ("whole", 5)]
    assert kinds(eng) == [READY] * 5 + [UPGRADE] * 5


def test_leading_silence_is_trimmed(renderer: SineRenderer) -> None:
    eng = make_engine(renderer)
    eng.note_on(69, 100)
    eng.worker.drain(None)
    audio = eng.mixer.inbox[0].audio
    assert abs(audio[0]) >= 0 and np.abs(audio[:3]).max() > 1e-3
    full = 48000 * renderer.note_samples / 22050
    assert abs(audio.shape[0] - (full - LEAD * 48000 / 22050)) < 3


def test_timed_notes_wait_in_the_worker_until_the_horizon(renderer: SineRenderer) -> None:
    eng = make_engine(renderer)
    eng.note_on(60, 100, frame=48000)
    eng.note_off(60, frame=96000)
    eng.worker.drain(0)
    assert kinds(eng) == [] and eng.worker.scheduled == 2
    eng.worker.drain(48000 - eng.worker.horizon)
    assert kinds(eng) == [READY] and eng.mixer.inbox[0].frame == 48000
    eng.worker.drain(96000)
    assert kinds(eng) == [READY, RELEASE]


def test_note_off_follows_its_note_on(renderer: SineRenderer) -> None:
    eng = make_engine(renderer)
    eng.note_on(60, 100)
    eng.note_off(60)
    eng.worker.drain(None)
    assert kinds(eng) == [READY, RELEASE]


def test_panic_drops_pending_and_scheduled_notes(renderer: SineRenderer) -> None:
    eng = make_engine(renderer)
    eng.note_on(60, 100, frame=10**7)
    eng.worker.drain(0)
    eng.note_on(62, 100)
    eng.panic()
    eng.worker.drain(0)
    assert kinds(eng) == [PANIC] and eng.worker.scheduled == 0


def test_render_errors_are_counted_not_fatal() -> None:
    class Broken(SineRenderer):
        def render(self, *a):  # type: ignore[override]
            raise RuntimeError("boom")

    eng = make_engine(Broken())
    eng.note_on(60, 100)
    eng.worker.drain(None)
    assert eng.meter.render_errors == 1 and "boom" in eng.meter.last_error


def test_non_finite_model_output_is_cleaned() -> None:
    class Nan(SineRenderer):
        def render(self, *a):  # type: ignore[override]
            out = super().render(*a)
            out[:, 1000:1010] = np.nan
            return out

    eng = make_engine(Nan())
    eng.note_on(60, 100)
    eng.worker.drain(None)
    assert np.all(np.isfinite(eng.mixer.inbox[0].audio))


def test_the_thread_hands_notes_to_the_callback(renderer: SineRenderer) -> None:
    eng = make_engine(renderer)
    eng.start(audio=False)
    try:
        eng.note_on(60, 100)
        assert eng.wait_idle(2.0)
        deadline = time.perf_counter() + 2
        while not eng.mixer.inbox and time.perf_counter() < deadline:
            time.sleep(0.001)
        assert kinds(eng) == [READY]
        assert eng.stats()["render_ms_p50"] is not None
    finally:
        eng.stop()


def test_bad_note_arguments_raise_value_error(renderer: SineRenderer) -> None:
    eng = make_engine(renderer)
    for args in [(128, 100), (-1, 100), (60, 0), (60, 128), ("C4", 100)]:
        with pytest.raises(ValueError):
            eng.note_on(*args)
    with pytest.raises(ValueError):
        eng.note_on(60, 100, duration=-1)


def test_fixed_latency_mode_delays_untimed_events(renderer: SineRenderer) -> None:
    eng = make_engine(renderer, fixed_latency_ms=12.0)
    before = time.perf_counter()
    eng.note_on(60, 100)
    req = eng.worker.queue.get_nowait()[1]
    assert req.time is not None and 0.012 <= req.time - before < 0.013
    assert req.time - req.arrival == pytest.approx(0.012)


def test_chunked_resampling_equals_soxr_one_shot() -> None:
    import soxr

    from realtime.engine.resample import resample

    x = np.random.default_rng(0).standard_normal(10000).astype(np.float32)
    for sr_in, sr_out in [(22050, 48000), (22050, 44100), (48000, 22050)]:
        np.testing.assert_array_equal(
            resample(x, sr_in, sr_out), soxr.resample(x, sr_in, sr_out, "HQ")
        )
    assert resample(x[:0], 22050, 48000).shape == (0,)
    # the thread's stream is reused: after one note, the next comes out as from a new one
    y = np.random.default_rng(1).standard_normal(3001).astype(np.float32)
    for _ in range(2):
        for signal in (x, y, x[:100]):
            np.testing.assert_array_equal(
                resample(signal, 22050, 48000), soxr.resample(signal, 22050, 48000, "HQ")
            )


def test_thread_priority_is_restored_after_a_temporary_raise() -> None:
    import os

    from realtime.engine.priority import temporarily

    before = (os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0))
    with temporarily(10, -5) as how:
        assert how in ("realtime", "nice", "normal")
        if how == "realtime":
            assert os.sched_getscheduler(0) == os.SCHED_FIFO
    assert (os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0)) == before
