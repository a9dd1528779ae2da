"""The judges: they learn the attributes of real(istic) notes, save, reload and refuse
features or corpora they were not made for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.data.store import CorpusStore
from models.evaluation.judges import (
    ATTRIBUTES,
    JudgeConfig,
    JudgeError,
    Judges,
    load_or_train,
    notes_sha256,
    train_judges,
)
from models.evaluation.synthetic import build_synthetic_corpus


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    return CorpusStore(build_synthetic_corpus(tmp_path_factory.mktemp("c") / "corpus",
                                              notes_per_style=60))


@pytest.fixture(scope="module")
def judges(store: CorpusStore) -> Judges:
    return train_judges(store, JudgeConfig.tiny(), progress=False)


def test_judges_beat_chance_on_held_out_notes(judges: Judges) -> None:
    acc = judges.test_accuracy
    assert set(acc) == set(ATTRIBUTES)
    assert all(0.0 <= v <= 1.0 for v in acc.values())
    # chance: style 1/4, dynamics 1/3, octave about 1/3 on this corpus
    assert acc["style"] >= 0.6
    assert acc["dynamics"] >= 0.6
    assert acc["octave"] >= 0.6


def test_probabilities_are_distributions(judges: Judges, store: CorpusStore) -> None:
    proba = judges.predict_proba(np.asarray(store.features[:5], np.float32))
    assert proba["style"].shape == (5, len(store.styles))
    assert proba["pitch_class"].shape == (5, 12)
    for p in proba.values():
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_save_load_round_trip(judges: Judges, store: CorpusStore, tmp_path: Path) -> None:
    judges.save(tmp_path / "j")
    again = Judges.load(tmp_path / "j")
    x = np.asarray(store.features[:7], np.float32)
    for a in ATTRIBUTES:
        np.testing.assert_allclose(judges.predict_proba(x)[a], again.predict_proba(x)[a], atol=1e-6)
    assert again.test_accuracy == judges.test_accuracy
    assert again.styles == store.styles


def test_load_or_train_reuses_saved_judges(judges: Judges, store: CorpusStore,
                                           tmp_path: Path) -> None:
    judges.provenance = {**judges.provenance, "corpus_sha256": store.card["sha256"]}
    judges.save(tmp_path / "j")
    stamp = (tmp_path / "j" / "judges.pt").stat().st_mtime_ns
    reused = load_or_train(tmp_path / "j", store, JudgeConfig.tiny(), progress=False)
    assert (tmp_path / "j" / "judges.pt").stat().st_mtime_ns == stamp
    assert reused.test_accuracy == judges.test_accuracy


def test_judges_refuse_another_corpus(judges: Judges, tmp_path: Path) -> None:
    judges.save(tmp_path / "j")
    other = CorpusStore(build_synthetic_corpus(tmp_path / "other", notes_per_style=3, seed=5))
    with pytest.raises(JudgeError, match="another corpus"):
        load_or_train(tmp_path / "j", other, JudgeConfig.tiny(), progress=False)


def test_wrong_feature_shape_is_refused(judges: Judges) -> None:
    with pytest.raises(JudgeError, match="expect features"):
        judges.predict_proba(np.zeros((2, 10, 10), np.float32))


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(JudgeError, match="holds no judges"):
        Judges.load(tmp_path)


def test_judges_accept_the_same_notes_rendered_again(judges: Judges, store: CorpusStore,
                                                     tmp_path: Path) -> None:
    """Another machine's FluidSynth renders the recipe's notes a few bits apart: another
    content hash, the same note list and test split: the judges still fit."""
    judges.provenance = {**judges.provenance, "corpus_sha256": "0" * 64,
                         "notes_sha256": notes_sha256(store)}
    judges.save(tmp_path / "j")
    assert notes_sha256(store) is not None
    assert load_or_train(tmp_path / "j", store, JudgeConfig.tiny(), progress=False)
    judges.provenance = {**judges.provenance, "notes_sha256": "1" * 64}  # other notes
    judges.save(tmp_path / "k")
    with pytest.raises(JudgeError, match="another corpus"):
        load_or_train(tmp_path / "k", store, JudgeConfig.tiny(), progress=False)
