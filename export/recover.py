"""Read a model folder's weights back into torch modules: the exported graphs are the source.

Why: a shipped model folder holds ONNX graphs and a manifest, not training checkpoints.
Reading the weights back lets a fix in the graph code (e.g. the pitch-guided harmonic
source) reach the shipped model without retraining, and lets training start from it.

The export names every initializer after its torch parameter (``decoder.blocks.0.up.weight``;
fp16 compression appends ``__fp16``). Two kinds of tensors lose their names on the way:
- scalars that the tracer folded into ``Mul`` constants: the MCNN's ``head_scale``, one per
  head, in the order the heads are summed;
- the encoder's Conv1d + BatchNorm pairs, which onnxruntime-friendly export folds into one
  convolution with a bias (``onnx::Conv_*``): they come back as that convolution with an
  identity BatchNorm carrying the bias, which computes the same function in eval mode.
Every recovered synth is checked against the folder's own graph (:func:`check_recovered`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from models.config import MCNNConfig, ModelConfig
from models.hpn import HarmonicNoiseVocoder, HpnConfig
from models.mcnn import MCNN
from models.wae.decoder import Decoder
from models.wae.encoder import Encoder
from realtime.dsp.features import FeatureConfig
from realtime.manifest import MANIFEST_NAME

FP16_SUFFIX = "__fp16"


class RecoverError(Exception):
    """The folder's graphs do not map onto the modules its manifest describes."""


@dataclass
class RecoveredModel:
    decoder: Decoder
    mcnn: MCNN | HarmonicNoiseVocoder  # the vocoder (hpn: rebuilt from its config)
    encoder: Encoder | None
    manifest: dict[str, Any]


def initializers(path: Path) -> tuple[dict[str, np.ndarray], list[str]]:
    """Named float32 arrays of a graph (fp16 suffix dropped) and the unnamed ones, in order."""
    model = onnx.load(str(path))
    named: dict[str, np.ndarray] = {}
    unnamed: list[str] = []
    for init in model.graph.initializer:
        name = init.name.removesuffix(FP16_SUFFIX)
        named[name] = numpy_helper.to_array(init).astype(np.float32)
        if name.startswith("onnx::"):
            unnamed.append(name)
    return named, unnamed


def _load(module: torch.nn.Module, prefix: str, arrays: dict[str, np.ndarray]) -> list[str]:
    """Copy ``prefix + key`` arrays into ``module``'s state; returns the keys not found."""
    state = module.state_dict()
    missing = []
    for key, value in state.items():
        arr = arrays.get(prefix + key)
        if arr is None:
            missing.append(key)
            continue
        if tuple(arr.shape) != tuple(value.shape):
            raise RecoverError(
                f"{prefix}{key}: graph shape {arr.shape}, module {tuple(value.shape)}"
            )
        state[key] = torch.from_numpy(arr.copy())
    module.load_state_dict(state)
    return missing


def recover_synth(
    folder: Path, manifest: dict[str, Any]
) -> tuple[Decoder, MCNN | HarmonicNoiseVocoder]:
    """Decoder and vocoder from ``synth.onnx`` (configs from the manifest's ``model``). The
    harmonic-plus-noise vocoder learns nothing: it is rebuilt from its config."""
    cfg = ModelConfig.from_dict(manifest["model"]["wae"])
    decoder = Decoder(cfg)
    arrays, unnamed = initializers(folder / manifest["graphs"]["synth"]["file"])
    if missing := _load(decoder, "decoder.", arrays):
        raise RecoverError(
            f"synth graph lacks decoder weights {missing[:3]} (an exporter merges tensors "
            "that are equal, as in an untrained model: such a folder cannot be read back)"
        )
    if manifest["model"].get("vocoder") == "hpn":
        h = dict(manifest["model"]["hpn"])
        h["features"] = FeatureConfig.from_dict(h["features"])
        return decoder.eval(), HarmonicNoiseVocoder(HpnConfig(**h)).eval()
    mcfg = MCNNConfig.from_dict(manifest["model"]["mcnn"])
    mcnn = MCNN(mcfg)
    missing = [k for k in _load(mcnn, "mcnn.", arrays) if k != "head_scale"]
    if missing:
        raise RecoverError(f"synth graph lacks MCNN weights {missing[:3]}")
    scalars = [arrays[n] for n in unnamed if arrays[n].shape == ()]
    if len(scalars) != mcfg.n_heads:
        raise RecoverError(f"found {len(scalars)} head scales for {mcfg.n_heads} MCNN heads")
    with torch.no_grad():
        mcnn.head_scale.copy_(torch.tensor(np.stack(scalars)))
    return decoder.eval(), mcnn.eval()


