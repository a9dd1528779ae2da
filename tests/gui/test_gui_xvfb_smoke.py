"""Smoke test: ``waefader play`` in a real X window (Xvfb) on the private JACK dummy server.

The window opens, plays notes from its keyboard and from OSC, shows on the display (a
screenshot read back from the X server), and quits cleanly on SIGINT (Ctrl+C). Without
any audio device (no JACK server, no sound card) the window opens all the same and says so.
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

import numpy as np
import pytest
import soundfile as sf
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


def _window_env(drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", *drop)}
    env["PYTHONPATH"] = str(REPO)
    return env


def _start_play(
    model: Path, env: dict[str, str], *args: str
) -> tuple[subprocess.Popen, queue.Queue]:
    assert shutil.which("xvfb-run"), "xvfb-run is a system requirement (package xvfb)"
    cmd = [
        "xvfb-run", "-a", "-s", "-screen 0 1600x1100x24",
        sys.executable, "-m", "waefader_cli", "play", "--model", str(model), "--no-midi", *args,
    ]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    return proc, lines


@pytest.mark.jack
@pytest.mark.timeout(TIMEOUT_S + 30)
def test_play_opens_a_real_window_plays_and_quits_on_sigint(tiny_model_dir: Path, tmp_path: Path):
    if not os.environ.get("JACK_DEFAULT_SERVER"):
        pytest.skip("needs the private JACK dummy server (run through `make pytest`)")
    port = _free_udp_port()
    shot = tmp_path / "window.png"
    sample = tmp_path / "a3.wav"  # loaded into the sample panel (transform mode)
    t = np.arange(22050) / 22050
    sf.write(sample, (0.2 * np.sin(2 * np.pi * 220 * t) * np.exp(-2 * t)).astype(np.float32),
             22050)  # fmt: skip
    proc, lines = _start_play(tiny_model_dir, _window_env(), "--osc-port", str(port),
                              "--play-demo", "--screenshot", str(shot), "--sample", str(sample))
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
    assert re.search(r"sample .*a3\.wav: A3 ", output), output
    assert "Traceback" not in output
    image = QImage(str(shot))
    assert image.width() >= 800 and image.height() >= 500, output


@pytest.mark.timeout(TIMEOUT_S + 30)
def test_no_audio_device_at_all_still_opens_the_window_and_closes(tiny_model_dir: Path):
    # No JACK server to find (and none auto-started): on a machine without a sound card,
    # PortAudio then has no output device at all.
    env = _window_env(drop=("JACK_DEFAULT_SERVER",))
    env["JACK_NO_START_SERVER"] = "1"
    probe = subprocess.run(
        [sys.executable, "-c", "import sounddevice as sd; "
         "print(sum(d['max_output_channels'] > 0 for d in sd.query_devices()))"],
        env=env, capture_output=True, text=True, timeout=30,
    )
    if probe.stdout.strip() != "0":
        pytest.skip("this machine has an audio output device: nothing to show without one")
    # Closing the window (here by --quit-after, as the close button does) quits cleanly.
    proc, lines = _start_play(tiny_model_dir, env, "--osc-port", "0", "--quit-after", "3")
    seen: list[str] = []
    try:
        _wait_for(lines, r"window open \(pid (\d+)\); no audio", seen, TIMEOUT_S)
        _wait_for(lines, r"stopped; ", seen, 20)
        assert proc.wait(timeout=15) == 0, "".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = "".join(seen)
    assert "no audio output: no audio output device" in output
    assert "Traceback" not in output


@pytest.mark.timeout(TIMEOUT_S + 30)
def test_the_window_fits_a_laptop_screen(tiny_model_dir: Path, tmp_path: Path):
    """On a 1366x768 screen the window takes at most the screen (it asks for 1500x980)."""
    shot = tmp_path / "laptop.png"
    cmd = [
        "xvfb-run", "-a", "-s", "-screen 0 1366x768x24", sys.executable, "-m", "waefader_cli",
        "play", "--model", str(tiny_model_dir), "--no-midi", "--no-audio", "--osc-port", "0",
        "--screenshot", str(shot), "--quit-after", "4",
    ]
    done = subprocess.run(cmd, cwd=REPO, env=_window_env(), capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    image = QImage(str(shot))
    assert 1000 <= image.width() <= 1366 and 600 <= image.height() <= 768, image.size()
