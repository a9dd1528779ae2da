"""The PortAudio output on JACK counts the server's own xruns (realtime/engine/server_xruns.py):
PortAudio reports each as an output underflow, and this count tells a cycle the whole server
missed from one our callback missed. The private JACK server is paused (SIGSTOP) to make it
miss cycles for real."""

from __future__ import annotations

import os
import signal
import time

import pytest
from engine_fakes import make_engine, need_jack

from realtime.engine.server_xruns import ServerXruns


def _pause_server(seconds: float) -> None:
    pid = int(os.environ.get("WAEFADER_JACKD_PID", "0"))
    if pid <= 0:
        pytest.skip("needs scripts/with_jack.sh (it exports the server's pid)")
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(pid, signal.SIGCONT)


@pytest.mark.jack
def test_a_stalled_server_is_counted_beside_the_underflows() -> None:
    need_jack()
    eng = make_engine(blocksize=256)
    eng.start()
    try:
        time.sleep(0.3)
        before = eng.stats()
        assert before["server_xruns"] is not None, eng.output.xruns_error if eng.output else ""
        for _ in range(3):
            _pause_server(0.05)
            time.sleep(0.2)
        after = eng.stats()
    finally:
        eng.stop()
    assert after["server_xruns"] - before["server_xruns"] >= 1, (before, after)
    assert after["running"], after


def test_no_watcher_means_no_count_and_stopping_twice_is_harmless() -> None:
    x = ServerXruns()
    assert x.count is None and x.error is None
    x.stop(server_alive=True)
    x.stop(server_alive=False)
    assert x.count is None


@pytest.mark.jack
def test_a_watcher_counts_on_across_reopened_streams() -> None:
    need_jack()
    x = ServerXruns()
    x.start("wf-xrun-test")
    assert x.count == 0, x.error
    _pause_server(0.05)
    time.sleep(0.3)
    first = x.count
    x.stop(server_alive=True)
    assert first is not None and first >= 1 and x.count == first  # kept after stopping
    x.start("wf-xrun-test")
    _pause_server(0.05)
    time.sleep(0.3)
    assert x.count is not None and x.count > first
    x.stop(server_alive=True)
