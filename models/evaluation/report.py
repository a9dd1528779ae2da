"""Writing a study out: report.json (DESIGN.md section 10 shape, plus extras), report.md
with the ablation table, the PNG figures and the listening WAVs.

Layout of REPORT/::

    report.json   judges, models, renderers (the contract) + targets, chance, settings
    report.md     tables, target checks, figures, notes
    figures/      reconstructions.png, latent_3d.png, latent_tsne.png, style_mix.png,
                  renderers.png, generation.png
    audio/        (optional) real/, recon/, generated/ WAVs
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from models.evaluation import figures
from models.evaluation.judges import ATTRIBUTES
from models.evaluation.quality_section import copy_figures, quality_lines, quality_summary
from models.evaluation.study import RendererResult, StudyResult
from models.evaluation.targets import DEFAULT_TARGETS, check_targets
from realtime.dsp.features import FeatureConfig

RECON_KEYS = ("mel_l1", "spectral_convergence", "lsd_db")
RENDER_KEYS = ("spectral_convergence", "lsd_db", "ms_per_note")


def _clean(x: Any) -> Any:
    """NaN/inf -> None (strict JSON), recursively."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


DEFAULT_FROM = "the default corpus"


def report_dict(res: StudyResult, targets: dict[str, Any] | None = DEFAULT_TARGETS,
                targets_from: str = DEFAULT_FROM, notes: bool = False) -> dict[str, Any]:
    """The report.json object: the section 10 keys first, then the extras. ``targets``:
    thresholds to check (``None``: none, the report says why); ``targets_from`` says whose."""
    models: dict[str, Any] = {}
    for m in res.models:
        models[m.name] = {
            "generation": {a: m.generation.accuracy[a] for a in ATTRIBUTES},
            "reconstruction": {k: m.reconstruction[k] for k in RECON_KEYS},
            "latent_probe": {a: m.probe[a] for a in ATTRIBUTES},
            "generation_full_range": {a: m.generation_full.accuracy[a] for a in ATTRIBUTES},
            "reconstruction_judged": {a: m.reconstruction_judged[a] for a in ATTRIBUTES},
            "generation_style_by_style": m.generation.style_accuracy,
            "latent_probe_linear": {a: m.probe_linear[a] for a in ATTRIBUTES},
            "style_mixing": m.mixing,
        }
    renderers = {r.name: {**{k: r.metrics[k] for k in RENDER_KEYS}, "mel_l1": r.metrics["mel_l1"]}
                 for r in res.renderers}
    out: dict[str, Any] = {
        "judges": {a: res.judges[a] for a in ATTRIBUTES},
        "models": models,
        "renderers": renderers,
        "latent_probe_chance": res.probe_chance,
        "settings": asdict(res.settings),
        "corpus": res.info,
    }
    if targets is not None:
        out["targets"] = [t.to_dict() for t in check_targets(out, targets, notes)]
    out["targets_from"] = targets_from if targets is not None else None
    return _clean(out)


def write_figures(res: StudyResult, out: Path, cfg: FeatureConfig) -> dict[str, Path]:
    fig_dir = out / "figures"
    styles = tuple(res.info.get("styles", ()))
    paths = {
        "reconstructions": figures.reconstruction_grid(
            fig_dir / "reconstructions.png", res.example_features,
            {m.name: m.examples for m in res.models}, res.example_labels or res.example_ids),
        "generation": figures.accuracy_bars(
            fig_dir / "generation.png", {m.name: m.generation.accuracy for m in res.models},
            res.judges),
        "latent_3d": figures.latent_grid(fig_dir / "latent_3d.png",
                                         {m.name: m.latent for m in res.models}, styles, "3d"),
        "latent_tsne": figures.latent_grid(fig_dir / "latent_tsne.png",
                                           {m.name: m.latent for m in res.models}, styles, "tsne",
                                           res.settings.seed),
        "style_mix": figures.style_mix_plot(fig_dir / "style_mix.png",
                                            {m.name: m.mix_paths for m in res.models}),
    }
    if res.renderers:
        paths["renderers"] = figures.renderer_comparison(
            fig_dir / "renderers.png", res.reference_audio[0],
            {r.name: r.example for r in _figure_renderers(res)}, cfg)
    return paths


def _figure_renderers(res: StudyResult) -> list[RendererResult]:
    """Renderers on real features, plus the decoder chains of one model (the Fader when
    present): all of them would make a figure too tall to read."""
    names = [m.name for m in res.models]
    chosen = "wae-fader" if "wae-fader" in names else (names[0] if names else "")
    return [r for r in res.renderers
            if "+" not in r.name or r.name.split("+", 1)[0] == chosen]


def _fmt(x: Any, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header),
            *("| " + " | ".join(r) + " |" for r in rows), ""]


