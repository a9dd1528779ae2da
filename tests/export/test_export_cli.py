"""`waefader export --run RUN --out DIR` on a run folder holding an untrained tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from export import cli
from models.config import MCNNConfig, ModelConfig
from models.mcnn import MCNN
from models.training.checkpoint import CHECKPOINT, save_checkpoint
from models.training.runs import FINETUNED_MCNN, run_config, write_run_config
from models.wae.model import WAE
from realtime.model import load_model

STYLES = ("pluck", "swell")
CARD = {"sha256": "ab" * 32, "styles": list(STYLES), "style_ranges": {"pluck": [40, 76]}}


def make_run(root: Path, dec_head: str = "linear") -> Path:
    """A WAE run folder with a fine-tuned MCNN inside, as training writes them."""
    torch.manual_seed(3)
    cfg = ModelConfig.tiny(n_styles=2, style_names=STYLES, dec_head=dec_head)
    run = root / "run"
    for folder, kind, model in (
        (run, "wae", WAE(cfg)),
        (run / FINETUNED_MCNN, "mcnn", MCNN(MCNNConfig.tiny(cfg.features))),
    ):
        folder.mkdir(parents=True)
        config = run_config(kind, model.cfg.to_dict(), {}, CARD, root / "corpus", 10, 1)
        write_run_config(folder, config)
        save_checkpoint(folder / CHECKPOINT, {"model": model.state_dict(), "step": 42})
    (run / "metrics.csv").write_text("step,recon,valid_recon\n10,0.5,\n42,0.25,0.3\n")
    return run


def test_export_cli_writes_a_loadable_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(tmp_path)
    report = tmp_path / "report.json"
    report.write_text(json.dumps({
        "judges": {"style": 0.9},
        "models": {"wae-fader": {"generation": {"style": 0.8, "pitch_class": 0.7}}},
    }))
    out = tmp_path / "model"
    argv = ["--run", str(run), "--out", str(out), "--evaluation", str(report), "--json"]
    assert cli.main(argv, prog="waefader export") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["parity"]["synth_max_abs"] <= 1e-4
    m = json.loads((out / "manifest.json").read_text())
    assert m["evaluation"]["generation"] == {"style": 0.8, "pitch_class": 0.7}
    assert m["evaluation"]["judges"] == {"style": 0.9}
    assert m["provenance"]["dataset_sha256"] == CARD["sha256"]
    assert m["provenance"]["training_steps"] == 42
    assert m["provenance"]["wae"]["metrics"] == {"recon": 0.25, "valid_recon": 0.3}
    commit = m["provenance"]["source"]["commit"]
    assert commit == "unknown" or len(commit) == 40
    # the range the card gives, and the whole layout for the style it does not range
    assert m["style_ranges"] == {"pluck": [40, 76], "swell": [12, 119]}
    synth = load_model(out)
    assert np.isfinite(synth.render(*synth.zeros(3))).all()


def test_export_cli_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["--run", str(tmp_path / "none"), "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 2 and "is not a run folder" in err and "Traceback" not in err
    run = make_run(tmp_path)
    (run / FINETUNED_MCNN / "config.json").unlink()
    code = cli.main(["--run", str(run), "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 2 and "no fine-tuned MCNN" in err
    assert not (tmp_path / "m").exists()


def test_export_says_its_steps_takes_no_progress_and_cleans_up_a_killed_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess

    run = make_run(tmp_path)
    out = tmp_path / "model"
    proc = subprocess.Popen(["true"])  # a process id that has exited
    proc.wait()
    killed = tmp_path / f".model.export-{proc.pid}-abc123"  # as kill -9 would leave it
    killed.mkdir()
    (killed / "synth.onnx").write_bytes(b"x" * 1000)
    argv = ["--run", str(run), "--out", str(out), "--no-parity", "--threads", "1"]
    assert cli.main(argv, prog="waefader export") == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"waefader export: 1. loading {run}"
    assert any("tracing the graphs" in line for line in err)
    assert not killed.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert cli.main([*argv, "--no-progress"], prog="waefader export") == 0
    assert capsys.readouterr().err == ""


def test_a_harmonic_head_is_played_by_the_hpn_vocoder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(tmp_path, dec_head="harmonic")
    out = tmp_path / "model"
    assert cli.main(["--run", str(run), "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["parity"]["synth_max_abs"] <= 1e-4
    m = json.loads((out / "manifest.json").read_text())
    assert m["model"]["vocoder"] == "hpn" and "mcnn" not in m["model"]
    assert m["model"]["hpn"]["partials"] == 80 and m["provenance"]["mcnn"] is None
    synth = load_model(out)
    inputs = synth.zeros(2)
    whole, head = synth.render(*inputs), synth.render_head(*inputs)
    assert np.isfinite(whole).all() and np.abs(whole).max() > 0
    np.testing.assert_allclose(head, whole[:, : head.shape[1]], atol=1e-4)  # a seamless start
    # the paper's MCNN stays selectable
    assert cli.main(["--run", str(run), "--out", str(tmp_path / "m2"), "--vocoder", "mcnn"]) == 0
    assert json.loads((tmp_path / "m2" / "manifest.json").read_text())["model"]["vocoder"] == "mcnn"
    # a finer noise bank: the manifest says so and the graph holds it
    argv = ["--run", str(run), "--out", str(tmp_path / "m3"), "--hpn-bands", "64", "--no-parity"]
    assert cli.main(argv) == 0
    manifest = json.loads((tmp_path / "m3" / "manifest.json").read_text())
    assert manifest["model"]["hpn"]["bands"] == 64
    assert (tmp_path / "m3" / "synth.onnx").stat().st_size > (out / "synth.onnx").stat().st_size
    capsys.readouterr()
    assert cli.main([*argv[:4], "--hpn-bands", "48"]) == 2  # 48 does not divide the Mel bands
    assert "--hpn-bands 48 must divide" in capsys.readouterr().err


def test_hpn_needs_the_harmonic_head(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path)
    code = cli.main(["--run", str(run), "--out", str(tmp_path / "m"), "--vocoder", "hpn"])
    err = capsys.readouterr().err
    assert code == 2 and "harmonic decoder head" in err and "Traceback" not in err


def test_the_parity_line_says_when_notes_differ_only_by_a_snapped_phase() -> None:
    parity = {"synth_max_abs": 1.3e-4, "wave_atol": 1e-4, "n_inputs": 66,
              "phase_only_notes": 33, "spectral_convergence_max": 5.8e-4, "spec_atol": 1e-3}
    summary = {"out": "m", "files": {"synth.onnx": 10}, "total_bytes": 10, "styles": ["a"],
               "parity": parity, "quantization": "none"}
    text = cli.format_text(summary)
    assert ("parity: max |onnx - torch| 0.00013 (tolerance 0.0001); 33 of 66 notes a snapped "
            "phase step apart, spectra within 0.00058 (tolerance 0.001)") in text
    exact = cli.format_text({**summary, "parity": {**parity, "phase_only_notes": 0,
                                                   "synth_max_abs": 2e-5}})
    assert "parity: max |onnx - torch| 2e-05 (tolerance 0.0001)\n" in exact
