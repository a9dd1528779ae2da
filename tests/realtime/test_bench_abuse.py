"""``waefader bench abuse`` end to end, small: a real ``serve`` child (tiny model) under
hostile OSC answers, keeps its memory and touches no file outside the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from realtime.cli import bench_abuse


def test_bench_abuse_reports_a_server_that_holds(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--model", str(tiny_model_dir), "--garbage", "400", "--notes", "60", "--json"]
    code = bench_abuse.main(argv)
    r = json.loads(capsys.readouterr().out)
    assert code == 0 and r["ok"], r
    assert r["datagrams_sent"] == sum(r["phases"].values()) + 1  # + the panic
    assert r["still_answering"] and r["status_answer_s"] < 2.0
    assert r["files_touched_outside_sandbox"] == 0 and r["touched"] == []
    assert r["user_presets_after"] == ["escape.json"]  # nothing saved by the attacks
    osc = r["osc"]
    assert osc["too_far"] == 60 and osc["refused"] == 23
    assert osc["malformed"] >= 100 and osc["library_warnings"] >= 100
    assert r["rss_mb_after"] - r["rss_mb_before"] < 100
    assert "2 Hz" in r["osc_last_problem"] or osc["bad_args"] >= 1