def markdown(rep: dict[str, Any], figs: dict[str, Path], out: Path, notes: str = "",
             quality: dict[str, Any] | None = None,
             quality_figs: dict[str, Path] | None = None) -> str:
    """report.md; ``quality``: a ``bench quality`` result for its section
    (:mod:`models.evaluation.quality_section`), ``quality_figs`` its copied figures."""
    a = list(ATTRIBUTES)
    lines = ["# WAE-Fader ablation: evaluation report", "",
             f"Corpus `{rep['corpus'].get('corpus')}` (sha256 "
             f"`{str(rep['corpus'].get('corpus_sha256'))[:16]}`), "
             f"{rep['corpus'].get('n_test')} test notes. All accuracies are fractions in [0, 1].",
             "", "## Judges (attribute classifiers, accuracy on real test notes)", ""]
    lines += _table(a, [[_fmt(rep["judges"][k]) for k in a]])
    lines += ["## Ablation table", "",
              "Generation: z from the prior, random notes in octaves 3-4 (full range in the "
              "second block), every style; the judges' accuracy against the request. "
              "Reconstruction: test notes, decoder output vs input (Mel domain). Probe: MLP "
              "predicting the attribute from z (held-out notes).", ""]
    header = ["model", *(f"gen {k}" for k in a), *(f"full {k}" for k in a), *RECON_KEYS,
              *(f"probe {k}" for k in a)]
    rows = []
    for name, m in rep["models"].items():
        rows.append([name, *(_fmt(m["generation"][k]) for k in a),
                     *(_fmt(m["generation_full_range"][k]) for k in a),
                     *(_fmt(m["reconstruction"][k]) for k in RECON_KEYS),
                     *(_fmt(m["latent_probe"][k]) for k in a)])
    chance = rep["latent_probe_chance"]
    rows.append(["chance (probe)", *[""] * (2 * len(a) + len(RECON_KEYS)),
                 *(_fmt(chance[k]) for k in a)])
    lines += _table(header, rows)
    lines += ["## Judges on reconstructions (test notes, true condition)", "",
              "If these are high but generation is low, the prior samples are off, not the "
              "judges.", ""]
    lines += _table(["model", *a], [[n, *(_fmt(m["reconstruction_judged"][k]) for k in a)]
                                    for n, m in rep["models"].items()])
    lines += ["## Style mixing (judge p(B) along A -> B)", ""]
    lines += _table(["model", "spearman", "rising fraction", "p(B) at A", "p(B) at B"], [
        [n, *(_fmt(m["style_mixing"].get(k)) for k in
              ("spearman", "rising_fraction", "p_b_start", "p_b_end"))]
        for n, m in rep["models"].items()])
    lines += ["## Renderers (against the real audio of test notes)", "",
              "`NAME` renders real features; `MODEL+NAME` renders that model's reconstruction.", ""]
    lines += _table(["renderer", "spectral convergence", "LSD (dB)", "log-Mel L1", "ms / note"], [
        [n, _fmt(r["spectral_convergence"]), _fmt(r["lsd_db"], 2), _fmt(r["mel_l1"]),
         _fmt(r["ms_per_note"], 1)] for n, r in rep["renderers"].items()])
    if quality is not None:
        lines += quality_lines(quality, quality_figs or {}, out)
    lines += ["## Targets", ""]
    if rep.get("targets") is None:
        lines += ["None checked: the built-in targets are the default corpus's and mean nothing "
                  "on another library. Pass `--targets FILE` (JSON or TOML; keys "
                  f"{', '.join(DEFAULT_TARGETS)}) to check thresholds of your own.", ""]
    else:
        lines += [f"Thresholds from {rep.get('targets_from') or DEFAULT_FROM}.", ""]
        lines += _table(["target", "value", "threshold", "result", "margin", "why"], [
            [t["name"], _fmt(t["value"]), _fmt(t["threshold"]),
             {True: "pass", False: "**miss**", None: "n/a"}[t["passed"]], _fmt(t["margin"]),
             t["why"]]
            for t in rep["targets"]])
    lines += ["## Figures", ""]
    lines += [f"![{k}]({p.relative_to(out).as_posix()})\n" for k, p in figs.items()]
    if notes:
        lines += ["## Notes", "", notes.strip(), ""]
    return "\n".join(lines)


def write_report(res: StudyResult, out: Path, cfg: FeatureConfig, notes: str = "",
                 targets: dict[str, Any] | None = DEFAULT_TARGETS,
                 targets_from: str = DEFAULT_FROM,
                 quality: tuple[dict[str, Any], Path] | None = None) -> dict[str, Any]:
    """Write report.json, report.md and figures/ under ``out``; returns the JSON object.
    ``quality``: a ``bench quality`` result and the folder of its figures (``--quality``)."""
    out.mkdir(parents=True, exist_ok=True)
    rep = report_dict(res, targets, targets_from, notes=bool(notes.strip()))
    figs = write_figures(res, out, cfg)
    qual, qfigs = None, None
    if quality is not None:
        qual = quality[0]
        rep["quality"] = _clean(quality_summary(qual))
        qfigs = copy_figures(quality[1], out)
    (out / "report.json").write_text(json.dumps(rep, indent=2) + "\n")
    (out / "report.md").write_text(markdown(rep, figs, out, notes, qual, qfigs))
    return rep
