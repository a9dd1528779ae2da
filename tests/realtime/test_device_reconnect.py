"""Issue 16, device loss: a real private JACK server stopped under a running engine and
started again. The loss is one line, notes during the outage are dropped and counted (not
queued), and the engine reconnects by itself, within 15 s of the server's return."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

CHILD = """
import json, sys, time
sys.path.insert(0, {here!r})
from engine_fakes import SineRenderer, make_engine
eng = make_engine(SineRenderer(), output={output!r})
eng.audio_listener = lambda line: print("EVENT", round(time.monotonic(), 3), line, flush=True)
eng.start()
def stats():
    rss = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")][0]
    return json.dumps({{**eng.stats(), "rss_mb": rss / 1024}})
print("STATS", stats(), flush=True)
for line in sys.stdin:  # the parent says what to do
    cmd = line.strip()
    if cmd == "notes":
        for i in range(1000):
            eng.note_on(40 + i % 40, 100, duration=0.05)
    elif cmd == "one":
        eng.note_on(60, 100, duration=0.05)
        time.sleep(1.0)
    elif cmd == "quit":
        break
    print("STATS", stats(), flush=True)
eng.stop()
print("stopped", flush=True)
"""


class Jack:
    """A private dummy JACK server that can be stopped and started again by name."""

    def __init__(self, name: str) -> None:
        self.env = {**os.environ, "JACK_DEFAULT_SERVER": name, "JACK_NO_AUDIO_RESERVATION": "1"}
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start it; returns when it was launched (monotonic)."""
        launched = time.monotonic()
        self.proc = subprocess.Popen(
            ["jackd", "-n", self.name, "-r", "-d", "dummy", "-r", "48000", "-p", "256"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        subprocess.run(["jack_wait", "-w", "-t", "10"], env=self.env, check=True,
                       capture_output=True)  # fmt: skip
        return launched

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: it unregisters itself (SIGKILL leaks a slot)
            self.proc.wait(10)


class Lines:
    """The child's stdout, read on a thread so every wait has a timeout."""

    def __init__(self, child: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        assert child.stdout is not None
        stream = child.stdout
        threading.Thread(target=lambda: [self.queue.put(x) for x in stream], daemon=True).start()

    def until(self, prefix: str, timeout: float) -> list[str]:
        """Lines up to and including the first starting with ``prefix``."""
        end, lines = time.monotonic() + timeout, []
        while time.monotonic() < end:
            try:
                line = self.queue.get(timeout=max(0.01, end - time.monotonic())).strip()
            except queue.Empty:
                break
            lines.append(line)
            if line.startswith(prefix):
                return lines
        raise AssertionError(f"no {prefix!r} within {timeout} s: {lines}")


@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd is a system dependency")
@pytest.mark.parametrize("output", ["portaudio", "jack-ring"])
def test_a_restarted_jack_server_is_reconnected(output: str) -> None:
    jack = Jack(f"waefader-reconnect-{os.getpid()}")
    jack.start()
    code = CHILD.format(here=str(HERE), output=output)
    child = subprocess.Popen(
        [sys.executable, "-c", code], env=jack.env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert child.stdin is not None
    out = Lines(child)
    try:
        first = json.loads(out.until("STATS", 60)[-1][6:])
        assert first["running"], first
        jack.stop()
        lost = out.until("EVENT", 15)[-1]
        assert "audio device lost" in lost
        child.stdin.write("notes\n")
        child.stdin.flush()
        during = json.loads(out.until("STATS", 30)[-1][6:])
        assert not during["running"] and during["dropped"]["device_lost"] == 1000
        assert during["inbox"] <= 1 and during["render_queue"] == 0  # nothing queued
        assert during["rss_mb"] - first["rss_mb"] < 100, (first["rss_mb"], during["rss_mb"])
        restarted = jack.start()
        back = out.until("EVENT", 30)[-1]
        back_s = float(back.split()[1]) - restarted
        assert "audio device back" in back and back_s < 15.0, (back, back_s)
        print(
            f"reconnected {back_s:.1f} s after the server's return; RSS "
            f"{first['rss_mb']:.1f} -> {during['rss_mb']:.1f} MB over 1000 notes while lost"
        )
        child.stdin.write("one\n")
        child.stdin.flush()
        after = json.loads(out.until("STATS", 30)[-1][6:])
        assert after["running"] and after["device_losses"] == 1
        assert after["notes_started"] == first["notes_started"] + 1, after
        assert any("lost" in e for e in after["audio_events"])
        # the JACK client name and port names (issue 17) are applied again after a reconnect
        ports = first["jack_ports"]
        assert ports and all(p.startswith("waefader:out_") for p in ports), first
        assert after["jack_ports"] == ports and after["jack_error"] is None, after
        child.stdin.write("quit\n")
        child.stdin.flush()
        assert out.until("stopped", 30)[-1] == "stopped"
        assert child.wait(30) == 0
    finally:
        if child.poll() is None:
            child.kill()
        jack.stop()
