"""Export a decoder + MCNN (+ encoder) to a model folder: graphs, manifest, parity, atomically.

Steps, all in a staging folder beside the destination so that a failed export never leaves
a half-written model behind:
1. trace the wrappers (:mod:`export.wrapper`) on zeros into ``synth.onnx``,
   ``synth_head.onnx`` (the first 100 ms) and ``encoder.onnx``;
2. write ``manifest.json`` with their checksums;
3. load the folder exactly as the runtime does (:func:`realtime.model.load_model`, which
   validates everything) and check parity against torch on zeros and real inputs;
4. optionally quantise the graphs, measure the quality cost against the float32 output,
   rewrite the manifest and load once more;
5. render a few notes per style and record which styles sustain when held (manifest
   ``sustain``, :mod:`realtime.sustain_info`);
6. move the files into the destination.

A staging folder left by a killed export (``.OUT.export-PID-...``, its process gone) is
removed by the next export to the same destination.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from export.onnx_export import export_graph
from export.parity import ParityReport, check_parity, parity_inputs
from export.quantize import MAX_SPECTRAL_CONVERGENCE, QUANTIZATIONS, quality_cost, quantize_graph
from export.wrapper import (
    EncoderWrapper,
    SynthWrapper,
    Vocoder,
    encoder_io,
    head_frames,
    synth_io,
    zero_synth_inputs,
)
from models.wae.decoder import Decoder
from models.wae.encoder import Encoder
from realtime.manifest import (
    GRAPH_ROLES,
    MANIFEST_NAME,
    GraphSpec,
    Manifest,
    checksums,
    write_manifest,
)
from realtime.model import SessionConfig, load_model
from realtime.sustain_info import measure_sustain

GRAPH_FILES = {"synth": "synth.onnx", "synth_head": "synth_head.onnx", "encoder": "encoder.onnx"}


class ExportError(Exception):
    """The export cannot go on (bad inputs, parity or quality failure); one clear line."""


@dataclass(frozen=True)
class ModelInfo:
    """What the manifest says beside the graphs."""

    styles: tuple[str, ...]
    style_ranges: Mapping[str, tuple[int, int]]
    prior_std: float = 1.0
    provenance: Mapping[str, Any] = field(default_factory=dict)
    evaluation: Mapping[str, Any] = field(default_factory=dict)
    model: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportResult:
    out: Path
    manifest: Manifest
    parity: ParityReport
    sizes: Mapping[str, int]


def export_model(
    decoder: Decoder,
    mcnn: Vocoder,
    encoder: Encoder | None,
    info: ModelInfo,
    out: Path,
    *,
    parity: bool = True,
    quantization: str = "none",
    step: Callable[[str], None] | None = None,
) -> ExportResult:
    """Write a model folder at ``out`` (replacing the graphs and manifest there).

    ``step(text)`` is told each step as it starts (progress for the command line).
    """
    say = step or (lambda _text: None)
    _check_inputs(decoder, mcnn, info, quantization)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_stages(out)
    stage = Path(tempfile.mkdtemp(prefix=f"{_stage_prefix(out)}{os.getpid()}-", dir=out.parent))
    try:
        whole, head, enc = _wrappers(decoder, mcnn, encoder)
        say("tracing the graphs to ONNX")
        _trace_all(whole, head, enc, stage, decoder.cfg.latent_dim, len(info.styles))
        manifest = _write(stage, decoder, whole, head, enc, info, {})
        say("checking parity with torch" if parity else "loading the graphs (parity skipped)")
        report = _parity(stage, whole, enc, info, decoder.cfg.latent_dim, parity)
        extra: dict[str, Any] = {"parity": report.to_dict() if parity else "skipped"}
        if quantization != "none":
            say(f"compressing the weights ({quantization})")
            extra["quantization"] = _quantize(stage, manifest, quantization, info)
        manifest = _write(stage, decoder, whole, head, enc, info, extra)
        say("measuring which styles sustain")
        # which styles sustain when held, from the exported model's own notes
        sustain = measure_sustain(load_model(stage, SessionConfig(warmup=False)), info.style_ranges)
        manifest = replace(manifest, sustain=sustain)
        write_manifest(stage, manifest)
        say("loading the folder as the runtime will")
        load_model(stage, SessionConfig(warmup=True))  # the final folder loads as shipped
        _install(stage, out, manifest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    sizes = {g.file: (out / g.file).stat().st_size for g in manifest.graphs.values()}
    return ExportResult(out, manifest, report, sizes)


def _stage_prefix(out: Path) -> str:
    return f".{out.name}.export-"


def remove_stale_stages(out: Path) -> list[Path]:
    """Remove the staging folders of exports to ``out`` that were killed (kill -9, power cut):
    their name carries the exporting process's id, and that process is gone."""
    removed = []
    for folder in out.parent.glob(_stage_prefix(out) + "*"):
        pid = folder.name[len(_stage_prefix(out)) :].split("-", 1)[0]
        if folder.is_dir() and not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _check_inputs(decoder: Decoder, mcnn: Vocoder, info: ModelInfo, quantization: str) -> None:
    f_dec, f_mcnn = decoder.cfg.features, mcnn.cfg.features
    if f_dec != f_mcnn:
        raise ExportError(f"decoder and vocoder feature settings differ: {f_dec} vs {f_mcnn}")
    if len(info.styles) != decoder.cfg.n_styles:
        raise ExportError(
            f"{len(info.styles)} style names for a decoder with {decoder.cfg.n_styles} styles"
        )
    missing = [s for s in info.styles if s not in info.style_ranges]
    if missing:
        raise ExportError(f"no playable range for styles {missing}")
    if quantization not in QUANTIZATIONS:
        raise ExportError(f"unknown quantization {quantization!r}; known: {QUANTIZATIONS}")


