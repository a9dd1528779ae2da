"""The ablation study: every measurement of one evaluation, numbers and the arrays the
figures and listening examples are made from. Writing them out is report.py's job.

Per model: reconstruction of test notes (Mel domain), judged generation in two note
regimes, style mixing paths, latent probes, latent codes for the scatter plots.
Renderers: Griffin-Lim and the MCNNs on real test features, and each model's
decoder -> renderer chain, all against the real audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.data.store import CorpusStore
from models.evaluation.generation import GenerationResult, judge_generation, random_notes
from models.evaluation.judges import ATTRIBUTES, Judges
from models.evaluation.metrics import audio_metrics, feature_metrics
from models.evaluation.mixing import MixPath, style_mixing
from models.evaluation.probe import chance, latent_probe
from models.evaluation.subjects import Conditions, EvalModel, Renderer, timed_render
from models.progress import progress as progress_bar
from realtime.conditions import midi_name


@dataclass(frozen=True)
class EvalSettings:
    """How many notes each measurement uses (defaults: the full study on a 2-core CPU)."""

    n_recon: int = 256  # test notes for decoder reconstruction metrics
    n_render: int = 24  # test notes through each renderer (Griffin-Lim costs ~1 s each)
    gen_per_style: int = 64  # generated notes per style and regime
    mix_pairs: int = 6
    mix_steps: int = 11
    mix_notes: int = 8
    n_latent: int = 800  # notes in the latent scatter / t-SNE figures
    probe_max_train: int = 4000
    gla_iters: int = 100
    n_examples: int = 4  # reconstruction examples (figure rows and WAVs)
    seed: int = 0
    tiny: bool = False

    @classmethod
    def tiny_settings(cls, seed: int = 0) -> EvalSettings:
        return cls(n_recon=8, n_render=2, gen_per_style=6, mix_pairs=2, mix_steps=4,
                   mix_notes=2, n_latent=40, probe_max_train=200, gla_iters=4, n_examples=2,
                   seed=seed, tiny=True)


@dataclass
class Subject:
    """One trained variant and, when its run has one, its fine-tuned MCNN."""

    name: str
    model: EvalModel
    finetuned: Renderer | None = None
    run_dir: str = ""


@dataclass
class ModelResult:
    name: str
    reconstruction: dict[str, float]
    reconstruction_judged: dict[str, float]  # judges on the reconstructions (true labels)
    generation: GenerationResult
    generation_full: GenerationResult
    mix_paths: list[MixPath]
    mixing: dict[str, float]
    probe: dict[str, float]
    probe_linear: dict[str, float]
    examples: np.ndarray  # (n_examples, n_mels, T) reconstructions of the example notes
    latent: tuple[np.ndarray, dict[str, np.ndarray]]  # z (N, L), labels of those notes


@dataclass
class RendererResult:
    name: str
    metrics: dict[str, float]  # spectral_convergence, lsd_db, mel_l1, ms_per_note
    example: np.ndarray  # (note_samples,) the first rendered note, for figure and WAV
    audio: np.ndarray  # (n, note_samples) all rendered notes


@dataclass
class StudyResult:
    judges: dict[str, float]
    models: list[ModelResult]
    renderers: list[RendererResult]
    example_ids: list[str]
    example_features: np.ndarray  # (n_examples, n_mels, T) real features
    reference_audio: np.ndarray  # (n_render, note_samples) real audio of the rendered notes
    probe_chance: dict[str, float]
    settings: EvalSettings
    info: dict[str, Any] = field(default_factory=dict)
    example_labels: list[str] = field(default_factory=list)  # "A4 violin ff", per example
    render_labels: list[str] = field(default_factory=list)  # the same, per rendered note


def _pick(idx: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(idx, size=min(n, len(idx)), replace=False)) if len(idx) else idx


def _true_conditions(store: CorpusStore, idx: np.ndarray, labels: dict[str, np.ndarray]
                     ) -> Conditions:
    return Conditions.one_hot(labels["pitch"][idx], np.maximum(labels["style"][idx], 0),
                              labels["dynamics"][idx], len(store.styles))


def reconstruct(model: EvalModel, store: CorpusStore, idx: np.ndarray,
                labels: dict[str, np.ndarray]) -> np.ndarray:
    """Encode real notes and decode them with their true conditions: ``(n, n_mels, T)``."""
    feats = np.asarray(store.features[idx], dtype=np.float32)
    return model.decode(model.encode(feats), _true_conditions(store, idx, labels))


def _sub(labels: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {a: labels[a][idx] for a in ATTRIBUTES}


def evaluate_model(subject: Subject, store: CorpusStore, judges: Judges, s: EvalSettings,
                   example_idx: np.ndarray) -> ModelResult:
    rng = np.random.default_rng(s.seed)
    model, labels, ranges = subject.model, store.labels(), store.card.get("style_ranges", {})
    test, train = store.split_indices("test"), store.split_indices("train")
    rec_idx = _pick(test, s.n_recon, rng)
    recon = reconstruct(model, store, rec_idx, labels)
    rec_metrics = feature_metrics(np.asarray(store.features[rec_idx], np.float32), recon,
                                  store.feature_config)
    # Do the judges still hear the attributes after the autoencoder? Separates "the judges
    # fail on decoder outputs" from "the prior samples are off" when generation is poor.
    rec_judged = judges.accuracy(recon, _sub(labels, rec_idx))
    gen = judge_generation(model, judges, random_notes(
        store.styles, ranges, s.gen_per_style, "octaves_3_4", rng), rng)
    gen_full = judge_generation(model, judges, random_notes(
        store.styles, ranges, s.gen_per_style, "full_range", rng), rng)
    paths, mixing = style_mixing(model, judges, ranges, s.mix_pairs, s.mix_steps, s.mix_notes, rng)
    tr = _pick(train, s.probe_max_train, rng)
    z_tr = model.encode(np.asarray(store.features[tr], np.float32))
    z_te = model.encode(np.asarray(store.features[test], np.float32))
    lab_tr, lab_te = _sub(labels, tr), _sub(labels, test)
    probe = latent_probe(z_tr, lab_tr, z_te, lab_te, "mlp", s.seed, s.tiny)
    probe_lin = latent_probe(z_tr, lab_tr, z_te, lab_te, "linear", s.seed, s.tiny)
    lat_idx = _pick(np.concatenate([test, store.split_indices("valid")]), s.n_latent,
                    np.random.default_rng(s.seed))
    z_lat = model.encode(np.asarray(store.features[lat_idx], np.float32))
    examples = reconstruct(model, store, example_idx, labels)
    return ModelResult(subject.name, rec_metrics, rec_judged, gen, gen_full, paths, mixing,
                       probe, probe_lin, examples, (z_lat, _sub(labels, lat_idx)))


def evaluate_renderer(renderer: Renderer, name: str, features: np.ndarray,
                      reference: np.ndarray, store: CorpusStore) -> RendererResult:
    """Render ``features`` and compare with the real ``reference`` audio."""
    audio, ms = timed_render(renderer, features)
    metrics = audio_metrics(reference, audio, store.feature_config)
    metrics["ms_per_note"] = ms
    return RendererResult(name, metrics, audio[0], audio)


def run_study(subjects: list[Subject], store: CorpusStore, judges: Judges, s: EvalSettings,
              renderers: list[Renderer], progress: bool = True) -> StudyResult:
    """Everything the report shows. ``renderers`` run on real test features; each subject's
    decoder output also goes through them and through its fine-tuned MCNN."""
    rng = np.random.default_rng(s.seed + 1)
    labels = store.labels()
    test = store.split_indices("test")
    if len(test) == 0:
        raise ValueError(f"{store.root}: the test split is empty; nothing to evaluate on")
    example_idx = _pick(test, s.n_examples, rng)
    render_idx = _pick(test, s.n_render, rng)
    real_feats = np.asarray(store.features[render_idx], np.float32)
    reference = np.asarray(store.audio[render_idx], np.float32)
    results, rendered = [], []
    for sub in progress_bar(subjects, desc="models", unit="model", enabled=progress):
        results.append(evaluate_model(sub, store, judges, s, example_idx))
    for r in progress_bar(renderers, desc="renderers", unit="renderer", enabled=progress):
        rendered.append(evaluate_renderer(r, r.name, real_feats, reference, store))
    for sub in subjects:
        decoded = reconstruct(sub.model, store, render_idx, labels)
        chain = [*renderers, *([sub.finetuned] if sub.finetuned else [])]
        for r in chain:
            rendered.append(evaluate_renderer(r, f"{sub.name}+{r.name}", decoded, reference, store))
    tr = store.split_indices("train")
    return StudyResult(
        judges=dict(judges.test_accuracy), models=results, renderers=rendered,
        example_ids=[store.meta[i].id for i in example_idx],
        example_features=np.asarray(store.features[example_idx], np.float32),
        reference_audio=reference,
        probe_chance=chance(_sub(labels, tr), _sub(labels, test)), settings=s,
        info={"corpus": str(store.root), "corpus_sha256": store.card.get("sha256"),
              "n_test": len(test), "styles": list(store.styles)},
        example_labels=[note_label(store, i) for i in example_idx],
        render_labels=[note_label(store, i) for i in render_idx],
    )


def note_label(store: CorpusStore, i: int) -> str:
    """``"A4 violin ff"``: what a person needs to know of a corpus note."""
    m = store.meta[int(i)]
    return f"{midi_name(m.pitch)} {m.style} {m.dynamics}"
