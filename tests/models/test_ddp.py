"""Data-parallel training: a tiny model for a few steps on 2 CPU processes through torchrun."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import torch
from synth_corpus import make_corpus

from models.training.runs import load_wae

ROOT = Path(__file__).resolve().parents[2]


def test_torchrun_two_cpu_processes_train_a_tiny_model(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    run = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "models.training.cli_train",
        "--model",
        "wae-fader",
        "--data",
        str(corpus),
        "--out",
        str(run),
        "--tiny",
        "--steps",
        "6",
        "--checkpoint-every",
        "3",
        "--threads",
        "1",
        "--no-progress",
        "--device",
        "cpu",
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("step 6/6") == 1  # only rank 0 reports
    config = json.loads((run / "config.json").read_text())
    assert config["world_size"] == 2
    with open(run / "metrics.csv", newline="") as f:
        steps = [int(r["step"]) for r in csv.DictReader(f)]
    assert steps == list(range(1, 7))  # one writer: no duplicated rows
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    assert state["step"] == 6
    model, _ = load_wae(run)
    assert all(torch.isfinite(p).all() for p in model.parameters())
