"""``waefader play`` as a command: display detection, the headless fallback, user errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from gui.app import build_parser, has_display
from gui.headless import serve_argv
from realtime.cli.serve import parser as serve_parser

REPO = Path(__file__).resolve().parents[2]


def _headless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(REPO)
    return env


def _play(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "waefader_cli", "play", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )


def test_display_detection() -> None:
    assert not has_display({})
    assert not has_display({"DISPLAY": ""})
    assert has_display({"DISPLAY": ":99"})
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"})
    assert has_display({"QT_QPA_PLATFORM": "offscreen"})


def test_headless_play_says_so_and_renders_a_demo(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.wav"
    done = _play(["--model", str(tiny_model_dir), "--demo-out", str(out), "--demo-only"],
                 _headless_env())
    assert done.returncode == 0, done.stderr
    assert "starting the headless server instead" in done.stdout
    audio, rate = sf.read(out)
    assert rate == 48000 and audio.shape[0] > 2 * rate  # a phrase, not one blip
    assert np.abs(audio).max() > 1e-3


def test_the_gui_never_imports_torch() -> None:
    code = (
        "import sys, gui.app, gui.main_window, gui.engine_backend, gui.headless, gui.showcase; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'models')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_headless_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_headless_bad_model_is_one_message(tmp_path: Path) -> None:
    done = _play(["--model", str(tmp_path / "missing"), "--demo-only"], _headless_env())
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_serve_gets_the_same_options() -> None:
    args = build_parser("p").parse_args(
        ["--model", "m", "--osc-port", "9100", "--no-midi", "--blocksize", "128"]
    )
    served = serve_parser("waefader serve").parse_args(serve_argv(args))
    assert (str(served.model), served.osc_port, served.blocksize) == ("m", 9100, 128)
    assert served.no_midi and not served.no_osc and not served.no_audio
    assert served.client_name == "waefader" and served.connect
    args = build_parser("p").parse_args(
        ["--client-name", "strings", "--no-connect", "--reply-port", "9101"]
    )
    served = serve_parser("waefader serve").parse_args(serve_argv(args))
    assert (served.client_name, served.connect, served.reply_port) == ("strings", False, 9101)
    args = build_parser("p").parse_args(["--output", "jack-ring", "--ring-blocks", "3"])
    served = serve_parser("waefader serve").parse_args(serve_argv(args))
    assert (served.output, served.ring_blocks) == ("jack-ring", 3)
