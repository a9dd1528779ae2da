"""`waefader bench render --json` on the tiny model prints the figures contract's keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from realtime.cli import bench_render

KEYS = ("render_ms_p50", "render_ms_p99", "first_audio_ms_p50", "rtf", "gla_ms_p50", "gla_ratio")


def test_bench_render_json(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--model", str(tiny_model_dir), "--json", "--n", "4", "--gla-runs", "1"]
    assert bench_render.main(argv, prog="waefader bench render") == 0
    out = json.loads(capsys.readouterr().out)
    for key in KEYS:
        assert isinstance(out[key], float) and out[key] > 0, key
    assert out["render_ms_p50"] <= out["render_ms_p99"]
    assert out["rtf"] == pytest.approx(out["note_ms"] / out["render_ms_p50"], rel=0.01)
    assert out["gla_ratio"] == pytest.approx(out["gla_ms_p50"] / out["render_ms_p50"], rel=0.01)
    assert out["threads"] == 1 and out["head_samples"] == 2304
    assert set(out["graph_bytes"]) == {"synth.onnx", "synth_head.onnx", "encoder.onnx"}


def test_bench_render_text(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--model", str(tiny_model_dir), "--n", "2", "--gla-runs", "1"]
    assert bench_render.main(argv) == 0
    text = capsys.readouterr().out
    assert "whole note" in text and "Griffin-Lim" in text
