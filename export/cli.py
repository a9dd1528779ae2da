"""``waefader export``: a trained run -> ONNX graphs + manifest.json, parity-checked.

    waefader export --run RUN --out MODEL_DIR [--vocoder auto|hpn|mcnn] [--mcnn MCNN_RUN]
                    [--hpn-bands N]
                    [--quantize fp16-weights] [--evaluation REPORT] [--no-parity]
                    [--no-encoder] [--json]

RUN is a WAE run folder. With a harmonic decoder head the harmonic-plus-noise vocoder
plays the head's partials and noise directly (``--vocoder hpn``, the default there);
``--vocoder mcnn`` keeps the paper's MCNN: RUN's fine-tuned one (``RUN/mcnn/``) unless
``--mcnn`` names another MCNN run. The model folder can then be played with
``waefader play --model MODEL_DIR`` and timed with ``waefader bench render --model MODEL_DIR``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from export.parity import ParityError
from export.pipeline import ExportError, ExportResult, ModelInfo, export_model
from export.provenance import ProvenanceError, evaluation_figures, provenance
from export.quantize import QUANTIZATIONS
from export.wrapper import Vocoder
from models.hpn import HarmonicNoiseVocoder, HpnConfig
from models.progress import stage
from models.training.errors import TrainingError
from models.training.runs import FINETUNED_MCNN, load_mcnn, load_wae, read_run_config
from realtime.cli.helptext import summary
from realtime.conditions import MIDI_HIGH, MIDI_LOW
from realtime.manifest import ModelError


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    p.add_argument("--run", required=True, type=Path, help="WAE run folder")
    p.add_argument("--out", required=True, type=Path, help="model folder to write (replaced)")
    p.add_argument("--mcnn", type=Path, help="MCNN run folder (default: RUN/mcnn)")
    p.add_argument("--vocoder", choices=("auto", "hpn", "mcnn"), default="auto",
                   help="hpn: the harmonic-plus-noise vocoder plays the decoder's harmonic head "
                   "(in tune, no frame-rate buzz; needs --dec-head harmonic); mcnn: the paper's "
                   "MCNN (default auto: hpn for a harmonic head, else mcnn)")  # fmt: skip
    p.add_argument("--hpn-bands", type=int, default=HpnConfig.bands,
                   help="hpn vocoder: noise signals, each a group of n_mels / N Mel bands "
                   f"(must divide n_mels; default {HpnConfig.bands})")
    p.add_argument("--quantize", choices=QUANTIZATIONS, default="none",
                   help="weight compression; fp16-weights halves the files at the same "
                   "speed (default none)")
    p.add_argument("--evaluation", type=Path, help="evaluation report (folder or report.json) "
                   "whose figures for this model go into the manifest")
    p.add_argument("--evaluation-model", help="model name in the report (default: the variant)")
    p.add_argument("--no-parity", action="store_true", help="skip the onnxruntime/torch check")
    p.add_argument("--no-encoder", action="store_true", help="do not export encoder.onnx")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's own, all cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")
    return p


def main(argv: list[str], prog: str = "waefader export") -> int:
    args = build_parser(prog).parse_args(argv)
    try:
        result = run_export(args, prog)
    except (TrainingError, ExportError, ParityError, ModelError, ProvenanceError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    summary = summarize(result)
    print(json.dumps(summary) if args.json else format_text(summary))
    return 0


def run_export(args: argparse.Namespace, prog: str = "waefader export") -> ExportResult:
    if args.threads is not None:
        torch.set_num_threads(max(1, args.threads))
    quiet = getattr(args, "no_progress", False)
    steps = iter(range(1, 7))

    def step(text: str) -> None:
        stage(prog, f"{next(steps, 6)}. {text}", not quiet)

    step(f"loading {args.run}")
    config = read_run_config(args.run, "wae")
    wae, cfg = load_wae(args.run)
    kind = getattr(args, "vocoder", "auto")
    if kind == "auto":
        kind = "hpn" if cfg.dec_head == "harmonic" else "mcnn"
    vocoder: Vocoder
    mcnn_run: Path | None = None
    if kind == "hpn":
        if cfg.dec_head != "harmonic":
            raise ExportError("--vocoder hpn plays the harmonic decoder head; this run has "
                              f"the {cfg.dec_head!r} head (use --vocoder mcnn)")  # fmt: skip
        bands = getattr(args, "hpn_bands", HpnConfig.bands)
        if bands < 1 or cfg.features.n_mels % bands:
            raise ExportError(f"--hpn-bands {bands} must divide the {cfg.features.n_mels} "
                              "Mel bands")
        vocoder = HarmonicNoiseVocoder(HpnConfig(cfg.features, cfg.partials, bands))
        about: dict[str, Any] = {"vocoder": "hpn", "hpn": asdict(vocoder.cfg)}
        about["hpn"]["features"] = cfg.features.to_dict()
    else:
        mcnn_run = args.mcnn if args.mcnn is not None else args.run / FINETUNED_MCNN
        vocoder, _ = load_mcnn(args.mcnn if args.mcnn is not None else args.run)
        about = {"vocoder": "mcnn", "mcnn": vocoder.cfg.to_dict()}
    evaluation: dict[str, Any] = {}
    if args.evaluation is not None:
        evaluation = evaluation_figures(args.evaluation, args.evaluation_model or cfg.variant)
    info = ModelInfo(
        styles=tuple(cfg.style_names),
        style_ranges=style_ranges(config, cfg.style_names),
        prior_std=1.0,  # the MMD prior is an isotropic unit Gaussian
        provenance=provenance(args.run, mcnn_run, config),
        evaluation=evaluation,
        model={"variant": cfg.variant, "wae": cfg.to_dict(), **about},
    )
    encoder = None if args.no_encoder else wae.encoder
    return export_model(
        wae.decoder, vocoder, encoder, info, args.out,
        parity=not args.no_parity, quantization=args.quantize, step=step,
    )


def style_ranges(config: dict[str, Any], styles: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Each style's playable range from the run's corpus card; a style the card does not
    range (e.g. a corpus without style tags) gets the whole layout."""
    ranges = config.get("style_ranges", {})
    out = {}
    for s in styles:
        lo, hi = ranges.get(s, (MIDI_LOW, MIDI_HIGH))
        out[s] = (max(int(lo), MIDI_LOW), min(int(hi), MIDI_HIGH))
    return out


