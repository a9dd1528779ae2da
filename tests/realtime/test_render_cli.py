"""`waefader render` end to end with the tiny exported model: MIDI files and OSC scores,
every note on its time."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import numpy as np
import pytest
from pedalboard.io import AudioFile

from realtime.cli import render

SR = 48000


def onsets_near(x: np.ndarray, times: list[float], threshold: float = 2e-4) -> list[float]:
    """For each expected time, the first sample above threshold within [-5 ms, +60 ms]."""
    found = []
    for t in times:
        lo, hi = round((t - 0.005) * SR), round((t + 0.06) * SR)
        assert np.abs(x[lo : round(t * SR) - 1]).max(initial=0) < threshold  # silence before
        above = np.flatnonzero(np.abs(x[lo:hi]) > threshold)
        assert above.size, f"no note near {t:.3f} s"
        found.append((lo + int(above[0])) / SR)
    return found


def short_release_preset(tmp_path: Path) -> Path:
    p = tmp_path / "short.json"
    p.write_text(
        json.dumps(
            {"format": "waefader-preset", "version": 1, "controls": {"release": 0.01, "gain": 0.0}}
        )
    )
    return p


def test_midi_file_notes_start_within_1_ms(tiny_model_dir: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    times = [round(0.1 + 0.23 * i + float(rng.uniform(0, 0.05)), 4) for i in range(12)]
    mid = mido.MidiFile(ticks_per_beat=960)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=500000))  # 1 tick = 1/1920 s
    events = []
    for i, t in enumerate(times):
        events.append((t, mido.Message("note_on", note=55 + 3 * i, velocity=100)))
        events.append((t + 0.05, mido.Message("note_off", note=55 + 3 * i)))
    now = 0
    for t, msg in sorted(events, key=lambda e: e[0]):
        tick = round(t * 1920)
        track.append(msg.copy(time=tick - now))
        now = tick
    path = tmp_path / "notes.mid"
    mid.save(path)
    times = [round(round(t * 1920) / 1920, 6) for t in times]  # what the file can say
    out = tmp_path / "notes.wav"
    code = render.main(
        [
            str(path),
            "--out",
            str(out),
            "--model",
            str(tiny_model_dir),
            "--preset",
            str(short_release_preset(tmp_path)),
            "--json",
            "--no-progress",
        ],
        "waefader render",
    )
    assert code == 0
    with AudioFile(str(out)) as f:
        assert f.samplerate == SR and f.num_channels == 2
        x = f.read(f.frames)[0]
    found = onsets_near(x, times)
    errors_ms = np.abs(np.array(found) - np.array(times)) * 1e3
    assert errors_ms.max() <= 1.0, errors_ms


def test_osc_score_renders_through_the_dispatcher(
    tiny_model_dir: Path, tmp_path: Path, capsys
) -> None:
    score = tmp_path / "score.txt"
    score.write_text(
        "# seconds address args\n"
        "0.0 /waefader/release 0.01\n"
        "0.0 /waefader/gain 0\n"
        "0.2 /waefader/note_on 60 100 0.05\n"
        "0.5 /waefader/style/flute 1\n"
        "0.5 /waefader/style/violin 0\n"
        "0.5137 /waefader/note_on 67 90 0.05\n"
        "0.9 /waefader/note_on 72 100\n"
        "0.95 /waefader/note_off 72\n"
    )
    out = tmp_path / "score.wav"
    assert (
        render.main(
            [
                str(score),
                "--out",
                str(out),
                "--model",
                str(tiny_model_dir),
                "--json",
                "--channels",
                "1",
            ],
            "waefader render",
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["notes"] == 3 and summary["late_notes"] == 0 and summary["render_errors"] == 0
    with AudioFile(str(out)) as f:
        x = f.read(f.frames)[0]
    found = onsets_near(x, [0.2, 0.5137, 0.9])
    assert np.abs(np.array(found) - [0.2, 0.5137, 0.9]).max() <= 0.001


@pytest.mark.parametrize(
    "content,message",
    [
        ("[[0, 5]]", "address"),
        ('[[-1, "/waefader/panic"]]', "time"),
        ("{oops", "not JSON"),
    ],
)
def test_bad_scores_are_refused_with_a_clear_message(
    tiny_model_dir: Path, tmp_path: Path, capsys, content: str, message: str
) -> None:
    score = tmp_path / "bad.json"
    score.write_text(content)
    code = render.main(
        [str(score), "--out", str(tmp_path / "x.wav"), "--model", str(tiny_model_dir)],
        "waefader render",
    )
    assert code == 2 and message in capsys.readouterr().err


def test_missing_model_is_a_clear_error(tmp_path: Path, capsys) -> None:
    score = tmp_path / "s.json"
    score.write_text("[]")
    code = render.main(
        [str(score), "--out", str(tmp_path / "x.wav"), "--model", str(tmp_path / "none")],
        "waefader render",
    )
    assert code == 2 and "waefader render: error:" in capsys.readouterr().err
