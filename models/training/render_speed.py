"""Render time of decoder + MCNN on one core: how the default sizes were chosen.

    python -m models.training.render_speed [--json] [--mcnn '{"harmonics": 32}' ...]

Exports an untrained decoder + MCNN of the given sizes to ONNX in memory (the shape of the
shipped ``synth.onnx``: z + condition weights -> waveform) and times onnxruntime with one
thread on a whole note and on the first 100 ms (``ceil(0.1 s / hop)`` frames plus the
MCNN's lookahead; the decoder always runs whole). Also times torch with one thread. Times
are medians in milliseconds. The shipped numbers come from ``waefader bench render``
(realtime/); this script compares candidate sizes before training.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from models.config import MCNNConfig, ModelConfig
from models.mcnn import MCNN
from models.wae import WAE, Condition

N_STYLES = 21  # the default corpus: 12 timbres + 9 violin techniques
INPUTS = ("z", "pitch_class", "octave", "style", "dynamics")


class _Synth(nn.Module):
    def __init__(self, wae: WAE, mcnn: MCNN, frames: int | None) -> None:
        super().__init__()
        self.decoder, self.mcnn, self.frames = wae.decoder, mcnn, frames

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        z, pc, octv, style, dyn = args
        feats = self.decoder(z, Condition(pc, octv, style, dyn)).clamp_min(0.0)
        if self.frames is not None:
            feats = feats[:, :, : self.frames]
        out: torch.Tensor = self.mcnn(feats)
        return out


def _example(latent: int) -> tuple[torch.Tensor, ...]:
    pc, octv = torch.zeros(1, 12), torch.zeros(1, 9)
    pc[0, 9], octv[0, 4] = 1.0, 1.0  # A4
    style, dyn = torch.zeros(1, N_STYLES), torch.zeros(1, 3)
    style[0, 0], dyn[0, 1] = 1.0, 1.0
    return (torch.randn(1, latent), pc, octv, style, dyn)


def _median_ms(fn: Callable[[], Any], reps: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(1000.0 * (time.perf_counter() - t))
    return statistics.median(times)


def _ort_ms(module: nn.Module, args: tuple[torch.Tensor, ...], reps: int) -> float:
    import onnxruntime as ort

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/synth.onnx"
        torch.onnx.export(
            module, args, path, input_names=list(INPUTS), dynamo=False, opset_version=17
        )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    feed = {k: v.numpy() for k, v in zip(INPUTS, args, strict=True)}
    return _median_ms(lambda: sess.run(None, feed), reps)


def measure(mcnn_cfg: MCNNConfig, model_cfg: ModelConfig, reps: int = 30) -> dict[str, Any]:
    torch.manual_seed(0)
    wae, mcnn = WAE(model_cfg).eval(), MCNN(mcnn_cfg).eval()
    fc = mcnn_cfg.features
    first = math.ceil(0.1 * fc.sample_rate / fc.hop) + mcnn.lookahead_frames()
    args = _example(model_cfg.latent_dim)
    with torch.inference_mode():
        whole, head = _Synth(wae, mcnn, None), _Synth(wae, mcnn, first)
        out = {
            "mcnn": {k: v for k, v in mcnn_cfg.to_dict().items() if k != "features"},
            "ort_note_ms": _ort_ms(whole, args, reps),
            "ort_first_100ms_ms": _ort_ms(head, args, reps),
            "torch_note_ms": _median_ms(lambda: whole(*args), reps),
            "torch_decoder_ms": _median_ms(
                lambda: wae.decoder(args[0], Condition(*args[1:])), reps
            ),
            "mcnn_params": sum(p.numel() for p in mcnn.parameters()),
            "decoder_params": sum(p.numel() for p in wae.decoder.parameters()),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m models.training.render_speed", description=__doc__)
    p.add_argument("--mcnn", action="append", default=[], help="MCNNConfig fields as JSON")
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    styles = tuple(f"s{i}" for i in range(N_STYLES))
    model_cfg = ModelConfig(n_styles=N_STYLES, style_names=styles)
    variants = [MCNNConfig()] + [MCNNConfig(**json.loads(v)) for v in args.mcnn]
    rows = [measure(v, model_cfg, args.reps) for v in variants]
    load = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps({"threads": 1, "load_average": load, "results": rows}))
    else:
        for r in rows:
            print(
                f"{json.dumps(r['mcnn'])}\n  onnxruntime: note {r['ort_note_ms']:.1f} ms, "
                f"first 100 ms "
                f"{r['ort_first_100ms_ms']:.1f} ms; torch: note {r['torch_note_ms']:.1f} ms "
                f"(decoder {r['torch_decoder_ms']:.1f} ms); params mcnn {r['mcnn_params']}, "
                f"decoder {r['decoder_params']}"
            )
        print(f"(1 thread, load average {load})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