def summarize(r: ExportResult) -> dict[str, Any]:
    return {
        "out": str(r.out),
        "files": dict(r.sizes),
        "total_bytes": sum(r.sizes.values()),
        "styles": list(r.manifest.styles),
        "parity": r.manifest.model.get("parity"),
        "quantization": r.manifest.model.get("quantization", "none"),
    }


def format_text(s: dict[str, Any]) -> str:
    lines = [f"exported {s['out']} ({s['total_bytes'] / 1e6:.1f} MB, {len(s['styles'])} styles)"]
    lines += [f"  {name:<16} {size / 1e6:6.2f} MB" for name, size in s["files"].items()]
    parity = s["parity"]
    if isinstance(parity, dict):
        line = (f"  parity: max |onnx - torch| {parity['synth_max_abs']:.2g} "
                f"(tolerance {parity['wave_atol']:g})")
        if parity.get("phase_only_notes"):  # over the tolerance only by a snapped phase
            line += (f"; {parity['phase_only_notes']} of {parity['n_inputs']} notes a snapped "
                     f"phase step apart, spectra within {parity['spectral_convergence_max']:.2g} "
                     f"(tolerance {parity['spec_atol']:g})")
        lines.append(line)
    else:
        lines.append("  parity: skipped (--no-parity)")
    if isinstance(s["quantization"], dict):
        q = s["quantization"]
        sc = q["spectral_convergence"]
        lines.append(f"  {q['kind']}: spectral convergence {sc:.2g} against float32")
    lines.append(f"try: waefader bench render --model {s['out']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
