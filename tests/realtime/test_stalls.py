"""The callback's headroom figures, the collector kept off the audio path, stall attribution."""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
import weakref

import numpy as np
import pytest
from engine_fakes import SineRenderer, make_engine

from realtime.engine.gc_control import GcControl, GcMonitor
from realtime.engine.stall_monitor import BIN, BINS, StallMonitor
from realtime.engine.stalls import OTHER, attribute
from realtime.engine.steal import TICK_S, StealSampler, read_steal, steal_between
from realtime.engine.step_times import PREPARE, StepTimes

SR = 48000
PERIOD = 256 / SR


def _feed(mon: StallMonitor, gaps: list[float], took: list[float], t: float = 100.0) -> None:
    """Blocks of 256 frames whose starts are ``gaps`` apart and which take ``took`` s."""
    for g, d in zip(gaps, took, strict=True):
        t += g
        mon.block(t, t + d, 256)


def test_regular_blocks_make_no_stall_and_fill_the_right_bins() -> None:
    mon = StallMonitor(SR)
    _feed(mon, [PERIOD] * 100, [0.1 * PERIOD] * 100)
    s = mon.summary()
    assert s["stalls"] == 0
    assert s["callback_worst_budget"] == pytest.approx(0.1, abs=1e-4)
    assert s["callback_gap_max_ms"] == pytest.approx(PERIOD * 1e3, abs=1e-3)
    h = mon.histograms()
    near = slice(round(0.1 / BIN) - 1, round(0.1 / BIN) + 1)  # float rounding at the edge
    assert sum(h["load"]) == 100 and sum(h["load"][near]) == 100
    near = slice(round(1.0 / BIN) - 1, round(1.0 / BIN) + 1)
    assert sum(h["gap"]) == 99 and sum(h["gap"][near]) == 99  # the first has no gap


def test_a_late_and_a_slow_callback_are_stalls() -> None:
    mon = StallMonitor(SR)
    gaps = [PERIOD] * 10 + [3 * PERIOD] + [PERIOD] * 10
    took = [0.1 * PERIOD] * 15 + [0.7 * PERIOD] + [0.1 * PERIOD] * 5
    _feed(mon, gaps, took)
    s = mon.summary()
    assert s["stalls"] == 2
    assert s["callback_gap_max_ms"] == pytest.approx(3 * PERIOD * 1e3, abs=1e-3)
    assert s["callback_worst_budget"] == pytest.approx(0.7, abs=1e-4)
    rows = mon.stall_rows()
    assert rows[0, 1] == pytest.approx(3 * PERIOD) and rows[1, 2] == pytest.approx(0.7 * PERIOD)
    assert s["callback_wait_max_ms"] == 0.0 and (rows[:, 4] == -1).all()  # CPU not given
    assert mon.histograms()["gap"][BINS - 1] == 1  # 3 periods: in the last bin, "2.0 and up"
    mon.reset()
    assert mon.summary()["stalls"] == 0 and sum(mon.histograms()["load"]) == 0


def test_time_a_block_spent_waiting_is_its_wall_time_minus_its_cpu_time() -> None:
    mon = StallMonitor(SR)
    mon.block(10.0, 10.0 + 0.2 * PERIOD, 256, cpu=0.2 * PERIOD)  # computed all along
    mon.block(10.0 + PERIOD, 10.0 + 1.7 * PERIOD, 256, cpu=0.1 * PERIOD)  # waited 0.6 P
    assert mon.summary()["callback_wait_max_ms"] == pytest.approx(0.6 * PERIOD * 1e3, abs=1e-3)
    found = attribute(mon.stall_rows(), np.zeros((0, 5)), [], 0)
    assert found[0]["block_waited_ms"] == pytest.approx(0.6 * PERIOD * 1e3, abs=1e-3)


def test_the_monitor_allocates_nothing_per_block() -> None:
    mon = StallMonitor(SR, size=8)
    _feed(mon, [PERIOD] * 20, [0.1 * PERIOD] * 20)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        _feed(mon, [PERIOD, 4 * PERIOD] * 200, [0.9 * PERIOD] * 400, t=200.0)  # ring wraps
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before <= 256
    assert mon.stall_count == 400 and mon.stall_rows().shape == (8, 5)


