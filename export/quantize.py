"""Optional weight compression of exported graphs, with its quality cost measured.

- ``int8``: onnxruntime dynamic quantisation (int8 weights, activations quantised on the
  fly) of the MatMul/Gemm/Conv layers; ConvTranspose (most of the MCNN) stays float32.
- ``fp16-weights``: float32 weights stored as float16 with a Cast back to float32. The
  graph optimiser folds the casts when the session loads, so inference is unchanged
  float32 arithmetic on rounded weights: the files halve, the speed stays.

The cost is the spectral convergence of the compressed model's notes against the float32
graph's notes (:func:`quality_cost`); export refuses a cost above ``MAX_SPECTRAL_CONVERGENCE``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from realtime.dsp.features import FeatureConfig
from realtime.dsp.griffinlim import spectral_convergence

QUANTIZATIONS = ("none", "int8", "fp16-weights")
MAX_SPECTRAL_CONVERGENCE = 0.05  # 5 % of the float32 note's STFT magnitude
MIN_ELEMENTS = 64  # small tensors (biases, scales) stay float32: no size gain, some risk


def quantize_graph(path: Path, kind: str) -> None:
    """Rewrite ``path`` in place with the given compression."""
    tmp = path.with_suffix(".q.onnx")
    if kind == "int8":
        _int8(path, tmp)
    elif kind == "fp16-weights":
        _fp16_weights(path, tmp)
    else:
        raise ValueError(f"unknown quantization {kind!r}; known: {QUANTIZATIONS}")
    onnx.checker.check_model(onnx.load(str(tmp)))
    os.replace(tmp, path)


def _int8(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)


def _fp16_weights(src: Path, dst: Path) -> None:
    model = onnx.load(str(src))
    graph = model.graph
    casts = []
    keep = []
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type != TensorProto.FLOAT or arr.size < MIN_ELEMENTS:
            keep.append(init)
            continue
        half = numpy_helper.from_array(arr.astype(np.float16), init.name + "__fp16")
        keep.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT))
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend([*casts, *nodes])
    onnx.save(model, str(dst))


def quality_cost(
    reference: np.ndarray, estimate: np.ndarray, cfg: FeatureConfig
) -> dict[str, float]:
    """Mean spectral convergence and max |difference| of ``(B, samples)`` note batches."""
    sc = [spectral_convergence(r, e, cfg) for r, e in zip(reference, estimate, strict=True)]
    return {
        "spectral_convergence": float(np.mean(sc)),
        "max_abs": float(np.max(np.abs(reference - estimate))),
    }
