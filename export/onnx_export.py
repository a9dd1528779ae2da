"""torch module -> one self-contained ONNX file with a dynamic batch axis.

The TorchScript-based exporter is used (``dynamo=False``): these graphs are plain
convolutions and arithmetic, it writes one file with the weights inside, and it names
inputs and outputs exactly as asked. The graph is checked with ``onnx.checker`` before it
is kept.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import onnx
import torch
from torch import nn

from realtime.manifest import BATCH

OPSET = 17


def export_graph(
    module: nn.Module,
    example: tuple[torch.Tensor, ...],
    path: Path,
    input_names: list[str],
    output_names: list[str],
) -> Path:
    """Trace ``module`` on ``example`` and write ``path`` (atomically) with axis 0 dynamic."""
    module.eval()
    axes = {name: {0: BATCH} for name in (*input_names, *output_names)}
    tmp = path.with_suffix(".onnx.tmp")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about deprecations
        torch.onnx.export(
            module,
            example,
            str(tmp),
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    model = onnx.load(str(tmp))
    onnx.checker.check_model(model)
    os.replace(tmp, path)
    return path