def test_gc_monitor_times_every_pass_with_its_thread() -> None:
    mon = GcMonitor(size=16)
    mon.install()
    try:
        a: list[object] = []
        a.append(a)  # a cycle only the collector frees
        del a
        gc.collect(0)
    finally:
        mon.uninstall()
    rows = mon.rows()
    assert rows.shape[0] >= 1
    last = rows[-1]
    assert last[2] == 0 and last[3] >= 1 and last[1] >= 0
    assert int(last[4]) == threading.get_ident()
    assert mon.summary(threading.get_ident())["gc_on_audio_thread"] == rows.shape[0]


def test_gc_control_freezes_disables_collects_on_its_thread_and_restores() -> None:
    was_enabled, was_frozen = gc.isenabled(), gc.get_freeze_count()
    mon = GcMonitor()
    mon.install()
    ctl, other = GcControl(period_s=0.01), GcControl(period_s=0.01)
    try:
        ctl.start()
        other.start()  # a second engine in the same process
        assert not gc.isenabled() and gc.get_freeze_count() > 0

        class Node:
            pass

        n = Node()
        n.me = n  # type: ignore[attr-defined]
        gone = weakref.ref(n)
        del n
        end = time.monotonic() + 5.0
        while gone() is not None and time.monotonic() < end:
            time.sleep(0.01)
        assert gone() is None  # the collector thread freed the cycle
        rows = mon.rows()
        # the start-up collection ran here (unless an engine was running already), every
        # later pass on the collector thread
        mine = rows[:, 4] == threading.get_ident()
        assert rows.shape[0] > 1 and mine.sum() <= 1 and not mine[1:].any()
        ctl.stop()
        assert not gc.isenabled()  # the other engine still plays
    finally:
        ctl.stop()
        other.stop()
        mon.uninstall()
    assert gc.isenabled() == was_enabled and gc.get_freeze_count() == was_frozen


@pytest.mark.parametrize("control", [True, False])
def test_the_callback_runs_no_collection_while_the_engine_controls_it(control: bool) -> None:
    eng = make_engine(SineRenderer(), gc_control=control)
    old, was_enabled = gc.get_threshold(), gc.isenabled()
    if not control:
        gc.enable()  # automatic collection, as Python starts
    eng.start(audio=False)
    try:
        gc.set_threshold(10)  # a collection every few allocations, if automatic
        out = np.zeros((256, 2), np.float32)

        def audio() -> None:  # stands for the audio thread
            for _ in range(300):
                junk = [[] for _ in range(5)]  # other code making objects meanwhile
                del junk
                eng.process(out)

        thread = threading.Thread(target=audio)
        thread.start()
        thread.join(30)
    finally:
        gc.set_threshold(*old)
        eng.stop()
        if not was_enabled:
            gc.disable()
    s = eng.stats()
    on_audio = eng.meter.gc.summary(eng.meter.timing.audio_ident)["gc_on_audio_thread"]
    if control:
        assert on_audio == 0
    else:
        assert on_audio > 0 and s["gc_on_audio_thread"] == on_audio


def test_stall_is_attributed_to_what_overlapped_it() -> None:
    t = 50.0
    stalls = np.array(
        [
            [t + 0.010, 3 * PERIOD, 0.1 * PERIOD, PERIOD],  # came 2 periods late
            [t + 1.000, 3 * PERIOD, 0.1 * PERIOD, PERIOD],
            [t + 2.000, 3 * PERIOD, 0.1 * PERIOD, PERIOD],
        ]
    )
    due = t + 0.010 - 2 * PERIOD
    gc_rows = np.array([[due, 2 * PERIOD, 2, 10, 7]])  # a full pass on thread 7
    steps = StepTimes("render")
    steps.data[0] = [t + 1.0 - 2 * PERIOD, 2 * PERIOD, PREPARE]
    steps.count = 1
    found = attribute(stalls, gc_rows, [steps], audio_ident=7, t_ref=t)
    by_time = {f["at_s"]: f for f in found}
    first = by_time[0.01]["cause"]
    assert first.startswith("gc gen 2") and "audio thread" in first
    assert by_time[1.0]["cause"].startswith("render:prepare")
    assert by_time[2.0]["cause"] == OTHER
    assert attribute(np.zeros((0, 4)), gc_rows, [steps], 7) == []


