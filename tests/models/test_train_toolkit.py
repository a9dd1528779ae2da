"""The training commands as a new user meets them: schedules that fit the run, retries after a
failed start, resume that honours or refuses changes, Ctrl-C, disk full, corrupt files, --config."""

from __future__ import annotations

import csv
import errno
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
import torch
from synth_corpus import make_corpus

from models.config import MCNNTrainConfig, TrainConfig
from models.training import checkpoint, cli_mcnn, cli_train
from models.training.distributed import DistInfo
from models.training.errors import TrainingError
from models.training.loop import LoopSettings, TrainingInterrupted, run_loop
from models.training.schedule import describe, lr_factor, planned

FAST = ["--threads", "1", "--no-progress"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"), n=40)


def wae(corpus: Path, out: Path, *extra: str) -> list[str]:
    return [
        "--model",
        "wae-fader",
        "--data",
        str(corpus),
        "--out",
        str(out),
        "--tiny",
        *FAST,
        *extra,
    ]


def lrs(run: Path) -> list[float]:
    with open(run / "metrics.csv", newline="") as f:
        return [float(r["lr"]) for r in csv.DictReader(f)]


# 1. schedules that fit the run


@pytest.mark.parametrize("steps", [80, 300, 6000])
def test_default_warmup_is_a_fraction_of_the_run_and_reaches_the_peak(steps: int) -> None:
    cfg = TrainConfig(steps=steps)
    assert cfg.warmup == max(1, round(0.03 * steps))
    factors = [lr_factor(s, steps, cfg.warmup, cfg.lr_final_fraction) for s in range(steps)]
    assert max(factors) == pytest.approx(1.0)
    assert factors.index(max(factors)) < steps // 10  # the peak early, then a decay to the end
    assert factors[-1] == pytest.approx(cfg.lr_final_fraction, abs=1e-3)


def test_warmup_flag_takes_steps_or_a_fraction_and_refuses_one_longer_than_the_run(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_train.main(wae(corpus, tmp_path / "a", "--steps", "30", "--warmup", "0.2")) == 0
    out = capsys.readouterr().out
    assert "lr warm-up to 0.001 over 6 step(s), cosine decay to 0.0001 at step 30" in out
    assert "adversarial alpha 0 until step 3, linear to 4 at step 15" in out
    saved = json.loads((tmp_path / "a" / "config.json").read_text())["train"]
    assert (saved["warmup_steps"], saved["warmup_fraction"]) == (0, 0.2)
    assert max(lrs(tmp_path / "a")) == pytest.approx(1e-3)
    assert cli_train.main(wae(corpus, tmp_path / "b", "--steps", "10", "--warmup", "50")) == 2
    assert "warm-up of 50 steps is longer than the run (10 steps)" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_an_80_step_run_reaches_its_peak_learning_rate(corpus: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert cli_train.main(wae(corpus, run, "--steps", "80", "--lr", "0.002")) == 0
    seen = lrs(run)
    assert max(seen) == pytest.approx(0.002)
    assert seen[-1] == pytest.approx(0.0002, rel=0.05)  # and decays to the end
    plan = planned(json.loads((run / "config.json").read_text())["train"])
    assert [v for _, v in plan["lr"]] == pytest.approx(seen)  # the plot's planned curve


def test_mcnn_schedule_is_printed(corpus: Path, tmp_path: Path) -> None:
    line = describe(MCNNTrainConfig(steps=200).to_dict())
    assert (
        line == "schedule: lr warm-up to 0.001 over 6 step(s), cosine decay to 0.0001 at step 200"
    )


def test_plot_draws_the_planned_schedule(corpus: Path, tmp_path: Path) -> None:
    from models.training import cli_plot

    run = tmp_path / "run"
    assert cli_train.main(wae(corpus, run, "--steps", "20")) == 0
    assert cli_plot.planned_series(run)["alpha"][-1] == (20, 4.0)
    assert cli_plot.main([str(run)]) == 0 and (run / "metrics.png").stat().st_size > 1000


# 2. runs that can be retried


def test_a_failed_start_writes_nothing_and_the_corrected_command_runs(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    assert cli_train.main(wae(corpus, run, "--batch-size", "64", "--steps", "4")) == 2
    err = capsys.readouterr().err
    assert "fewer than one batch of 64; pass --batch-size" in err
    assert not run.exists() or not any(run.iterdir())
    assert cli_train.main(wae(corpus, run, "--batch-size", "16", "--steps", "4")) == 0
    assert json.loads((run / "config.json").read_text())["train"]["batch_size"] == 16


def test_resume_applies_safe_changes_and_refuses_the_others(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    assert cli_train.main(wae(corpus, run, "--steps", "8")) == 0
    before = (run / "checkpoint.pt").read_bytes()
    code = cli_train.main(wae(corpus, run, "--resume", "--batch-size", "16", "--lr", "0.01"))
    err = capsys.readouterr().err
    assert code == 2
    assert "--batch-size 16 (the run has 8); --lr 0.01 (the run has 0.001)" in err
    assert (run / "checkpoint.pt").read_bytes() == before
    assert cli_train.main(wae(corpus, run, "--resume", "--steps", "12", "--log-every", "2")) == 0
    config = json.loads((run / "config.json").read_text())
    assert (config["train"]["steps"], config["train"]["log_every"]) == (12, 2)
    assert "resume: steps 8 -> 12" in capsys.readouterr().err
    assert config["segments"] == [
        {"from_step": 0, "world_size": 1},
        {"from_step": 8, "world_size": 1},
    ]


def test_resume_records_the_world_size_of_each_segment(corpus: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert cli_train.main(wae(corpus, run, "--steps", "8")) == 0
    path = run / "config.json"
    config = json.loads(path.read_text())
    # As a torchrun run with two processes would have left it:
    config.update(world_size=2, segments=[{"from_step": 0, "world_size": 2}])
    path.write_text(json.dumps(config))
    assert cli_train.main(wae(corpus, run, "--resume", "--steps", "10")) == 0
    config = json.loads(path.read_text())
    assert config["world_size"] == 1
    assert config["segments"] == [
        {"from_step": 0, "world_size": 2},
        {"from_step": 8, "world_size": 1},
    ]


# 6. Ctrl-C saves a checkpoint


class CountingTask:
    columns = ("loss",)
    steps_per_epoch = 10

    def __init__(self, interrupt_at: int) -> None:
        self.interrupt_at, self.done = interrupt_at, 0

    def train_step(self, step: int) -> dict[str, float]:
        self.done += 1
        if step == self.interrupt_at:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of a step
        return {"loss": 1.0 / (step + 1)}

    def validate(self) -> dict[str, float]:
        return {}

    def state(self) -> dict[str, Any]:
        return {"model": {"done": self.done}}

    def load_state(self, state: dict[str, Any]) -> None:
        self.done = state["model"]["done"]


def test_ctrl_c_finishes_the_step_saves_a_checkpoint_and_says_where_it_resumes(
    tmp_path: Path,
) -> None:
    task = CountingTask(interrupt_at=6)
    settings = LoopSettings(total_steps=100, checkpoint_every=50, progress=False)
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when started in the background (CI)
    with pytest.raises(TrainingInterrupted) as exc:
        run_loop(task, tmp_path, settings, DistInfo(0, 1, torch.device("cpu")), "wae")
    assert "interrupted at step 7; checkpoint saved" in str(exc.value)
    assert "--resume continues from step 7" in str(exc.value)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert state["step"] == 7 and state["model"] == {"done": 7}
    assert signal.getsignal(signal.SIGINT) is before  # the loop puts back what it found


# 9. training files are safe


def test_disk_full_while_checkpointing_is_one_line_and_keeps_the_last_checkpoint(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = tmp_path / "run"
    assert cli_train.main(wae(corpus, run, "--steps", "4")) == 0
    good = (run / "checkpoint.pt").read_bytes()

    def full(state: Any, f: Any) -> None:
        f.write(b"x" * 4096)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(checkpoint.torch, "save", full)
    assert cli_train.main(wae(corpus, run, "--resume", "--steps", "8")) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[0] == "resume: steps 4 -> 8" and len(err.splitlines()) == 2
    assert "No space left on device" in err and "the previous checkpoint is kept" in err
    assert (run / "checkpoint.pt").read_bytes() == good
    assert sorted(p.name for p in run.iterdir() if p.name.endswith(".tmp")) == []


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", ""])
def test_a_corrupt_config_json_on_resume_is_one_line(
    text: str, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(text)
    assert cli_train.main(wae(corpus, run, "--resume")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "config.json" in err and "Traceback" not in err


# 10. --config FILE


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_config_file_gives_the_options_and_the_command_line_wins(
    suffix: str, corpus: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    values = {"model": "wae-note", "data": str(corpus), "batch-size": 4, "steps": 6, "lr": 0.002}
    path = tmp_path / f"settings{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(values))
    else:
        path.write_text("\n".join(f"{k} = {json.dumps(v)}" for k, v in values.items()))
    args = ["--config", str(path), "--out", str(run), "--tiny", "--steps", "5", *FAST]
    assert cli_train.main(args) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["variant"] == "wae-note"
    assert (config["train"]["batch_size"], config["train"]["steps"]) == (4, 5)
    settings = json.loads((run / "settings.json").read_text())
    assert settings["steps"] == 5 and settings["lr"] == 0.002 and "threads" not in settings
    # settings.json repeats the run elsewhere
    again = tmp_path / "again"
    assert cli_train.main(["--config", str(run / "settings.json"), "--out", str(again)]) == 0
    assert json.loads((again / "config.json").read_text())["train"] == config["train"]


def test_config_file_with_an_unknown_key_is_refused(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"data": str(corpus), "batchsize": 4}))
    with pytest.raises(SystemExit) as exc:
        cli_mcnn.main(["--config", str(path), "--out", str(tmp_path / "r")])
    assert exc.value.code == 2
    assert "unknown option(s) batchsize" in capsys.readouterr().err


def test_config_errors_are_training_errors() -> None:
    with pytest.raises(TrainingError):
        from models.training.cli_common import read_settings

        read_settings(Path("/nonexistent.toml"), cli_train.build_parser("x"))


def test_run_guarded_turns_interrupts_and_os_errors_into_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from models.training.cli_common import run_guarded

    def interrupted() -> int:
        raise TrainingInterrupted("interrupted at step 7; --resume continues from step 7")

    def disk_full() -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "run/metrics.csv")

    assert run_guarded("waefader train", interrupted) == 130
    assert capsys.readouterr().err == (
        "waefader train: interrupted at step 7; --resume continues from step 7\n"
    )
    assert run_guarded("waefader train", disk_full) == 2
    assert capsys.readouterr().err == (
        "waefader train: error: run/metrics.csv: No space left on device\n"
    )