def _wrappers(
    decoder: Decoder, mcnn: Vocoder, encoder: Encoder | None
) -> tuple[SynthWrapper, SynthWrapper | None, EncoderWrapper | None]:
    decoder.eval()
    mcnn.eval()
    f = decoder.cfg.features
    k = head_frames(f.sample_rate, f.hop, f.n_frames)
    whole = SynthWrapper(decoder, mcnn).eval()
    head = SynthWrapper(decoder, mcnn, k).eval() if k < f.n_frames else None
    enc = EncoderWrapper(encoder.eval()).eval() if encoder is not None else None
    return whole, head, enc


def _trace_all(
    whole: SynthWrapper,
    head: SynthWrapper | None,
    enc: EncoderWrapper | None,
    stage: Path,
    latent_dim: int,
    n_styles: int,
) -> None:
    ins, outs = synth_io(latent_dim, n_styles)
    zeros = zero_synth_inputs(latent_dim, n_styles)
    _run_on(whole, zeros, "synth")
    export_graph(whole, zeros, stage / GRAPH_FILES["synth"], ins, outs)
    if head is not None:
        export_graph(head, zeros, stage / GRAPH_FILES["synth_head"], ins, outs)
    if enc is not None:
        f = whole.decoder.cfg.features
        feats = torch.zeros(2, f.n_mels, f.n_frames)
        _run_on(enc, (feats,), "encoder")
        export_graph(enc, (feats,), stage / GRAPH_FILES["encoder"], *encoder_io())


def _run_on(module: torch.nn.Module, example: tuple[torch.Tensor, ...], name: str) -> None:
    """The wrapper must run on zeros and give finite numbers before it is traced."""
    with torch.no_grad():
        out = module(*example)
    if not torch.isfinite(out).all():
        raise ExportError(f"the {name} wrapper gives non-finite output on zeros")


def _write(
    stage: Path,
    decoder: Decoder,
    whole: SynthWrapper,
    head: SynthWrapper | None,
    enc: EncoderWrapper | None,
    info: ModelInfo,
    extra: Mapping[str, Any],
) -> Manifest:
    f = decoder.cfg.features
    graphs = {"synth": GraphSpec(GRAPH_FILES["synth"], whole.samples)}
    if head is not None:
        graphs["synth_head"] = GraphSpec(GRAPH_FILES["synth_head"], head.samples)
    if enc is not None:
        graphs["encoder"] = GraphSpec(GRAPH_FILES["encoder"])
    sha, sizes = checksums(stage, [g.file for g in graphs.values()])
    manifest = Manifest(
        sample_rate=f.sample_rate,
        note_samples=f.note_samples,
        features=f,
        styles=tuple(info.styles),
        style_ranges={s: tuple(info.style_ranges[s]) for s in info.styles},  # type: ignore[misc]
        latent_dim=decoder.cfg.latent_dim,
        prior_std=info.prior_std,
        graphs=graphs,
        sha256=sha,
        sizes=sizes,
        provenance=dict(info.provenance),
        evaluation=dict(info.evaluation),
        model={**info.model, **extra},
    )
    write_manifest(stage, manifest)
    return manifest


def _parity(
    stage: Path,
    whole: SynthWrapper,
    enc: EncoderWrapper | None,
    info: ModelInfo,
    latent_dim: int,
    enabled: bool,
) -> ParityReport:
    if not enabled:
        return ParityReport(float("nan"), float("nan"), float("nan"), 0)
    synth = load_model(stage, SessionConfig(warmup=True))
    inputs = parity_inputs(latent_dim, info.styles, info.style_ranges, info.prior_std)
    return check_parity(synth, whole, enc, inputs)


def _quantize(stage: Path, manifest: Manifest, kind: str, info: ModelInfo) -> dict[str, Any]:
    """Quantise every graph in place; returns the measured quality cost for the manifest."""
    reference = load_model(stage, SessionConfig(warmup=False))
    inputs = parity_inputs(manifest.latent_dim, info.styles, info.style_ranges, info.prior_std, 1)
    float_out = reference.render(*inputs)
    for g in manifest.graphs.values():
        quantize_graph(stage / g.file, kind)
    sha, sizes = checksums(stage, [g.file for g in manifest.graphs.values()])
    probe = Manifest(**{**manifest.__dict__, "sha256": sha, "sizes": sizes})
    write_manifest(stage, probe)
    quant_out = load_model(stage, SessionConfig(warmup=False)).render(*inputs)
    cost = quality_cost(float_out, quant_out, manifest.features)
    if not cost["spectral_convergence"] <= MAX_SPECTRAL_CONVERGENCE:
        raise ExportError(
            f"{kind} quantisation costs too much quality: spectral convergence "
            f"{cost['spectral_convergence']:.3f} against float32 (limit {MAX_SPECTRAL_CONVERGENCE})"
        )
    return {"kind": kind, **cost}


def _install(stage: Path, out: Path, manifest: Manifest) -> None:
    """Move the staged graphs, then the manifest (last: it is what makes the folder valid)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST_NAME).unlink(missing_ok=True)
    produced = {g.file for g in manifest.graphs.values()}
    for role in GRAPH_ROLES:  # graphs a previous export left and this one does not make
        stale = out / GRAPH_FILES[role]
        if GRAPH_FILES[role] not in produced:
            stale.unlink(missing_ok=True)
    for name in sorted(produced):
        shutil.move(str(stage / name), str(out / name))
    shutil.move(str(stage / MANIFEST_NAME), str(out / MANIFEST_NAME))

