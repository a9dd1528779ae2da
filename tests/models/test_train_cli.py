"""The training commands end to end at toy size: every variant, MCNN, finetune, plot, bench."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from synth_corpus import make_corpus

from models.config import VARIANTS
from models.mcnn import MCNN
from models.training import bench, cli_finetune, cli_mcnn, cli_plot, cli_train
from models.training.errors import TrainingError
from models.training.runs import load_mcnn, load_wae
from models.wae import WAE

FAST = ["--threads", "1", "--no-progress"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def rows(run: Path) -> list[dict[str, str]]:
    with open(run / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_train_help_lists_the_four_variants(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli_train.main(["--help"], prog="waefader train")
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert all(v in out for v in VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_trains_a_few_steps_from_the_cli(
    variant: str, corpus: Path, tmp_path: Path
) -> None:
    run = tmp_path / variant
    assert (
        cli_train.main(
            ["--model", variant, "--data", str(corpus), "--out", str(run), "--tiny", *FAST]
        )
        == 0
    )
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["variant"] == variant
    assert config["styles"] == ["soft", "bright", "hollow"]
    assert config["data_sha256"] == json.loads((corpus / "card.json").read_text())["sha256"]
    assert set(config["style_ranges"]) == set(config["styles"])
    table = rows(run)
    assert [int(r["step"]) for r in table] == list(range(1, 21))
    assert all(float(r["recon"]) > 0 for r in table)
    assert (table[-1]["disc"] != "") == (variant == "wae-fader")
    model, cfg = load_wae(run)
    assert isinstance(model, WAE) and not model.training and cfg.variant == variant


def test_reconstruction_loss_decreases(corpus: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = [
        "--model",
        "wae-note",
        "--data",
        str(corpus),
        "--out",
        str(run),
        "--tiny",
        "--steps",
        "80",
    ]
    assert cli_train.main([*args, "--lr", "3e-3", *FAST]) == 0
    recon = [float(r["recon"]) for r in rows(run)]
    assert sum(recon[-10:]) / 10 < 0.7 * sum(recon[:10]) / 10


def test_mcnn_finetune_and_loaders(corpus: Path, tmp_path: Path) -> None:
    wae_run, mcnn_run = tmp_path / "wae", tmp_path / "mcnn"
    assert (
        cli_train.main(
            ["--model", "wae-fader", "--data", str(corpus), "--out", str(wae_run), "--tiny", *FAST]
        )
        == 0
    )
    assert cli_mcnn.main(["--data", str(corpus), "--out", str(mcnn_run), "--tiny", *FAST]) == 0
    table = rows(mcnn_run)
    assert float(table[-1]["valid_sc"]) > 0 and float(table[-1]["valid_lsd_db"]) > 0
    base, _ = load_mcnn(mcnn_run)
    args = ["--run", str(wae_run), "--mcnn", str(mcnn_run), "--tiny", *FAST]
    assert cli_finetune.main(args) == 0
    tuned, cfg = load_mcnn(wae_run)  # a WAE run folder leads to its fine-tuned MCNN
    assert isinstance(tuned, MCNN) and not tuned.training
    config = json.loads((wae_run / "mcnn" / "config.json").read_text())
    assert config["kind"] == "mcnn" and config["finetuned_from"]["wae_run"] == str(wae_run)
    changed = any(
        not torch.equal(a, b)
        for a, b in zip(base.state_dict().values(), tuned.state_dict().values(), strict=True)
    )
    assert changed
    x = torch.rand(1, cfg.features.n_mels, cfg.features.n_frames)
    assert tuned(x).shape == (1, cfg.features.note_samples)


def test_plot_writes_a_png(corpus: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert (
        cli_train.main(
            ["--model", "wae-fader", "--data", str(corpus), "--out", str(run), "--tiny", *FAST]
        )
        == 0
    )
    assert cli_plot.main([str(run), "--smooth", "3"]) == 0
    png = (run / "metrics.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_clear_errors(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = [
        "--model",
        "wae-note",
        "--data",
        str(tmp_path / "nope"),
        "--out",
        str(tmp_path / "r"),
        *FAST,
    ]
    assert cli_train.main(missing) == 2
    assert "dataset build" in capsys.readouterr().err
    run = tmp_path / "run"
    base = ["--data", str(corpus), "--out", str(run), "--tiny", *FAST]
    assert cli_train.main(["--model", "wae-note", *base]) == 0
    assert cli_train.main(["--model", "wae-note", *base]) == 2  # would clobber a run
    assert "--resume" in capsys.readouterr().err
    assert cli_train.main(["--model", "wae-style", *base, "--resume"]) == 2
    assert "trains wae-note" in capsys.readouterr().err
    assert cli_mcnn.main([*base, "--resume"]) == 2  # a WAE run is not an MCNN run
    (run / "checkpoint.pt").write_bytes(b"not a checkpoint")
    assert cli_train.main(["--model", "wae-note", *base, "--resume"]) == 2
    assert "cannot read checkpoint" in capsys.readouterr().err
    with pytest.raises(TrainingError, match="no fine-tuned MCNN"):
        load_mcnn(run)


def test_incompatible_checkpoint_is_refused(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    base = ["--model", "wae-note", "--data", str(corpus), "--out", str(run), "--tiny", *FAST]
    assert cli_train.main(base) == 0
    config = json.loads((run / "config.json").read_text())
    config["model"]["dec_channels"] = [24, 24]
    (run / "config.json").write_text(json.dumps(config))
    assert cli_train.main([*base, "--resume", "--steps", "30"]) == 2
    assert "incompatible checkpoint" in capsys.readouterr().err
    with pytest.raises(TrainingError, match="does not match"):
        load_wae(run)


def test_bench_prints_the_figures_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--json", "--seconds", "0", "--threads", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "wae-fader" and out["threads"] == 1 and out["examples_per_s"] > 0
    assert [r["model"] for r in out["results"]] == ["wae-fader", "mcnn"]
    assert all(r["examples_per_s"] > 0 for r in out["results"])


def test_mcnn_architecture_flags(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--data", str(corpus), "--tiny", "--steps", "2", *FAST]
    run = tmp_path / "m"
    assert (
        cli_mcnn.main(
            [*base, "--out", str(run), "--heads", "3", "--channels", "4,4,1", "--kernels", "8,8,8"]
        )
        == 0
    )
    _, cfg = load_mcnn(run)
    assert (cfg.n_heads, cfg.channels, cfg.kernels) == (3, (4, 4, 1), (8, 8, 8))
    assert cli_mcnn.main([*base, "--out", str(tmp_path / "bad"), "--strides", "4,4"]) == 2
    assert "bad MCNN architecture" in capsys.readouterr().err


def test_l1_plus_sc_trains_from_the_cli_and_keeps_its_weight(corpus: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = ["--model", "wae-note", "--data", str(corpus), "--out", str(run), "--tiny"]
    assert cli_train.main([*args, "--recon", "l1+sc", "--sc-weight", "0.3", *FAST]) == 0
    settings = json.loads((run / "config.json").read_text())
    assert settings["train"]["recon_loss"] == "l1+sc" and settings["train"]["sc_weight"] == 0.3
    # the logged term is L1 plus the weighted SC; validation stays plain L1, comparable
    last = rows(run)[-1]
    assert float(last["recon"]) > float(last["valid_recon"]) > 0


def test_the_waveform_term_trains_the_harmonic_head_on_the_notes_audio(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    args = ["--model", "wae-note", "--data", str(corpus), "--out", str(run), "--tiny",
            "--dec-head", "harmonic", "--steps", "40", "--lr", "3e-3", *FAST]
    assert cli_train.main([*args, "--wave-weight", "0.5", "--wave-batch", "4"]) == 0
    settings = json.loads((run / "config.json").read_text())["train"]
    assert settings["wave_weight"] == 0.5 and settings["wave_batch"] == 4
    wave = [float(r["wave"]) for r in rows(run)]
    assert len(wave) == 40 and all(np.isfinite(wave))
    assert sum(wave[-8:]) / 8 < 0.9 * sum(wave[:8]) / 8  # the notes' spectra get closer
    # the paper's linear head has no partials to play: one clear line
    bad = ["--model", "wae-note", "--data", str(corpus), "--out", str(tmp_path / "bad"),
           "--tiny", "--steps", "2", "--wave-weight", "1", *FAST]
    assert cli_train.main(bad) == 2
    assert "--dec-head harmonic" in capsys.readouterr().err
