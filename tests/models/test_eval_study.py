"""The study parts on stand-in models: generation is judged against the request, mixing
paths rise only when the model hears the style, probes see what z holds, and the report
has the DESIGN section 10 shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from evalkit import BlurRenderer, LookupModel

from models.data.store import CorpusStore
from models.evaluation.generation import judge_generation, random_notes
from models.evaluation.judges import ATTRIBUTES, JudgeConfig, Judges, train_judges
from models.evaluation.listening import write_listening
from models.evaluation.mixing import mix_path, monotonicity
from models.evaluation.probe import chance_accuracy, latent_probe
from models.evaluation.report import write_report
from models.evaluation.study import EvalSettings, Subject, run_study
from models.evaluation.subjects import GriffinLimRenderer
from models.evaluation.synthetic import build_synthetic_corpus


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    return CorpusStore(build_synthetic_corpus(tmp_path_factory.mktemp("c") / "corpus",
                                              notes_per_style=60))


@pytest.fixture(scope="module")
def judges(store: CorpusStore) -> Judges:
    return train_judges(store, JudgeConfig.tiny(), progress=False)


def test_random_notes_stay_in_each_style_range(store: CorpusStore) -> None:
    ranges = store.card["style_ranges"]
    rng = np.random.default_rng(0)
    for regime in ("octaves_3_4", "full_range"):
        notes = random_notes(store.styles, ranges, 50, regime, rng)
        for i, style in enumerate(store.styles):
            p = notes.pitch[notes.style == i]
            lo, hi = ranges[style]
            assert p.min() >= lo and p.max() <= hi
            if regime == "octaves_3_4":
                assert p.min() >= 48 and p.max() <= 71
    full = random_notes(store.styles, ranges, 200, "full_range", rng)
    assert full.pitch.max() > 71  # the full range reaches beyond octave 4


def test_style_accuracy_needs_a_model_that_hears_the_style(store: CorpusStore,
                                                            judges: Judges) -> None:
    notes = random_notes(store.styles, store.card["style_ranges"], 12, "octaves_3_4",
                         np.random.default_rng(1))
    hears = judge_generation(LookupModel(store, "a"), judges, notes, np.random.default_rng(2))
    deaf = judge_generation(LookupModel(store, "b", hear_style=False), judges, notes,
                            np.random.default_rng(2))
    assert hears.accuracy["style"] >= 0.6
    assert deaf.accuracy["style"] <= 0.45  # it always plays style 0: about 1 in 4 right
    assert set(hears.style_accuracy) == set(store.styles)


def test_mix_path_rises_only_when_style_is_heard(store: CorpusStore, judges: Judges) -> None:
    ranges = store.card["style_ranges"]
    rising = mix_path(LookupModel(store, "a"), judges, 0, 2, ranges, 5, 3,
                      np.random.default_rng(0))
    flat = mix_path(LookupModel(store, "b", hear_style=False), judges, 0, 2, ranges, 5, 3,
                    np.random.default_rng(0))
    up, level = monotonicity(rising), monotonicity(flat)
    assert up["spearman"] > 0.7 and up["p_b_end"] > up["p_b_start"] + 0.3
    assert level["spearman"] == 0.0 and level["p_b_end"] == pytest.approx(level["p_b_start"])


def test_probe_reads_what_z_holds() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 400)
    labels = {a: y for a in ATTRIBUTES}
    informative = np.stack([y + rng.normal(0, 0.1, 400), rng.normal(0, 1, 400)], 1)
    noise = rng.normal(0, 1, (400, 2))
    good = latent_probe(informative[:300], _head(labels, 300), informative[300:],
                        _tail(labels, 300))
    bad = latent_probe(noise[:300], _head(labels, 300), noise[300:], _tail(labels, 300),
                       kind="linear")
    floor = chance_accuracy(y[:300], y[300:])
    assert good["style"] > 0.9
    assert bad["style"] < floor + 0.15


def _head(d: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    return {k: v[:n] for k, v in d.items()}


def _tail(d: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    return {k: v[n:] for k, v in d.items()}


def test_report_has_the_figures_contract_shape(store: CorpusStore, judges: Judges,
                                               tmp_path: Path) -> None:
    cfg = store.feature_config
    subjects = [Subject("wae-style", LookupModel(store, "wae-style", hear_style=False)),
                Subject("wae-fader", LookupModel(store, "wae-fader"),
                        BlurRenderer(cfg, "mcnn_finetuned"))]
    renderers = [GriffinLimRenderer(cfg, 4), BlurRenderer(cfg)]
    res = run_study(subjects, store, judges, EvalSettings.tiny_settings(), renderers,
                    progress=False)
    rep = write_report(res, tmp_path, cfg)
    on_disk = json.loads((tmp_path / "report.json").read_text())
    assert on_disk == rep
    assert set(rep["judges"]) == set(ATTRIBUTES)
    assert set(rep["models"]) == {"wae-style", "wae-fader"}
    for m in rep["models"].values():
        assert set(m["generation"]) == set(ATTRIBUTES)
        assert set(m["latent_probe"]) == set(ATTRIBUTES)
        assert set(m["reconstruction"]) == {"mel_l1", "spectral_convergence", "lsd_db"}
        for v in (*m["generation"].values(), *m["latent_probe"].values()):
            assert 0.0 <= v <= 1.0
    assert {"griffin_lim", "mcnn", "wae-fader+mcnn_finetuned"} <= set(rep["renderers"])
    for r in rep["renderers"].values():
        assert {"spectral_convergence", "lsd_db", "ms_per_note"} <= set(r)
        assert r["ms_per_note"] > 0
    fader, style = rep["models"]["wae-fader"], rep["models"]["wae-style"]
    assert fader["generation"]["style"] > style["generation"]["style"]
    names = {t["name"]: t for t in rep["targets"]}
    assert names["wae-fader generated style > wae-style's"]["passed"] is True
    for png in ("reconstructions", "latent_3d", "latent_tsne", "style_mix", "renderers",
                "generation"):
        assert (tmp_path / "figures" / f"{png}.png").stat().st_size > 1000
        assert f"figures/{png}.png" in (tmp_path / "report.md").read_text()
    wavs = write_listening(res, subjects, renderers, tmp_path / "audio", cfg.sample_rate, 1)
    label = "-".join(res.render_labels[0].split()).replace("#", "s")  # e.g. 00-Gs4-bright-pp
    assert (tmp_path / "audio" / "real" / f"00-{label}.wav") in wavs
    assert any("generated/wae-fader" in p.as_posix() and "mcnn_finetuned" in p.name for p in wavs)
