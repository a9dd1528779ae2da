"""``waefader transform``: files and folders, bad inputs, overwrite rules, no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from transform_kit import NOTE, SR, harmonic_note

from realtime.transform.cli import main

REPO = Path(__file__).resolve().parents[2]


def write(path: Path, x: np.ndarray, sr: int = 44100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), x, sr)
    return path


@pytest.fixture
def note_file(tmp_path: Path) -> Path:
    x = harmonic_note(57, sample_rate=44100, lead_s=0.2, seconds=2.0)
    return write(tmp_path / "in" / "cello A3.wav", np.stack([x, x], axis=1))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv), prog="waefader transform")
    out, err = capsys.readouterr()
    return rc, out, err


def test_one_file(tmp_path: Path, tiny_model_dir: Path, note_file: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out" / "flute.wav"
    rc, text, err = run(capsys, str(note_file), "--out", str(out), "--model", str(tiny_model_dir),
                        "--style", "flute", "--transpose", "12", "--dynamics", "pp",
                        "--also-reconstruction", "--json")  # fmt: skip
    assert rc == 0, err
    entry = json.loads(text)
    assert entry["source"]["pitch"] == 57 and entry["source"]["note"] == "A3"
    assert entry["target"] == {"pitch": 69, "note": "A4", "style": {"flute": 1.0},
                               "velocity": 40.0, "dynamics": "pp"}  # fmt: skip
    for path in (out, tmp_path / "out" / "flute.reconstruction.wav"):
        info = sf.info(str(path))
        assert (info.samplerate, info.frames, info.channels) == (SR, NOTE, 1)
    assert len(entry["z"]) == 3 and entry["reconstruction"].endswith(".reconstruction.wav")


def test_plain_text_and_output_folder(tmp_path: Path, tiny_model_dir: Path, note_file: Path,
                                      capsys) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    (tmp_path / "o").mkdir()
    rc, text, _ = run(capsys, str(note_file), "--out", str(tmp_path / "o"),
                      "--model", str(tiny_model_dir), "--source-pitch", "A3")  # fmt: skip
    assert rc == 0
    assert (tmp_path / "o" / "cello A3.wav").is_file()
    assert "A3" in text and "(given)" in text and "wrote" in text


def test_nothing_is_overwritten_unless_asked(tmp_path: Path, tiny_model_dir: Path,
                                             note_file: Path, capsys) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    out = tmp_path / "o.wav"
    out.write_bytes(b"keep me")
    rc, _, err = run(capsys, str(note_file), "--out", str(out), "--model", str(tiny_model_dir))
    assert rc == 2 and "already exists" in err and "--overwrite" in err
    assert out.read_bytes() == b"keep me"
    rc, _, err = run(capsys, str(note_file), "--out", str(note_file), "--overwrite",
                     "--model", str(tiny_model_dir))  # fmt: skip
    assert rc == 2 and "never overwritten" in err
    rc, _, _ = run(capsys, str(note_file), "--out", str(out), "--overwrite",
                   "--model", str(tiny_model_dir))  # fmt: skip
    assert rc == 0 and sf.info(str(out)).frames == NOTE


def bad_inputs(folder: Path) -> dict[str, str]:
    """File name -> the words its error must hold."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "text.wav").write_text("not audio at all")
    (folder / "empty.wav").write_bytes(b"")
    write(folder / "silent.wav", np.zeros(44100, np.float32))
    write(folder / "short.flac", harmonic_note(60, sample_rate=44100, seconds=0.04))
    write(folder / "noise.wav", np.random.default_rng(0).standard_normal(44100) * 0.1)
    good = harmonic_note(60, sample_rate=44100)
    sf.write(str(folder / "truncated.wav"), good, 44100)
    data = (folder / "truncated.wav").read_bytes()
    (folder / "truncated.wav").write_bytes(data[:30])
    return {"text.wav": "not readable as audio", "empty.wav": "empty file",
            "silent.wav": "silent", "short.flac": "too short", "noise.wav": "no clear pitch",
            "truncated.wav": "not readable as audio"}  # fmt: skip