def test_engine_reports_headroom_and_worker_steps(head_renderer: SineRenderer) -> None:
    eng = make_engine(head_renderer)
    eng.start(audio=False)
    try:
        for p in (60, 64, 67):
            eng.note_on(p, 100, 0.2)
        assert eng.wait_idle(5.0)
        out = np.zeros((256, 2), np.float32)
        for _ in range(20):
            eng.process(out)
    finally:
        eng.stop()
    s = eng.stats()
    assert s["callback_worst_budget"] > 0  # (no upper bound here: the machine may be busy)
    assert s["callback_worst_ms"] == pytest.approx(
        s["callback_worst_budget"] * PERIOD * 1e3, rel=1e-3, abs=1e-3
    )
    assert 0 <= s["callback_wait_max_ms"] <= s["callback_worst_ms"] + 0.002  # a part of a block
    assert s["worker_step_max_ms"] > 0 and s["worker_step_max"].split(":")[0] in ("render", "whole")
    report = eng.meter.timing_report()
    assert sum(report["histograms"]["load"]) == s["callbacks"]
    assert report["worker_steps"]["render"]["prepare"]["n"] >= 3
    assert report["worker_steps"]["whole"]["prepare"]["n"] >= 3


def test_steal_is_read_from_proc_stat_and_named_as_the_cause(tmp_path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 900 0 0 0 7 0 0\ncpu0 50 0 25 450 0 0 0 3 0 0\n")
    assert read_steal(str(stat)) == pytest.approx(7 * TICK_S)
    assert read_steal(str(tmp_path / "missing")) is None
    sampler = StealSampler(path=str(stat))
    sampler.sample()
    stat.write_text("cpu  100 0 50 900 0 0 0 13 0 0\n")  # 6 ticks stolen meanwhile
    sampler.sample()
    rows = sampler.rows()
    assert rows.shape == (2, 2) and sampler.total_s() == pytest.approx(6 * TICK_S)
    t0, t1 = rows[0, 0], rows[1, 0]
    assert steal_between(rows, t0 + 1e-7, t1 - 1e-7) == pytest.approx(6 * TICK_S)
    assert steal_between(rows, t1 + 1.0, t1 + 2.0) == 0.0
    stall = np.array([[t1, 3 * PERIOD, 0.1 * PERIOD, PERIOD]])
    found = attribute(stall, np.zeros((0, 5)), [], 0, steal=rows)
    assert found[0]["cause"].startswith("host took the CPUs")
    assert attribute(stall, np.zeros((0, 5)), [], 0)[0]["cause"] == OTHER


def test_steal_is_sampled_by_a_child_process_not_a_thread(tmp_path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 900 0 0 0 7 0 0\n")
    sampler = StealSampler(period_s=0.005, path=str(stat))
    threads = threading.active_count()
    sampler.start()
    try:
        assert threading.active_count() == threads  # no thread of ours takes the GIL for it
        end = time.monotonic() + 20.0
        while sampler.rows().shape[0] < 3 and time.monotonic() < end:
            time.sleep(0.05)
        stat.write_text("cpu  100 0 50 900 0 0 0 9 0 0\n")
        while sampler.rows()[-1, 1] < 8 * TICK_S and time.monotonic() < end:
            time.sleep(0.05)
    finally:
        sampler.stop()
    rows = sampler.rows()
    assert rows.shape[0] >= 3 and (np.diff(rows[:, 0]) > 0).all()
    assert rows[0, 1] == pytest.approx(7 * TICK_S) and rows[-1, 1] == pytest.approx(9 * TICK_S)
    assert abs(rows[-1, 0] - time.perf_counter()) < 5.0  # the same clock as this process
    sampler.clear()
    assert sampler.rows().shape[0] == 0
