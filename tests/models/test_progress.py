"""Progress helper: a bar on a terminal, plain periodic lines otherwise, nothing when off."""

from __future__ import annotations

import io
import sys
import time

import pytest

from models.progress import progress, stage


class Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_lines_not_carriage_returns_when_stderr_is_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    err = Pipe()
    monkeypatch.setattr(sys, "stderr", err)
    bar = progress(range(4), desc="judges", unit="epoch", interval_s=0.01)
    assert err.getvalue().startswith("judges: 0/4 epoch (0%)")  # said at once
    for _ in bar:
        time.sleep(0.02)
    text = err.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[-1].startswith("judges: 4/4 epoch (100%)")
    assert len(lines) == len(set(lines)) >= 3  # periodic, never the same line twice


def test_disabled_prints_nothing_and_stage_says_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    err = Pipe()
    monkeypatch.setattr(sys, "stderr", err)
    for _ in progress(range(3), desc="x", enabled=False):
        pass
    stage("waefader export", "1. loading run", enabled=False)
    assert err.getvalue() == ""
    stage("waefader export", "1. loading run")
    assert err.getvalue() == "waefader export: 1. loading run\n"