def test_bad_files_give_one_clear_line(tmp_path: Path, tiny_model_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    for name, words in bad_inputs(tmp_path / "bad").items():
        out = tmp_path / "o" / f"{name}.wav"
        rc, _, err = run(capsys, str(tmp_path / "bad" / name), "--out", str(out),
                            "--model", str(tiny_model_dir))  # fmt: skip
        assert rc == 2, name
        assert err.count("\n") == 1 and words in err and name in err, err
        assert "Traceback" not in err and not out.exists()
    rc, _, err = run(capsys, str(tmp_path / "missing.wav"), "--out", str(tmp_path / "x.wav"),
                     "--model", str(tiny_model_dir))  # fmt: skip
    assert rc == 2 and "not found" in err


def test_user_mistakes_fail_before_any_work(tmp_path: Path, tiny_model_dir: Path,
                                            note_file: Path, capsys) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    m = ["--model", str(tiny_model_dir)]
    cases = [
        (["--style", "kazoo"], "unknown style 'kazoo'"),
        (["--source-style", "kazoo"], "unknown style 'kazoo'"),
        (["--pitch", "C12"], "outside the model's nine octaves"),
        (["--transpose", "90"], "target pitch"),
        (["--dynamics", "loud"], "pp, mf, ff"),
        (["--latent-scale", "-2"], "latent scale"),
    ]
    for extra, words in cases:
        out = tmp_path / "o.wav"
        rc, _, err = run(capsys, str(note_file), "--out", str(out), *m, *extra)
        assert rc == 2 and words in err and "Traceback" not in err, (extra, err)
        assert not out.exists()
    rc, _, err = run(capsys, str(note_file), "--out", str(tmp_path / "o.mp4"), *m)
    assert rc == 2 and ".wav" in err
    rc, _, err = run(capsys, str(note_file), "--out", str(tmp_path / "o.wav"),
                     "--model", str(tmp_path))  # fmt: skip
    assert rc == 2 and "manifest.json" in err


def test_folder(tmp_path: Path, tiny_model_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "lib"
    expected = bad_inputs(src / "bad")
    write(src / "a.wav", harmonic_note(60, sample_rate=48000), 48000)
    write(src / "a.flac", harmonic_note(64, sample_rate=44100), 44100)
    write(src / "sub" / "b.aiff", harmonic_note(67, sample_rate=32000), 32000)
    (src / "notes.txt").write_text("tags")
    (src / ".hidden.wav").write_text("ignored")
    out = tmp_path / "out"
    argv = [str(src), "--out", str(out), "--model", str(tiny_model_dir), "--style", "violin",
            "--json"]  # fmt: skip
    rc, text, _ = run(capsys, *argv)
    report = json.loads(text)
    assert rc == 1 and report["n_transformed"] == 3
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.wav"))
    assert made == ["a.flac.wav", "a.wav.wav", "sub/b.wav"]
    for p in out.rglob("*.wav"):
        assert sf.info(str(p)).frames == NOTE
    pitches = {Path(e["input"]).name: e["source"]["pitch"] for e in report["transformed"]}
    assert pitches == {"a.wav": 60, "a.flac": 64, "b.aiff": 67}
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {*expected, "notes.txt"}
    for name, words in expected.items():
        assert words in skipped[name]
    # A second run refuses to overwrite and writes nothing; our outputs are never inputs.
    rc, _, err = run(capsys, *argv)
    assert rc == 2 and "already exist" in err
    inside = src / "out"
    rc, text, _ = run(capsys, str(src), "--out", str(inside), "--model", str(tiny_model_dir),
                      "--json")  # fmt: skip
    rc2, text2, _ = run(capsys, str(src), "--out", str(inside), "--model", str(tiny_model_dir),
                        "--json", "--overwrite")  # fmt: skip
    assert rc == rc2 == 1  # the bad files again; the outputs inside IN are not inputs
    assert json.loads(text)["n_transformed"] == json.loads(text2)["n_transformed"] == 3


def test_folder_without_audio(tmp_path: Path, tiny_model_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("x")
    rc, _, err = run(capsys, str(tmp_path / "docs"), "--out", str(tmp_path / "o"),
                     "--model", str(tiny_model_dir))  # fmt: skip
    assert rc == 2 and "holds no audio files (1 other files)" in err


def test_transform_never_imports_torch(tmp_path: Path, tiny_model_dir: Path,
                                       note_file: Path) -> None:  # fmt: skip
    probe = (
        "import json, sys\n"
        "from realtime.transform.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "torch = [m for m in sys.modules if m == 'torch' or m.startswith('torch.')]\n"
        "print(json.dumps({'rc': rc, 'torch': torch}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(note_file), "--out", str(tmp_path / "o.wav"),
         "--model", str(tiny_model_dir), "--style", "cello", "--json"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"rc": 0, "torch": []}


def test_dispatcher_runs_transform(tmp_path: Path, tiny_model_dir: Path, note_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "waefader_cli", "transform", str(note_file), "--out",
         str(tmp_path / "o.wav"), "--model", str(tiny_model_dir), "--json"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["note_samples"] == NOTE
