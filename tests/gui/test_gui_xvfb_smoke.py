"""Smoke test: ``waefader play`` in a real X window (Xvfb) on the private JACK dummy server.

The window opens, plays notes from its keyboard and from OSC, shows on the display (a
screenshot read back from the X server), and quits cleanly on SIGINT (Ctrl+C).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PyQt6.QtGui import QImage
from pythonosc.udp_client import SimpleUDPClient

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _reader(stream, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _wait_for(lines: queue.Queue[str], pattern: str, seen: list[str], timeout: float) -> re.Match:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r} in {timeout} s; output:\n{''.join(seen)}")


@pytest.mark.jack
@pytest.mark.timeout(TIMEOUT_S + 30)
def test_play_opens_a_real_window_plays_and_quits_on_sigint(tiny_model_dir: Path, tmp_path: Path):
    if not os.environ.get("JACK_DEFAULT_SERVER"):
        pytest.skip("needs the private JACK dummy server (run through `make pytest`)")
    assert shutil.which("xvfb-run"), "xvfb-run is a system requirement (package xvfb)"
    port = _free_udp_port()
    shot = tmp_path / "window.png"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["PYTHONPATH"] = str(REPO)
    cmd = [
        "xvfb-run", "-a", "-s", "-screen 0 1600x1100x24",
        sys.executable, "-m", "waefader_cli", "play", "--model", str(tiny_model_dir),
        "--osc-port", str(port), "--no-midi", "--play-demo", "--screenshot", str(shot),
    ]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        opened = _wait_for(lines, r"window open \(pid (\d+)\); audio (.+?) @", seen, TIMEOUT_S)
        app_pid = int(opened.group(1))
        _wait_for(lines, r"screenshot: ", seen, 20)  # the keyboard played its four notes
        SimpleUDPClient("127.0.0.1", port).send_message("/waefader/note_on", [50, 100, 0.5])
        time.sleep(1.0)
        os.kill(app_pid, signal.SIGINT)  # what Ctrl+C does
        stopped = _wait_for(lines, r"stopped; notes_started (\d+)", seen, 15)
        assert proc.wait(timeout=15) == 0, "".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = "".join(seen)
    assert int(stopped.group(1)) >= 5, output  # 4 from the keyboard + 1 from OSC
    assert "Traceback" not in output
    image = QImage(str(shot))
    assert image.width() >= 800 and image.height() >= 500, output
