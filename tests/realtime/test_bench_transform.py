"""`waefader bench transform` on the tiny exported model: a short run prints every figure,
from made notes or a folder; a folder without audio is one clear error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from realtime.cli import bench_transform


def test_short_run_prints_every_figure(tiny_model_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = bench_transform.main(
        ["--model", str(tiny_model_dir), "--notes", "2", "--renders", "4", "--json"]
    )
    assert code == 0
    r = json.loads(capsys.readouterr().out)
    for key in ("encode_ms_p50", "edit_ms_p50", "render_idle_ms_p50", "render_busy_ms_p99"):
        assert r[key] > 0, key
    assert r["total_ms_p50"] >= r["encode_ms_p50"] and (r["notes"], r["renders"]) == (2, 4)
    assert r["total_ms_max"] >= r["total_ms_p50"]


def test_a_folder_of_notes_and_one_without(tiny_model_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    notes, _ = bench_transform.made_notes(1)[0]
    sf.write(tmp_path / "a.wav", notes, 44100)
    (tmp_path / "b.txt").write_text("not audio")
    assert bench_transform.folder_notes(tmp_path, 5)[0][1] == 44100
    empty = tmp_path / "empty"
    empty.mkdir()
    code = bench_transform.main(["--model", str(tiny_model_dir), "--input", str(empty)])
    assert code == 2 and "holds no readable audio" in capsys.readouterr().err
    assert np.asarray(notes).shape[1] == 2
