"""kill -9 in the middle of a training, --resume: the next losses equal the uninterrupted run's."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
from synth_corpus import make_corpus

from models.training import cli_mcnn, cli_train

ROOT = Path(__file__).resolve().parents[2]


def rows(run: Path) -> dict[int, dict[str, str]]:
    with open(run / "metrics.csv", newline="") as f:
        table = list(csv.DictReader(f))
    steps = [int(r["step"]) for r in table]
    assert steps == sorted(set(steps)), "metrics rows repeated or out of order"
    return {int(r["step"]): r for r in table}


def start_and_kill(args: list[str], run: Path) -> int:
    """Start a training subprocess, SIGKILL it once a checkpoint exists; returns its step."""
    cmd = [sys.executable, "-m", "models.training.cli_train", *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (run / "checkpoint.pt").exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "no checkpoint within 120 s"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    return int(torch.load(run / "checkpoint.pt", weights_only=False)["step"])


def test_resume_after_kill_gives_the_same_next_losses(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    common = [
        "--model",
        "wae-fader",
        "--data",
        str(corpus),
        "--tiny",
        "--steps",
        "3000",
        "--checkpoint-every",
        "4",
        "--threads",
        "1",
        "--no-progress",
    ]
    killed, ref = tmp_path / "killed", tmp_path / "ref"
    ckpt_step = start_and_kill([*common, "--out", str(killed)], killed)
    assert ckpt_step >= 4 and ckpt_step % 4 == 0
    until = ckpt_step + 6
    assert cli_train.main([*common, "--out", str(killed), "--resume", "--until", str(until)]) == 0
    assert cli_train.main([*common, "--out", str(ref), "--until", str(until)]) == 0
    a, b = rows(killed), rows(ref)
    assert list(a) == list(b) == list(range(1, until + 1))  # rows past the checkpoint were dropped
    for step in range(1, until + 1):
        for term in ("loss", "recon", "mmd", "disc", "adv", "alpha"):
            assert float(a[step][term]) == float(b[step][term]), (step, term)


def test_mcnn_resume_continues_exactly(tmp_path: Path) -> None:
    """--until splits a run in two; the second half equals the same steps of a whole run."""
    corpus = make_corpus(tmp_path / "corpus", n=30)
    common = [
        "--data",
        str(corpus),
        "--tiny",
        "--steps",
        "12",
        "--checkpoint-every",
        "5",
        "--threads",
        "1",
        "--no-progress",
    ]
    split, whole = tmp_path / "split", tmp_path / "whole"
    assert cli_mcnn.main([*common, "--out", str(split), "--until", "5"]) == 0
    assert cli_mcnn.main([*common, "--out", str(split), "--resume"]) == 0
    assert cli_mcnn.main([*common, "--out", str(whole)]) == 0
    a, b = rows(split), rows(whole)
    assert list(a) == list(b) == list(range(1, 13))
    assert all(float(a[s]["loss"]) == float(b[s]["loss"]) for s in a)
