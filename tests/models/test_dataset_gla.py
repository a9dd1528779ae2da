"""``waefader dataset gla``: corpus test notes through features + Griffin-Lim, measured."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from models.data.build import BuildConfig, build_corpus
from models.data.cli import main
from models.data.gla import gla_check, pick_notes
from models.data.store import CorpusStore

PROG = "waefader dataset"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gla") / "corpus"
    build_corpus(out, BuildConfig(small=True), progress=False)
    return out


def test_json_figures_and_wav_pairs(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wav = tmp_path / "wav"
    argv = ["gla", "--data", str(corpus), "--n", "2", "--iters", "10", "--wav-out", str(wav)]
    assert main([*argv, "--json", "--no-progress"], PROG) == 0
    res = json.loads(capsys.readouterr().out)
    for key in (
        "spectral_convergence_median",
        "spectral_convergence_mean",
        "lsd_db_median",
        "lsd_db_mean",
        "n_notes",
        "iters",
    ):
        assert key in res
    assert res["n_notes"] == 2 and res["iters"] == 10
    assert 0.0 < res["spectral_convergence_median"] < 1.0
    assert res["lsd_db_median"] > 0.0
    store = CorpusStore(corpus)
    ids = {m.id: i for i, m in enumerate(store.meta)}
    for row in res["notes"]:
        i = ids[row["id"]]
        assert store.meta[i].split == "test"
        orig, sr = sf.read(str(wav / row["wav_original"]), dtype="float32")
        gla, sr2 = sf.read(str(wav / row["wav_gla"]), dtype="float32")
        assert sr == sr2 == 22050 and orig.shape == gla.shape == (32768,)
        assert np.max(np.abs(orig - np.asarray(store.audio[i], dtype=np.float32))) < 1e-3
        assert not np.array_equal(orig, gla)
    assert json.loads((wav / "gla.json").read_text())["n_notes"] == 2


def test_more_iterations_converge_further(corpus: Path) -> None:
    store = CorpusStore(corpus)
    few = gla_check(store, 2, iters=1, progress=False)
    many = gla_check(store, 2, iters=40, progress=False)
    assert [r["id"] for r in few["notes"]] == [r["id"] for r in many["notes"]]
    assert many["spectral_convergence_median"] < 0.8 * few["spectral_convergence_median"]
    assert many["spectral_convergence_median"] < 0.3


def test_pick_notes_spreads_over_the_test_split(corpus: Path) -> None:
    store = CorpusStore(corpus)
    test = store.split_indices("test")
    picked = pick_notes(store, 3)
    assert len(picked) == 3 and set(picked) <= set(test)
    assert picked[0] == test[0] and picked[-1] == test[-1]
    assert np.array_equal(pick_notes(store, 10_000), test)


def test_text_output(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["gla", "--data", str(corpus), "--n", "1", "--iters", "2", "--no-progress"]
    assert main(argv, PROG) == 0
    assert "spectral convergence median" in capsys.readouterr().out


def test_user_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gla", "--data", str(tmp_path), "--n", "2"], PROG) == 2
    assert "not a corpus" in capsys.readouterr().err
    assert main(["gla", "--data", str(tmp_path), "--n", "0"], PROG) == 2
