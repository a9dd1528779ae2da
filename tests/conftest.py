"""Shared test settings: Qt offscreen, deterministic numpy, no GPU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


# --- the tiny exported model (owner: export) -------------------------------------------------


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding an untrained tiny WAE-Fader + MCNN exported to ONNX with a valid
    manifest (styles violin, flute, cello; 22,050 Hz; 32,768-sample notes; synth, synth_head
    and encoder graphs). Built once per session in a child process, so the test process
    itself never imports torch. Treat it as read-only: copy it before altering it."""
    root = tmp_path_factory.mktemp("tiny")
    script = Path(__file__).with_name("tiny_model.py")
    done = subprocess.run(
        [sys.executable, str(script), str(root)],
        cwd=script.parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.fail(f"building the tiny model failed:\n{done.stderr[-3000:]}")
    return root / "tiny_model"
