"""The real output stream on the private JACK dummy server (no sound card needed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from engine_fakes import SineRenderer, make_engine, need_jack

from realtime.engine import EngineError
from realtime.engine.stream import output_devices, resolve_device

HERE = Path(__file__).resolve().parent


@pytest.mark.jack
def test_live_stream_plays_notes_and_reports_itself() -> None:
    need_jack()
    eng = make_engine(SineRenderer(head_samples=2205), blocksize=256)
    eng.start()
    try:
        time.sleep(0.2)
        for i in range(20):
            eng.note_on(50 + i, 100, duration=0.05)
            time.sleep(0.02)
        time.sleep(0.3)
        s = eng.stats()
    finally:
        eng.stop()
    assert s["running"] and s["device"] and s["audio_error"] is None
    assert s["blocksize"] == 256 and s["samplerate"] == 48000
    assert s["device_latency_ms"] > 0
    assert s["callbacks"] > 80 and s["callback_errors"] == 0
    assert s["latency_n"] == 20 and s["notes_started"] == 20
    assert 0 < s["latency_ms_p50"] < 50  # the real figure: `waefader latency`
    assert s["callback_load_mean"] < 0.5


@pytest.mark.jack
def test_device_choice_by_name_index_and_default() -> None:
    need_jack()
    devices = output_devices()
    assert devices
    assert resolve_device(None).index in [d.index for d in devices]
    assert resolve_device(devices[0].index) == devices[0]
    assert resolve_device(devices[0].name.upper()[:4]) == devices[0]
    with pytest.raises(EngineError, match="no output device matches"):
        resolve_device("no such device")
    with pytest.raises(EngineError, match="index 999"):
        resolve_device(999)


CHILD = """
import json, sys, time
sys.path.insert(0, {here!r})
from engine_fakes import SineRenderer, make_engine
eng = make_engine(SineRenderer())
eng.start()
print(json.dumps(eng.stats()), flush=True)
for _ in range(60):
    time.sleep(0.1)
    eng.note_on(60, 100, duration=0.05)
    print(json.dumps(eng.stats()), flush=True)
eng.stop()
print("stopped", flush=True)
"""


@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd is a system dependency")
def test_a_vanished_audio_server_is_reported_not_fatal(tmp_path: Path) -> None:
    """Our own private server, killed under a running engine: the engine reports the loss
    and keeps taking notes, and the process exits cleanly."""
    name = f"waefader-vanish-{os.getpid()}"
    env = {**os.environ, "JACK_DEFAULT_SERVER": name, "JACK_NO_AUDIO_RESERVATION": "1"}
    jack = subprocess.Popen(
        ["jackd", "-n", name, "-r", "-d", "dummy", "-r", "48000", "-p", "256"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        subprocess.run(["jack_wait", "-w", "-t", "10"], env=env, check=True, capture_output=True)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(here=str(HERE))],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdout is not None
        first = json.loads(child.stdout.readline())
        assert first["running"]
        time.sleep(1.0)
        jack.terminate()  # SIGTERM: the server goes away but unregisters itself (JACK
        jack.wait()  # keeps at most 8 servers in its registry; SIGKILL would leak a slot)
        out, _ = child.communicate(timeout=30)
    finally:
        if jack.poll() is None:
            jack.terminate()
            jack.wait(10)
    lines = out.strip().splitlines()
    assert lines[-1] == "stopped" and child.returncode == 0
    last = json.loads(lines[-2])
    assert not last["running"] and last["device_losses"] == 1
    assert "audio device lost" in last["audio_error"]
    assert last["render_errors"] == 0 and last["notes_rendered"] >= 1


@pytest.mark.jack
@pytest.mark.parametrize("output", ["portaudio", "jack-ring"])
def test_fixed_latency_mode_has_no_jitter(output: str) -> None:
    """Every live note sounds the same constant time after it arrives (on the ring output:
    the blocks are mixed ahead, knowing from the native callback's clock when they play)."""
    need_jack()
    latency = 15.0 if output == "portaudio" else 25.0  # the ring's 2 blocks come first
    eng = make_engine(
        SineRenderer(head_samples=2205), blocksize=256, fixed_latency_ms=latency, output=output
    )
    eng.start()
    try:
        time.sleep(0.3)
        for i in range(25):
            eng.note_on(50 + i, 100, duration=0.03)
            time.sleep(0.023 + 0.011 * (i % 3))  # arrivals fall anywhere in the block
        time.sleep(0.3)
        s = eng.stats()
        lat = eng.meter.latency_ms.values()
    finally:
        eng.stop()
    assert s["latency_n"] == 25 and s["late_notes"] == 0
    assert abs(s["latency_ms_p50"] - latency) < 1.0, s
    # without fixed latency the spread is a whole block (5.3 ms: about 40% of notes within
    # 1 ms of any value); here every note sits on its frame of the device's schedule (a
    # server cycle that comes late on a loaded machine may still move one)
    assert np.mean(np.abs(lat - latency) < 1.0) >= 0.8, lat
    assert s["reported_latency_ms"] == latency
