"""Starting a WAE run from another run's weights, with its encoder kept (decoder refits)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from synth_corpus import make_corpus

from models.config import TrainConfig
from models.training import cli_train
from models.training.runs import load_wae

FAST = ["--threads", "1", "--no-progress", "--tiny", "--model", "wae-fader"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def test_refit_keeps_the_encoder_and_trains_a_new_harmonic_head(
    corpus: Path, tmp_path: Path
) -> None:
    base, refit = tmp_path / "base", tmp_path / "refit"
    assert cli_train.main(["--data", str(corpus), "--out", str(base), *FAST]) == 0
    args = ["--data", str(corpus), "--out", str(refit), "--init-from", str(base),
            "--freeze-encoder", "--dec-head", "harmonic", *FAST]
    assert cli_train.main(args) == 0
    before, _ = load_wae(base)
    after, cfg = load_wae(refit)
    assert cfg.dec_head == "harmonic"
    for (name, a), b in zip(before.encoder.state_dict().items(),
                            after.encoder.state_dict().values(), strict=True):
        assert torch.equal(a, b), f"encoder {name} changed"
    moved = [not torch.equal(a, b) for a, b in zip(before.decoder.blocks.state_dict().values(),
                                                    after.decoder.blocks.state_dict().values(),
                                                    strict=True)]
    assert any(moved)  # the decoder trunk started from base and trained on


def test_freeze_needs_a_run_to_start_from(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="init_from"):
        TrainConfig(freeze_encoder=True)
    args = ["--data", str(corpus), "--out", str(tmp_path / "r"), "--init-from",
            str(tmp_path / "missing"), *FAST]
    assert cli_train.main(args) != 0
