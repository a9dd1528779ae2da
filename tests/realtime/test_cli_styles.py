"""--style NAME[=WEIGHT] and --list-styles on render, serve and play; presets of other models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pedalboard.io import AudioFile

from realtime.cli import render, serve
from realtime.cli.styles import StyleError, describe_mix, parse_style, style_weights
from realtime.engine.controls import Controls
from realtime.engine.presets import apply_preset

STYLES = ("violin", "flute", "cello")  # the tiny model's, in its order


def score(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "score.txt"
    head = ["0.0 /waefader/release 0.01", "0.0 /waefader/gain 0"]
    body = ["0.05 /waefader/note_on 67 100 0.05", "0.3 /waefader/note_on 72 100 0.05"]
    path.write_text("\n".join([*head, *lines, *body]) + "\n")
    return path


def rendered(model: Path, path: Path, out: Path, *extra: str) -> tuple[np.ndarray, None]:
    argv = [str(path), "--out", str(out), "--model", str(model), "--json", "--channels", "1"]
    assert render.main([*argv, *extra], "waefader render") == 0
    with AudioFile(str(out)) as f:
        return f.read(f.frames)[0], None


def test_parse_and_weights() -> None:
    assert parse_style("violin") == ("violin", 1.0)
    assert parse_style(" flute=0.25") == ("flute", 0.25)
    assert style_weights(STYLES, ["cello", "flute=0.5"]) == [0.0, 0.5, 1.0]
    for bad in ("=1", "violin=loud", "violin=9"):
        with pytest.raises(StyleError):
            parse_style(bad)
    with pytest.raises(StyleError, match="its styles: violin, flute, cello"):
        style_weights(STYLES, ["oboe"])
    with pytest.raises(StyleError, match="every weight is 0"):
        style_weights(STYLES, ["flute=0"])
    assert describe_mix(STYLES, [0.0, 1.0, 0.0]) == "flute"
    assert describe_mix(STYLES, [0.7, 0.0, 0.3]) == "violin 0.7 + cello 0.3"


def test_render_style_plays_that_style_and_says_so(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a").mkdir()
    plain = score(tmp_path / "a", "0.0 /waefader/style/flute 1", "0.0 /waefader/style/violin 0")
    by_osc, _ = rendered(tiny_model_dir, plain, tmp_path / "osc.wav")
    capsys.readouterr()
    (tmp_path / "b").mkdir()
    bare = score(tmp_path / "b")
    by_flag, _ = rendered(tiny_model_dir, bare, tmp_path / "flag.wav", "--style", "flute")
    summary = json.loads(capsys.readouterr().out)
    assert summary["styles"] == "flute"
    default, _ = rendered(tiny_model_dir, bare, tmp_path / "default.wav")
    assert json.loads(capsys.readouterr().out)["styles"] == "violin"
    assert np.abs(by_flag).max() > 1e-3
    np.testing.assert_allclose(by_flag, by_osc, atol=1e-6)  # flute, as the score would set it
    assert np.abs(by_flag - default).max() > 1e-4  # and not the default style (untrained: close)
    argv = [str(bare), "--out", str(tmp_path / "mix.wav"), "--model", str(tiny_model_dir)]
    argv += ["--style", "violin=0.7", "--style", "cello=0.3", "--no-progress"]
    assert render.main(argv, "waefader render") == 0
    assert "(violin 0.7 + cello 0.3)" in capsys.readouterr().out


def test_render_without_no_progress_prints_no_tqdm_warning(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s").mkdir()
    argv = [str(score(tmp_path / "s")), "--out", str(tmp_path / "x.wav")]
    assert render.main([*argv, "--model", str(tiny_model_dir)], "waefader render") == 0
    captured = capsys.readouterr()
    assert "Warning" not in captured.err and "(violin)" in captured.out


@pytest.mark.parametrize("command", [render.main, serve.main])
def test_list_styles_needs_no_other_option(
    command: object, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command(["--list-styles", "--model", str(tiny_model_dir)], "waefader x") == 0  # type: ignore[operator]
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(STYLES)
    assert all("(MIDI " in line for line in lines)


def test_unknown_style_is_one_line_naming_the_model_styles(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s").mkdir()
    argv = [str(score(tmp_path / "s")), "--out", str(tmp_path / "x.wav")]
    argv += ["--model", str(tiny_model_dir), "--style", "oboe"]
    assert render.main(argv, "waefader render") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "violin, flute, cello" in err


def test_play_passes_style_to_the_headless_server_and_lists_styles(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gui import app
    from gui.headless import serve_argv

    args = app.build_parser("waefader play").parse_args(["--style", "flute=0.5"])
    argv = serve_argv(args)
    assert argv[argv.index("--style") + 1] == "flute=0.5"
    assert app.main(["--list-styles", "--model", str(tiny_model_dir)]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("flute")


def test_a_preset_for_another_models_styles_says_so_once_and_keeps_the_mix() -> None:
    controls = Controls(STYLES, 3)
    controls.set("style", [0.0, 1.0, 0.0])
    data = {"controls": {"style": {"oboe": 1.0, "horn": 0.5}, "gain": -3.0}}
    warnings = apply_preset(controls, data)
    assert len(warnings) == 1
    assert "another model (horn, oboe)" in warnings[0] and "keep their mix" in warnings[0]
    assert list(controls.get("style")) == [0.0, 1.0, 0.0]  # type: ignore[arg-type]
    assert controls.get("gain") == -3.0
    partly = {"controls": {"style": {"oboe": 1.0, "cello": 0.5}}}
    assert apply_preset(controls, partly) == ["styles not in this model, skipped: oboe"]
    assert list(controls.get("style")) == [0.0, 0.0, 0.5]  # type: ignore[arg-type]


def test_play_window_applies_style_after_the_preset_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gui.app import apply_styles_at_start

    class FakeBackend:
        def __init__(self) -> None:
            self.engine = self
            self.controls = Controls(STYLES, 3)

        def get(self, name: str) -> object:
            return self.controls.get(name)

        def set_control(self, name: str, value: object) -> None:
            self.controls.set(name, value)

    backend = FakeBackend()
    apply_styles_at_start(backend, ["cello=0.5", "flute"], "waefader play")  # type: ignore[arg-type]
    assert list(backend.controls.get("style")) == [0.0, 1.0, 0.5]  # type: ignore[arg-type]
    assert capsys.readouterr().out == "waefader play: style flute 1 + cello 0.5\n"
    apply_styles_at_start(backend, ["oboe"], "waefader play")  # type: ignore[arg-type]
    assert "no such style" in capsys.readouterr().err
    assert list(backend.controls.get("style")) == [0.0, 1.0, 0.5]  # type: ignore[arg-type]
