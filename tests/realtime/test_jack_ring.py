"""The native JACK ring output (realtime/native/jack_ring.c, realtime/engine/ring_output.py)
on the private JACK dummy server: the C callback plays what the Python side wrote ahead,
counts the cycles it found short, and gives the device clock; the engine plays through it."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from engine_fakes import SineRenderer, make_engine, need_jack

from realtime.engine.config import EngineConfig, EngineError
from realtime.engine.ring_output import RingOutput
from realtime.native.jack_ring import JackRing


def _ring(name: str, frames: int = 2048) -> JackRing:
    need_jack()
    return JackRing(name, 2, frames, connect=False)


@pytest.mark.jack
def test_the_callback_plays_what_was_written_and_counts_short_cycles() -> None:
    ring = _ring("wf-ring-test")
    try:
        assert ring.capacity == 2048 and ring.ports == ["wf-ring-test:out_1", "wf-ring-test:out_2"]
        block = ring.blocksize
        time.sleep(0.1)
        assert ring.counters().underflows == 0  # silence before the first write is not short
        written = 0
        for _ in range(60):  # keep it 3 blocks deep for 60 cycles
            while ring.fill() + block <= 3 * block:
                ring.block(block)[:] = 0.25
                ring.commit(block)
                written += block
            assert ring.wait(1.0) == 1
        played = written - ring.fill()
        frame, t = ring.clock()
        assert abs(t - time.perf_counter()) < 0.5  # perf_counter's clock (CLOCK_MONOTONIC)
        assert played - block <= frame <= played
        before = ring.counters()
        time.sleep(0.2)  # stop writing: the ring runs dry, every later cycle is short
        after = ring.counters()
        assert after.cycles - before.cycles >= 10
        assert after.underflows - before.underflows >= after.cycles - before.cycles - 4
        assert after.short_frames > 0 and not after.shutdown
        period_ms = 1e3 * block / ring.sample_rate
        assert 0 < after.worst_ms < period_ms  # it only copies: far inside its deadline
    finally:
        ring.close()


@pytest.mark.jack
def test_engine_plays_through_the_ring_and_reports_it() -> None:
    need_jack()
    eng = make_engine(SineRenderer(head_samples=2205), blocksize=256, output="jack-ring")
    eng.start()
    try:
        ports = subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout.split()
        # "waefader", or "waefader-01" when PortAudio's own JACK client of an earlier test
        # in this process still holds the name (PortAudio keeps it until it terminates)
        name = eng.output.jack_ports[0].split(":")[0] if eng.output else ""
        assert name.startswith("waefader") and f"{name}:out_1" in ports and f"{name}:out_2" in ports
        time.sleep(0.2)
        for i in range(6):
            eng.note_on(60 + i, 100, duration=0.05)
            time.sleep(0.08)
        time.sleep(0.3)
        s = eng.stats()
    finally:
        eng.stop()
    assert s["running"] and s["device"] == f"JACK ({name})" and s["notes_started"] == 6, s
    assert s["jack_ports"] == [f"{name}:out_1", f"{name}:out_2"]
    assert 0 < s["native_callback_worst_ms"] < 256 / 48  # the deadline's callback: C, short
    assert isinstance(s["server_xruns"], int) and s["server_xruns"] >= 0  # reported apart
    block_ms = 256 / 48000 * 1e3
    # a note is mixed into the block that plays ring_blocks (2) periods after the current
    # cycle: its latency is 1-3 periods (+ the render), where PortAudio's is 0-1
    assert block_ms <= s["latency_ms_p50"] <= 3 * block_ms + 8.0, s
    # JACK's own, after the ring: the server's figure (it may still read 0 until the server
    # has recomputed its latencies after the connection)
    assert s["device_latency_ms"] is not None and s["device_latency_ms"] >= 0


def test_a_bad_configuration_says_what_is_wrong() -> None:
    with pytest.raises(EngineError, match="output must be"):
        EngineConfig(output="alsa-ring")
    with pytest.raises(EngineError, match="ring_blocks"):
        EngineConfig(ring_blocks=0)
    out = RingOutput(lambda *a: None, EngineConfig(channels=12, output="jack-ring"))
    with pytest.raises(EngineError, match="at most 8 channels"):
        out.open()


@pytest.mark.jack
def test_a_server_at_another_rate_is_refused_with_the_fix() -> None:
    need_jack()
    out = RingOutput(lambda *a: None, EngineConfig(sample_rate=44100, output="jack-ring"))
    with pytest.raises(EngineError, match="--samplerate 48000"):
        out.open()
    assert out.jack_ports == []


def test_no_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"waefader-nobody-{os.getpid()}")
    out = RingOutput(lambda *a: None, EngineConfig(output="jack-ring"))
    with pytest.raises(EngineError, match="no JACK server answers"):
        out.open()
