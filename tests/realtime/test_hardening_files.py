"""Issue 16, files: what an OSC sender may read and write (the preset folders, the
--allow-dir folders, nothing else), one answer for every refusal, no paths in /status,
and preset values validated with one-line errors (raw bytes through the dispatcher)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from engine_fakes import make_engine

from realtime.engine.controls import Controls
from realtime.engine.presets import PresetError, apply_preset, load_preset, parse_preset
from realtime.osc.dispatcher import OscDispatcher, build
from realtime.osc.sandbox import AllowedDirs, NotAllowed

SENDER = ("127.0.0.1", 50000)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private config folder; ``outside`` holds files no sender may touch."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "victim.json").write_text("precious")
    return tmp_path


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): (p.read_text() if p.is_file() else "<dir>")
        for p in sorted(root.rglob("*"))
        if "config" not in p.relative_to(root).parts
    }


def test_preset_save_cannot_write_outside_the_user_folder(home: Path) -> None:
    osc = OscDispatcher(make_engine())
    victim = home / "outside" / "victim.json"
    user = home / "config" / "waefader" / "presets"
    user.mkdir(parents=True)
    (user / "link.json").symlink_to(victim)
    before = snapshot(home)
    names = [
        str(victim),  # absolute path
        "../../../outside/victim.json",  # traversal
        "../../../outside/new.json",
        "link",  # a symlink in the folder pointing out
        "sub/dir/new",  # creating folders
        str(home / "outside" / "made" / "x.json"),
        ".hidden",
        "",
    ]
    for name in names:
        osc.handle_datagram(build("/waefader/preset/save", name), SENDER)
        osc.handle_datagram(build("/waefader/preset/save", name, "overwrite"), SENDER)
    assert snapshot(home) == before  # nothing outside changed or appeared
    assert victim.read_text() == "precious" and (user / "link.json").is_symlink()
    assert osc.counters.refused == 2 * len(names)
    assert sorted(p.name for p in user.iterdir()) == ["link.json"]


def test_preset_save_by_name_never_overwrites_unless_asked(home: Path) -> None:
    osc = OscDispatcher(make_engine())
    osc.handle_datagram(build("/waefader/gain", -3.0), SENDER)
    osc.handle_datagram(build("/waefader/preset/save", "pad"), SENDER)
    path = home / "config" / "waefader" / "presets" / "pad.json"
    assert json.loads(path.read_text())["controls"]["gain"] == -3.0
    osc.handle_datagram(build("/waefader/gain", -6.0), SENDER)
    osc.handle_datagram(build("/waefader/preset/save", "pad"), SENDER)
    assert json.loads(path.read_text())["controls"]["gain"] == -3.0 and osc.counters.refused == 1
    osc.handle_datagram(build("/waefader/preset/save", "pad", "overwrite"), SENDER)
    assert json.loads(path.read_text())["controls"]["gain"] == -6.0
    assert [p.name for p in path.parent.iterdir()] == ["pad.json"]  # no temporary left


def test_preset_load_reads_only_the_preset_folders_and_answers_alike(home: Path) -> None:
    osc = OscDispatcher(make_engine())
    secret = home / "outside" / "secret.json"
    secret.write_text(json.dumps({"format": "waefader-preset", "version": 1,
                                  "controls": {"gain": -20.0}}))  # fmt: skip
    unreadable = home / "outside" / "unreadable.json"
    unreadable.write_text("{}")
    unreadable.chmod(0)
    user = home / "config" / "waefader" / "presets"
    user.mkdir(parents=True)
    (user / "escape.json").symlink_to(secret)
    for name in (str(secret), "../../../outside/secret", "escape", str(unreadable),
                 "/etc/shadow", "missing"):  # fmt: skip
        osc.handle_datagram(build("/waefader/preset", name), SENDER)
        assert osc.last_problem == "/waefader/preset: not allowed or not found", name
    assert osc.engine.get("gain") == 0.0 and osc.counters.refused == 6
    status = json.dumps(osc.status())
    assert str(home) not in status and "secret" not in status and "shadow" not in status


def test_transform_reads_only_allowed_folders_with_one_answer(home: Path) -> None:
    allowed = home / "samples"
    allowed.mkdir()
    note = allowed / "note.wav"
    sf.write(note, np.zeros(4410, np.float32), 44100)
    (allowed / "escape.wav").symlink_to(home / "outside" / "victim.json")
    os.mkfifo(allowed / "fifo.wav")  # opening it for reading would block the OSC thread
    box = AllowedDirs([allowed])
    with box.open(str(note)) as f:
        assert f.read(4) == b"RIFF"
    osc = OscDispatcher(make_engine(), allow_dirs=box)
    answers = []
    for name in ("/etc/shadow", str(home / "outside" / "victim.json"), str(allowed / "missing"),
                 str(allowed / ".." / "outside" / "victim.json"), str(allowed / "escape.wav"),
                 str(allowed / "fifo.wav"), str(allowed)):  # fmt: skip
        with pytest.raises(NotAllowed):
            box.open(name)
        answers += osc.handle_datagram(build("/waefader/transform", name), SENDER)
    assert osc.counters.refused == 7 and osc.jobs.pending == 0
    from pythonosc.osc_message import OscMessage

    texts = {str(OscMessage(d).params[1]) for d, _ in answers}
    assert texts == {"not allowed or not found"} and len(answers) == 7
    assert str(home) not in json.dumps(osc.status())
    with pytest.raises(NotAllowed):  # no folder allowed (the default): everything refused
        AllowedDirs().open(str(note))


@pytest.mark.parametrize(
    ("controls", "warning"),
    [
        ({"style": {"flute": "abc"}}, "style weights must be numbers"),
        ({"style": {"flute": None}}, "style weights must be numbers"),
        ({"style": None, "gain": "loud"}, "gain takes numbers"),
        ({"style": [1, 2]}, "'style' must map"),
        ({"latent": "x"}, "latent"),
        ({"release": [[1]]}, "release"),
        ({"nonsense": 1}, "unknown control"),
    ],
)
def test_bad_preset_values_are_one_line_warnings(controls: dict, warning: str) -> None:
    c = Controls(("flute", "violin"), 4)
    before = c.values()
    data = {"format": "waefader-preset", "version": 1, "controls": controls}
    warnings = apply_preset(c, data)
    assert any(warning in w for w in warnings), warnings
    assert all("\n" not in w for w in warnings)
    assert c.values()["gain"] == before["gain"]


def test_deep_or_huge_preset_files_are_refused_in_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"format": "waefader-preset", "version": 1, "controls": '
                    + "[" * 100000 + "]" * 100000 + "}")  # fmt: skip
    nested = tmp_path / "nested.json"
    nested.write_text(json.dumps({"format": "waefader-preset", "version": 1,
                                  "controls": {"style": {"a": [[[1]]]}}}))  # fmt: skip
    c = Controls(("flute",), 4)
    for path, reason in ((deep, "KB"), (nested, "nests deeper")):
        with pytest.raises(PresetError, match=reason):
            load_preset(c, path)
    with pytest.raises(PresetError, match="nested too deeply"):
        parse_preset(b"[" * 30000 + b"]" * 30000, "x")