def recover_encoder(path: Path, cfg: ModelConfig) -> Encoder:
    """Encoder from ``encoder.onnx``: folded convolutions + identity BatchNorms."""
    encoder = Encoder(cfg)
    arrays, unnamed = initializers(path)
    tensors = [arrays[n] for n in unnamed]
    n_conv = len(cfg.enc_channels)
    if len(tensors) != 2 * n_conv + 1:
        raise RecoverError(
            f"encoder graph has {len(tensors)} unnamed tensors, expected {2 * n_conv + 1}"
        )
    state = encoder.state_dict()
    for i in range(n_conv):
        weight, bias = tensors[2 * i], tensors[2 * i + 1]
        bn = f"convs.{i}.1."
        state[f"convs.{i}.0.weight"] = torch.from_numpy(weight.copy())
        state[bn + "weight"] = torch.ones(bias.shape)
        state[bn + "bias"] = torch.from_numpy(bias.copy())
        state[bn + "running_mean"] = torch.zeros(bias.shape)
        eps = 1e-5  # BatchNorm1d's default, the one the encoder uses
        state[bn + "running_var"] = torch.full(bias.shape, 1.0 - eps)
    state["head.1.weight"] = torch.from_numpy(tensors[-1].T.copy())  # MatMul holds W^T
    for key in ("head.2.weight", "head.2.bias", "head.2.running_mean", "head.2.running_var",
                "head.4.weight", "head.4.bias"):
        state[key] = torch.from_numpy(arrays["encoder." + key].copy())
    encoder.load_state_dict(state)
    return encoder.eval()


def recover(folder: Path) -> RecoveredModel:
    """Every module of a model folder, checked against its synth graph."""
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    if "model" not in manifest or "wae" not in manifest["model"]:
        raise RecoverError(f"{folder}: the manifest does not describe the torch modules")
    decoder, mcnn = recover_synth(folder, manifest)
    encoder = None
    if "encoder" in manifest["graphs"]:
        encoder = recover_encoder(folder / manifest["graphs"]["encoder"]["file"], decoder.cfg)
    return RecoveredModel(decoder, mcnn, encoder, manifest)


def write_runs(model_dir: Path, out: Path, card: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``out/wae`` and ``out/mcnn`` run folders holding a model folder's weights, so
    that ``finetune``, ``train --init-from``, ``evaluate`` and ``export`` can start from a
    shipped model. The Fader discriminator is not part of a model folder: the WAE run gets
    a freshly initialised one."""
    from models.training.checkpoint import CHECKPOINT, save_checkpoint
    from models.training.runs import run_config, write_run_config
    from models.wae.model import WAE

    rec = recover(model_dir)
    if rec.encoder is None:
        raise RecoverError(f"{model_dir} has no encoder graph: a WAE run needs one")
    card = card or {"styles": rec.manifest["styles"], "style_ranges": rec.manifest["style_ranges"]}
    source = {"recovered_from": str(model_dir), "provenance": rec.manifest.get("provenance", {})}
    wae = WAE(rec.decoder.cfg)
    wae.encoder.load_state_dict(rec.encoder.state_dict())
    wae.decoder.load_state_dict(rec.decoder.state_dict())
    runs = {"wae": out / "wae"}
    parts: list[tuple[str, torch.nn.Module, Any]] = [("wae", wae, rec.decoder.cfg)]
    if isinstance(rec.mcnn, MCNN):  # the hpn vocoder has no weights: no run of its own
        runs["mcnn"] = out / "mcnn"
        parts.append(("mcnn", rec.mcnn, rec.mcnn.cfg))
    for kind, module, cfg in parts:
        runs[kind].mkdir(parents=True, exist_ok=True)
        save_checkpoint(runs[kind] / CHECKPOINT, {"model": module.state_dict(), "step": 0})
        data_dir = Path(str(rec.manifest.get("provenance", {}).get("dataset", "")))
        config = run_config(kind, cfg.to_dict(), {}, card, data_dir, 0, 1, **source)
        write_run_config(runs[kind], config)
    return runs
