"""`waefader latency`, `waefader bench poly` and `waefader serve` with the tiny exported model,
on the private JACK dummy server (48 kHz, 256 frames)."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from engine_fakes import need_jack
from pythonosc import osc_message

from realtime.cli import bench_poly, latency
from realtime.engine.latency_check import block_slots, detect_onsets, match
from realtime.osc.dispatcher import build

ROOT = Path(__file__).resolve().parents[2]


def test_onset_detection_and_matching() -> None:
    x = np.zeros(1000)
    x[100:150] = 0.5
    x[160:170] = 0.5  # too close to the previous one: same note
    x[600:700] = -0.3
    onsets = detect_onsets(x, 0.01, 30)
    assert onsets.tolist() == [100, 600]
    delays = match(np.array([90.0, 590.0, 800.0]), onsets.astype(float), 50)
    assert delays[:2].tolist() == [10.0, 10.0] and np.isnan(delays[2])


def test_block_slots_drop_wake_up_delays_and_keep_skips() -> None:
    sr, block = 48000, 256
    rng = np.random.default_rng(0)
    frames = np.arange(200) * block
    slots = 10.0 + frames / sr
    slots[120:] += 0.03  # the server skipped 30 ms of cycles before block 120
    late = rng.uniform(0.0, 0.0035, 200)  # each callback wakes 0-3.5 ms after its slot
    late[::9] = 0.0  # some on time
    got = block_slots(np.stack([frames, slots + late], axis=1), sr)
    # the two blocks after the skip still look late; the third re-anchors the clock, late
    # by the least wake-up delay of the three, until the next on-time callback (block 126)
    keep = np.ones(200, bool)
    keep[120:126] = False
    assert np.abs(got - slots)[keep].max() < 1e-9, np.abs(got - slots)[keep].max()
    assert np.allclose(got[120:122], slots[120:122] - 0.03)
    assert np.all((got[122:126] >= slots[122:126]) & (got[122:126] < slots[122:126] + 0.0035))
    assert np.all(got <= slots + late + 1e-12)


def test_offline_latency_is_the_block_quantisation(tiny_model_dir: Path, capsys) -> None:
    code = latency.main(
        [
            "--model",
            str(tiny_model_dir),
            "--notes",
            "40",
            "--offline-only",
            "--samplerate",
            "48000",
            "--json",
        ],
        "waefader latency",
    )
    assert code == 0
    r = json.loads(capsys.readouterr().out)
    block_ms = 256 / 48000 * 1000
    assert r["offline_detected"] == 40
    assert (
        0 < r["offline_latency_ms_p50"] < block_ms
        and r["offline_latency_ms_p99"] <= block_ms + 0.05
    )
    assert r["fx_added_ms"] is not None and abs(r["fx_added_ms"]) < 1.0
    assert r["latency_ms_p50"] is None  # no live figure without the live run


@pytest.mark.jack
def test_live_latency_meets_the_targets(tiny_model_dir: Path, capsys) -> None:
    need_jack()
    # 100 notes, so that p99 is not the single worst note (a server cycle that comes late
    # on a loaded machine)
    code = latency.main(
        ["--model", str(tiny_model_dir), "--notes", "100", "--json"], "waefader latency"
    )
    assert code == 0
    r = json.loads(capsys.readouterr().out)
    for key in (
        "blocksize",
        "samplerate",
        "latency_ms_p50",
        "latency_ms_p99",
        "device_latency_ms",
        "reported_latency_ms",
        "underflows",
        "fx_added_ms",
    ):
        assert key in r, key
    assert r["blocksize"] == 256 and r["samplerate"] == 48000
    # every note was captured, but for cycles the server dropped for the recorder when the
    # machine is busy (each one loses that block of the capture)
    assert r["detected"] >= 90, r
    # p50 is the engine's own latency; p99 also holds the machine's load at that moment, so
    # the p99 <= 15 ms target is a benchmark figure (docs/REALTIME.md), not a test
    assert 0 < r["latency_ms_p50"] <= 10.0 and r["latency_ms_p99"] >= r["latency_ms_p50"], r
    # the engine's own report agrees with the capture (which errs late by its wake-up)
    assert -0.5 < r["capture_minus_engine_ms_p50"] < 1.0, r
    assert r["device_latency_ms"] > 0


@pytest.mark.jack
def test_bench_poly_short_run(tiny_model_dir: Path, capsys) -> None:
    need_jack()
    code = bench_poly.main(
        [
            "--model",
            str(tiny_model_dir),
            "--duration",
            "4",
            "--probe",
            "2",
            "--rates",
            "8,32",
            "--json",
            "--quiet",
        ],
        "waefader bench poly",
    )
    assert code == 0
    r = json.loads(capsys.readouterr().out)
    assert {"blocksize", "duration_s", "max_note_rate", "underflows"} <= set(r)
    assert r["blocksize"] == 256 and r["duration_s"] == 4.0
    probes = [x for x in r["runs"] if not x.get("confirm")]
    assert [x["rate"] for x in probes][:1] == [8.0]
    for run in r["runs"]:  # the worker kept up at both rates; underflows decide the verdict
        assert run["notes_started"] == run["notes"] and run["latency_ms_p50"] < 20, run
        assert run["ok"] == (run["underflows"] == 0 and run["starved"] == 0)
        # headroom: every block timed, the worst one named, stalls listed with a cause
        hist = run["timing"]["histograms"]
        assert sum(hist["load"]) > 0 and len(hist["load"]) == len(hist["gap"])
        assert run["callback_worst_budget"] > 0 and run["callback_worst_ms"] > 0
        assert run["headroom_ok"] == (run["callback_worst_budget"] <= 0.5)
        assert run["gc_on_audio_thread"] == 0  # the collector never runs in the callback
        assert run["worker_step_max_ms"] > 0 and run["timing"]["worker_steps"]["render"]
        assert all(s["cause"] for s in run["timing"]["stalls"])
        assert len(run["timing"]["stalls"]) == min(run["stalls"], 10)
    if r["max_note_rate"] > 0:  # a confirmed rate has zero underflows over the duration
        assert r["underflows"] == 0 and r["confirm_run"]["seconds"] >= 3.9
    # the JACK dummy server itself may xrun on a loaded machine (see docs/REALTIME.md), so
    # the verdict is not asserted here; `waefader bench poly` reports it


def _recv_all(sock: socket.socket) -> dict[str, list[object]]:
    out = {}
    try:
        while True:
            m = osc_message.OscMessage(sock.recv(65536))
            out[m.address] = list(m.params)
    except TimeoutError:
        return out


@pytest.mark.jack
def test_serve_keeps_playing_and_answering_under_garbage(tiny_model_dir: Path) -> None:
    need_jack()
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, waefader_cli; sys.exit(waefader_cli.main())",
            "serve",
            "--model",
            str(tiny_model_dir),
            "--osc-port",
            str(port),
            "--no-midi",
            "--duration",
            "30",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(4)]
        assert any(f":{port}" in line for line in banner), banner
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.bind(("127.0.0.1", 0))
        c.settimeout(0.3)
        target = ("127.0.0.1", port)
        rng = random.Random(1)
        bad = 0
        answers = []
        for i in range(400):
            c.sendto(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 60))), target)
            c.sendto(build("/waefader/note_on", 200, 100), target)  # out of range
            bad += 2
            if i % 10 == 0:
                c.sendto(build("/waefader/note_on", rng.randint(50, 80), 100, 0.1), target)
            if i % 100 == 99:
                c.sendto(build("/waefader/status"), target)
                answers.append(_recv_all(c))
            time.sleep(0.002)
        time.sleep(0.5)
        c.sendto(build("/waefader/status"), target)
        final = _recv_all(c)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert all("/waefader/status" in a for a in answers) and len(answers) == 4
    status = json.loads(final["/waefader/status"][0])
    # random bytes are occasionally valid OSC (an unknown address): still counted as bad
    assert status["osc"]["bad_packets"] == bad, status["osc"]
    assert final["/waefader/status/bad_packets"] == [bad]
    assert status["notes_started"] == 40 and status["callback_errors"] == 0
    assert status["running"] and status["callbacks"] > 100
    assert proc.returncode == 0, err
