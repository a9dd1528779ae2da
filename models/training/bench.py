"""``waefader bench train``: training throughput of the default wae-fader and MCNN.

Runs real training steps of the default model sizes on synthetic batches (throughput does
not depend on the data) and prints, with ``--json``, one object: ``model``,
``examples_per_s``, ``threads`` (DESIGN.md section 10) for the first model, plus
``results`` with one such object per model measured. An example is one note for the WAE and
one ``crop_frames`` crop for the MCNN; ``estimated_minutes`` is the default recipe's length
at the measured speed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

import torch

from models.config import MCNNConfig, MCNNTrainConfig, ModelConfig, TrainConfig
from models.progress import stage
from models.training.data import NoteSet
from models.training.distributed import DistInfo
from models.training.mcnn_task import MCNNTask
from models.training.wae_task import WAETask
from realtime.dsp.features import FeatureConfig

N_STYLES = 12  # the default corpus's timbre set


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Measure training throughput (examples/s).")
    p.add_argument(
        "--model",
        choices=("all", "wae-fader", "mcnn"),
        default="all",
        help="the model(s) to time (default all)",
    )
    p.add_argument("--threads", type=int, help="torch threads (default: all cores)")
    p.add_argument(
        "--seconds", type=float, default=10.0, help="time spent measuring each model (default 10)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")
    return p


def main(argv: list[str] | None = None, prog: str = "waefader bench train") -> int:
    args = build_parser(prog).parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    names = ["wae-fader", "mcnn"] if args.model == "all" else [args.model]
    results = []
    for i, name in enumerate(names, 1):
        stage(prog, f"{i}/{len(names)} timing {name} for {args.seconds:g} s", not args.no_progress)
        results.append(measure(name, args.seconds))
    if args.json:
        print(json.dumps({**results[0], "results": results}))
    else:
        for r in results:
            print(
                f"{r['model']:<10} {r['examples_per_s']:8.1f} examples/s  "
                f"step {r['step_ms_p50']:.1f} ms "
                f"(batch {r['batch_size']}, {r['threads']} thread(s)); default recipe "
                f"{r['default_steps']} steps ~ {r['estimated_minutes']:.1f} min"
            )
    return 0


def synthetic_set(n: int, fc: FeatureConfig, audio: bool) -> NoteSet:
    g = torch.Generator().manual_seed(0)
    feats = torch.rand(n, fc.n_mels, fc.n_frames, generator=g)
    wav = 0.1 * torch.randn(n, fc.note_samples, generator=g) if audio else None
    labels = {
        "pitch_class": torch.randint(0, 12, (n,), generator=g),
        "octave": torch.randint(2, 7, (n,), generator=g),
        "style": torch.randint(0, N_STYLES, (n,), generator=g),
        "dynamics": torch.randint(0, 3, (n,), generator=g),
    }
    return NoteSet(feats, wav, labels, N_STYLES)


def make_task(name: str) -> tuple[Any, int, int]:
    """A task with the default sizes, its batch size and its default step count."""
    info = DistInfo(0, 1, torch.device("cpu"))
    fc = FeatureConfig()
    if name == "wae-fader":
        styles = tuple(f"s{i}" for i in range(N_STYLES))
        tcfg = TrainConfig()
        mcfg = ModelConfig(variant="wae-fader", n_styles=N_STYLES, style_names=styles, features=fc)
        data = synthetic_set(4 * tcfg.batch_size, fc, audio=False)
        return WAETask(mcfg, tcfg, data, None, info), tcfg.batch_size, tcfg.steps
    mt = MCNNTrainConfig()
    data = synthetic_set(4 * mt.batch_size, fc, audio=True)
    return MCNNTask(MCNNConfig(features=fc), mt, data, None, info), mt.batch_size, mt.steps


def measure(name: str, seconds: float) -> dict[str, Any]:
    task, batch, default_steps = make_task(name)
    for step in range(2):  # warm-up: allocator, oneDNN kernels
        task.train_step(step)
    times: list[float] = []
    start = time.perf_counter()
    step = 2
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        task.train_step(step)
        times.append(time.perf_counter() - t)
        step += 1
    per_step = statistics.median(times)
    return {
        "model": name,
        "examples_per_s": batch / per_step,
        "threads": torch.get_num_threads(),
        "batch_size": batch,
        "step_ms_p50": 1000 * per_step,
        "default_steps": default_steps,
        "estimated_minutes": default_steps * per_step / 60,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="waefader bench train"))
