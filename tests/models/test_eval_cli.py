"""``waefader evaluate`` end to end on tiny runs trained by the training CLIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.evaluation import cli
from models.evaluation.judges import ATTRIBUTES
from models.evaluation.synthetic import build_synthetic_corpus
from models.training import cli_finetune, cli_mcnn, cli_train

RUN_FLAGS = ["--tiny", "--no-progress", "--threads", "1"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("eval_cli")
    corpus = build_synthetic_corpus(root / "corpus", notes_per_style=25)
    out = {"corpus": corpus}
    for variant in ("wae-style", "wae-fader"):
        run = root / variant
        assert cli_train.main(["--model", variant, "--data", str(corpus), "--out", str(run),
                               "--steps", "6", *RUN_FLAGS], "waefader train") == 0
        out[variant] = run
    assert cli_mcnn.main(["--data", str(corpus), "--out", str(root / "mcnn"), "--steps", "4",
                          *RUN_FLAGS], "waefader train-mcnn") == 0
    assert cli_finetune.main(["--run", str(out["wae-fader"]), "--mcnn", str(root / "mcnn"),
                              "--steps", "2", *RUN_FLAGS], "waefader finetune") == 0
    return out


def test_evaluate_writes_the_contract(runs: dict[str, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    argv = ["--run", str(runs["wae-style"]), "--run", str(runs["wae-fader"]),
            "--data", str(runs["corpus"]), "--out", str(out), "--tiny", "--json"]
    assert cli.main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    rep = json.loads((out / "report.json").read_text())
    assert printed == rep
    assert set(rep["judges"]) == set(ATTRIBUTES)
    assert set(rep["models"]) == {"wae-style", "wae-fader"}
    for m in rep["models"].values():
        assert all(0.0 <= m["generation"][a] <= 1.0 for a in ATTRIBUTES)
        assert all(0.0 <= m["latent_probe"][a] <= 1.0 for a in ATTRIBUTES)
        assert set(m["reconstruction"]) == {"mel_l1", "spectral_convergence", "lsd_db"}
    # Griffin-Lim and the base MCNN (found through RUN/mcnn's config) on real features,
    # and the fine-tuned MCNN behind the Fader's decoder.
    assert {"griffin_lim", "mcnn", "wae-fader+mcnn_finetuned"} <= set(rep["renderers"])
    assert "wae-style+mcnn_finetuned" not in rep["renderers"]
    assert (out / "judges" / "judges.pt").is_file()
    assert (out / "figures" / "latent_tsne.png").is_file()
    assert list((out / "audio" / "generated" / "wae-fader").glob("*-mcnn_finetuned.wav"))
    assert "| wae-fader |" in (out / "report.md").read_text()


def test_evaluate_refuses_a_folder_that_is_not_a_run(runs: dict[str, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--run", str(tmp_path), "--data", str(runs["corpus"]), "--out",
                     str(tmp_path / "r"), "--tiny"])
    assert code == 2
    assert "not a run folder" in capsys.readouterr().err


def test_evaluate_refuses_a_missing_corpus(runs: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--run", str(runs["wae-fader"]), "--data", str(tmp_path / "none"),
                     "--out", str(tmp_path / "r"), "--tiny"])
    assert code == 2
    assert "not a corpus" in capsys.readouterr().err


def test_base_mcnn_found_beside_the_run_when_recorded_relative(tmp_path: Path) -> None:
    from models.evaluation.loading import base_mcnn_dir

    (tmp_path / "mcnn").mkdir()
    (tmp_path / "mcnn" / "config.json").write_text("{}")
    (tmp_path / "run" / "mcnn").mkdir(parents=True)
    (tmp_path / "run" / "mcnn" / "config.json").write_text(
        json.dumps({"finetuned_from": {"mcnn_run": "mcnn"}}))
    assert base_mcnn_dir([tmp_path / "run"], None) == tmp_path / "mcnn"
    assert base_mcnn_dir([tmp_path / "run"], tmp_path / "x") == tmp_path / "x"
    assert base_mcnn_dir([tmp_path / "mcnn"], None) is None


class _Clock:
    """A stderr that remembers when it was first written to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.first: float | None = None

    def write(self, text: str) -> int:
        import time

        if self.first is None and text.strip():
            self.first = time.monotonic()
        self.lines += [line for line in text.splitlines() if line.strip()]
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def test_evaluate_on_a_users_library_prints_progress_at_once_and_checks_no_default_targets(
    runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import sys
    import time

    clock = _Clock()
    monkeypatch.setattr(sys, "stderr", clock)
    out = tmp_path / "report"
    argv = ["--run", str(runs["wae-fader"]), "--data", str(runs["corpus"]), "--out", str(out),
            "--tiny", "--threads", "1"]
    t0 = time.monotonic()
    assert cli.main(argv) == 0
    assert clock.first is not None and clock.first - t0 < 5.0
    assert clock.lines[0].startswith("waefader evaluate: judges: training")
    assert any(line.startswith("judges: ") and "epoch" in line for line in clock.lines)
    assert any("writing the report" in line for line in clock.lines)
    assert not any("\r" in line for line in clock.lines)
    rep = json.loads((out / "report.json").read_text())
    assert "targets" not in rep and rep["targets_from"] is None  # a synthetic corpus
    md = (out / "report.md").read_text()
    assert "None checked" in md and "**miss**" not in md
    names = [p.name for p in (out / "audio" / "real").iterdir()]
    assert names and all(re.fullmatch(r"\d\d-[A-G]s?-?\d-\w+-(pp|mf|ff)\.wav", n) for n in names)
    generated = [p.name for p in (out / "audio" / "generated" / "wae-fader").iterdir()]
    assert all(re.match(r"[A-G]s?-?\d-\w+-(pp|mf|ff)-", n) for n in generated)


def test_evaluate_checks_the_targets_of_a_file(runs: dict[str, Path], tmp_path: Path) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text("octave = 0.0\nmcnn_vs_griffin_lim = 100.0\n")
    out = tmp_path / "report"
    argv = ["--run", str(runs["wae-fader"]), "--data", str(runs["corpus"]), "--out", str(out),
            "--tiny", "--no-progress", "--no-audio", "--targets", str(targets)]
    assert cli.main(argv) == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["targets_from"] == str(targets)
    assert [t["name"] for t in rep["targets"]] == [
        "wae-fader generated octave >= 0.00",
        "MCNN spectral convergence <= 100 x Griffin-Lim (100 it.)",
    ]
    assert [t["passed"] for t in rep["targets"]] == [True, True]
    assert "see the notes" not in (out / "report.md").read_text()
    targets.write_text('{"loudness": 3}')
    assert cli.main([*argv[:-1], str(targets)]) == 2


def test_reconstruction_row_labels_do_not_overlap() -> None:
    import numpy as np

    from models.evaluation.figures import reconstruction_figure

    x = np.random.default_rng(0).random((6, 32, 16)).astype(np.float32)
    labels = [f"C#{i} a_long_style_name_{i} ff" for i in range(6)]
    fig = reconstruction_figure(x, {"wae-fader": x, "wae-style": x}, labels)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [ax.yaxis.label.get_window_extent(renderer) for ax in fig.axes[::3]]
    assert len(boxes) == 6
    for i in range(len(boxes) - 1):
        assert not boxes[i].overlaps(boxes[i + 1])
    assert min(b.x0 for b in boxes) >= 0  # inside the figure, not cut off


def _bench_quality_folder(root: Path) -> Path:
    """What `waefader bench quality --out DIR` leaves: quality.json and the two figures."""
    root.mkdir(parents=True)
    source = {"judged": 10, "pitch_right": 0.9, "octave_errors": 1, "mrstft": 1.9}
    result = {"model": "tiny-model", "n_keys": 10, "n_styles": 2, "judge": "tiny",
              "quick": True, "pitch_right": 0.9, "library_pitch_right": 0.95,
              "octave_errors": 1, "reconstruction": {"spectral_convergence": 0.6, "lsd_db": 4.4},
              "sources": {"model": source, "library": {**source, "pitch_right": 0.95}}}
    (root / "quality.json").write_text(json.dumps(result))
    for name in ("heatmap.png", "spectrograms.png"):
        (root / name).write_bytes(b"\x89PNG fake")
    return root


def test_evaluate_adds_the_bench_quality_section(runs: dict[str, Path], tmp_path: Path) -> None:
    quality = _bench_quality_folder(tmp_path / "quality")
    out = tmp_path / "report"
    argv = ["--run", str(runs["wae-fader"]), "--data", str(runs["corpus"]), "--out", str(out),
            "--tiny", "--no-audio", "--quality", str(quality)]
    assert cli.main(argv) == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["quality"]["pitch_right"] == 0.9 and rep["quality"]["octave_errors"] == 1
    assert set(rep["quality"]["sources"]) == {"model", "library"}
    md = (out / "report.md").read_text()
    assert "## Sound quality against the library" in md
    assert "pitch right (within 50 cents, torchcrepe) 0.900" in md
    assert "the library's own notes 0.950" in md
    assert "| model | 10 |" in md
    assert "![quality heatmap](figures/quality_heatmap.png)" in md
    assert (out / "figures" / "quality_spectrograms.png").is_file()


def test_evaluate_refuses_a_quality_path_that_is_not_a_bench_result(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "quality.json"
    bad.write_text('{"model": "x"}')
    base = ["--run", str(runs["wae-fader"]), "--data", str(runs["corpus"]), "--tiny",
            "--out", str(tmp_path / "r")]
    assert cli.main([*base, "--quality", str(bad)]) == 2
    assert "not a bench quality result" in capsys.readouterr().err
    assert cli.main([*base, "--quality", str(tmp_path / "none")]) == 2
    assert "no quality.json there" in capsys.readouterr().err
    assert not (tmp_path / "r" / "report.md").exists()  # refused before any work
