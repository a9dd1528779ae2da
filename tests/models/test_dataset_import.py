"""Importing user libraries: tags CSV, SOL names, NSynth; bad files skipped with reasons."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from models.data.cli import main
from models.data.importer import ImportConfig, import_library
from models.data.labels import LabelError, parse_pitch, parse_sol_name, velocity_dynamics
from models.data.store import CorpusStore
from realtime.dsp.features import FeatureConfig

CFG = FeatureConfig()


def tone(
    path: Path,
    sr: int = 44100,
    seconds: float = 2.0,
    f0: float = 440.0,
    channels: int = 1,
    amp: float = 0.3,
    fmt: str | None = None,
) -> None:
    t = np.arange(int(sr * seconds)) / sr
    x = amp * np.sin(2 * np.pi * f0 * t) * np.exp(-t)
    data = np.stack([x] * channels, axis=1) if channels > 1 else x
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), data, sr, format=fmt)


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """path -> (sha256, mtime_ns) of every file under root."""
    return {
        p.relative_to(root).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def bad_files(root: Path) -> dict[str, str]:
    """Write the broken files every layout must survive; returns name -> reason keyword."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "empty.wav").write_bytes(b"")
    good = root / "_tmp.wav"
    tone(good)
    raw = good.read_bytes()
    good.unlink()
    (root / "header_cut.wav").write_bytes(raw[:30])
    (root / "data_cut.wav").write_bytes(raw[: 44 + 200])  # header says 2 s, 100 samples remain
    (root / "text.wav").write_text("this is not audio at all\n" * 20)
    sf.write(str(root / "silent.wav"), np.zeros(44100), 44100)
    return {
        "empty.wav": "empty file",
        "header_cut.wav": "unreadable audio",
        "data_cut.wav": "too short",
        "text.wav": "unreadable audio",
        "silent.wav": "silent",
    }


@pytest.fixture()
def csv_library(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    src = tmp_path / "lib"
    expected_bad = bad_files(src)
    tone(src / "good_stereo_44k.wav", sr=44100, channels=2)
    tone(src / "sub" / "good_8k.wav", sr=8000, f0=220.0)
    tone(src / "good_long.flac", sr=22050, seconds=120.0, fmt="FLAC")
    tone(src / "good_48k.aiff", sr=48000, seconds=0.5, fmt="AIFF")
    tone(src / "no_pitch.wav")
    tone(src / "too_high.wav")
    tone(src / "no_tag.wav")
    tone(src / "unlisted.wav")
    (src / "notes.txt").write_text("a text file that is not listed")
    rows = [
        "path,pitch,instrument,articulation,dynamics",
        "good_stereo_44k.wav,69,flute,ord,ff",
        "sub/good_8k.wav,A3,horn,muted,p",
        "good_long.flac,C#4,flute,flutter,",
        "good_48k.aiff,60.0,horn,ord,mp",
        "no_pitch.wav,,flute,ord,mf",
        "too_high.wav,127,flute,ord,mf",
        "no_tag.wav,60,,,mf",
        "missing.wav,60,flute,ord,mf",
        "good_stereo_44k.wav,70,flute,ord,ff",
    ]
    rows += [f"{name},62,flute,ord,mf" for name in expected_bad]
    (src / "tags.csv").write_text("\n".join(rows) + "\n")
    expected_bad.update(
        {
            "no_pitch.wav": "no pitch label",
            "too_high.wav": "outside MIDI",
            "no_tag.wav": "no style tag",
            "missing.wav": "file not found",
            "unlisted.wav": "not listed in tags.csv",
            "notes.txt": "not an audio file",
        }
    )
    return src, expected_bad


def test_csv_import_keeps_good_files_and_reports_every_bad_one(
    csv_library: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, expected_bad = csv_library
    before = snapshot(src)
    out = tmp_path / "corpus"
    assert main(["import", str(src), "--out", str(out), "--no-progress"], "waefader dataset") == 0
    assert snapshot(src) == before, "the source folder changed"
    report = json.loads((out / "import_report.json").read_text())
    assert report["format"] == "csv"
    good = ["good_48k.aiff", "good_long.flac", "good_stereo_44k.wav", "sub/good_8k.wav"]
    assert sorted(report["imported"]) == good
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    for name, keyword in expected_bad.items():
        assert keyword in reasons.get(name, "<not reported>"), (name, reasons.get(name))
    dup = [s for s in report["skipped"] if s["path"] == "good_stereo_44k.wav"]
    assert dup and "duplicate" in dup[0]["reason"]
    assert report["n_skipped"] == len(report["skipped"]) == len(expected_bad) + 1
    summary = capsys.readouterr().out
    assert "imported 4 notes" in summary and "silent" in summary
    assert "| empty.wav | empty file |" in (out / "import_report.md").read_text()


def test_csv_labels_styles_and_audio(
    csv_library: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    src, _ = csv_library
    import_library(src, tmp_path / "c", ImportConfig(), progress=False)
    store = CorpusStore(tmp_path / "c")
    meta = {m.source: m for m in store.meta}
    m = meta["sub/good_8k.wav"]
    assert (m.pitch, m.instrument, m.technique, m.style, m.dynamics) == (
        57,
        "horn",
        "muted",
        "horn-muted",
        "pp",
    )
    assert meta["good_long.flac"].pitch == 61 and meta["good_long.flac"].dynamics == "mf"
    assert meta["good_48k.aiff"].dynamics == "mf" and meta["good_stereo_44k.wav"].dynamics == "ff"
    assert set(store.styles) == {"flute-ord", "flute-flutter", "horn-muted", "horn-ord"}
    assert store.audio.shape == (4, CFG.note_samples)
    # the 8 kHz 220 Hz tone arrives at 22,050 Hz with its pitch intact
    x = np.asarray(store.audio[store.meta.index(m)], dtype=np.float32)
    spec = np.abs(np.fft.rfft(x[:16384] * np.hanning(16384)))
    assert abs(np.argmax(spec) * CFG.sample_rate / 16384 - 220.0) < 3.0
    card = json.loads((tmp_path / "c" / "card.json").read_text())
    assert card["n_notes"] == 4 and card["settings"]["format"] == "csv"


def test_styles_from_picks_the_tag_columns(
    csv_library: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    src, _ = csv_library
    cfg = ImportConfig(styles_from=("instrument",))
    import_library(src, tmp_path / "c", cfg, progress=False)
    assert CorpusStore(tmp_path / "c").styles == ("flute", "horn")


def test_unknown_styles_from_column_is_a_clear_error(
    csv_library: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, _ = csv_library
    argv = [
        "import",
        str(src),
        "--out",
        str(tmp_path / "c"),
        "--styles-from",
        "colour",
        "--no-progress",
    ]
    assert main(argv, "waefader dataset") == 2
    err = capsys.readouterr().err
    assert "colour" in err and "tag columns" in err and "Traceback" not in err


def test_output_inside_the_source_is_refused(csv_library: tuple[Path, dict[str, str]]) -> None:
    src, _ = csv_library
    before = snapshot(src)
    assert (
        main(
            ["import", str(src), "--out", str(src / "corpus"), "--no-progress"], "waefader dataset"
        )
        == 2
    )
    assert snapshot(src) == before


def test_sol_names(tmp_path: Path) -> None:
    src = tmp_path / "sol"
    tone(src / "Strings" / "Vn-ord-A4-ff-N-N.wav", sr=44100, channels=2)
    tone(src / "Strings" / "Vn-pizz-lv-C4-p-1c.wav", sr=44100)
    tone(src / "Winds" / "Fl-ord-C5-mp-N-N.flac", sr=48000, fmt="FLAC")
    tone(src / "Winds" / "ClBb-ord-G#3-fff.wav", sr=96000)
    tone(src / "Vn-ord-A4-sfz-N-N.wav")
    tone(src / "Vn-ord-Z9-ff-N-N.wav")
    tone(src / "random_name.wav")
    expected_bad = bad_files(src / "broken")
    before = snapshot(src)
    report = import_library(src, tmp_path / "c", ImportConfig(), progress=False)
    assert snapshot(src) == before
    assert report["format"] == "sol"
    assert len(report["imported"]) == 4
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "unknown dynamics" in reasons["Vn-ord-A4-sfz-N-N.wav"]
    assert "SOL naming" in reasons["Vn-ord-Z9-ff-N-N.wav"]
    assert "SOL naming" in reasons["random_name.wav"]
    for name in expected_bad:  # not SOL-named: skipped on the name, before any decoding
        assert "SOL naming" in reasons[f"broken/{name}"]
    store = CorpusStore(tmp_path / "c")
    got = {(m.instrument, m.technique, m.style, m.pitch, m.dynamics) for m in store.meta}
    assert got == {
        ("violin", "ordinario", "violin", 69, "ff"),
        ("violin", "pizz-lv", "violin-pizz-lv", 60, "pp"),
        ("flute", "ordinario", "flute", 72, "mf"),
        ("clarinet", "ordinario", "clarinet", 56, "ff"),
    }


def test_sol_names_with_good_labels_but_broken_audio_get_audio_reasons(tmp_path: Path) -> None:
    src = tmp_path / "sol"
    tone(src / "Vn-ord-A4-ff-N-N.wav")
    (src / "Vn-ord-B4-ff-N-N.wav").write_bytes(b"")
    (src / "Vn-ord-C5-ff-N-N.wav").write_text("not audio")
    sf.write(str(src / "Vn-ord-D5-ff-N-N.wav"), np.zeros(8000), 8000)
    report = import_library(src, tmp_path / "c", ImportConfig(), progress=False)
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert report["imported"] == ["Vn-ord-A4-ff-N-N.wav"]
    assert reasons == {
        "Vn-ord-B4-ff-N-N.wav": "empty file",
        "Vn-ord-C5-ff-N-N.wav": reasons["Vn-ord-C5-ff-N-N.wav"],
        "Vn-ord-D5-ff-N-N.wav": "silent (peak below -60 dBFS)",
    }
    assert reasons["Vn-ord-C5-ff-N-N.wav"].startswith("unreadable audio")
    assert report["reasons"] == {"empty file": 1, "silent": 1, "unreadable audio": 1}


def test_nsynth_layout(tmp_path: Path) -> None:
    src = tmp_path / "nsynth"
    examples = {
        "brass_acoustic_000-060-025": {
            "pitch": 60,
            "velocity": 25,
            "instrument_family_str": "brass",
            "instrument_source_str": "acoustic",
        },
        "brass_acoustic_000-062-075": {
            "pitch": 62,
            "velocity": 75,
            "instrument_family_str": "brass",
            "instrument_source_str": "acoustic",
        },
        "string_electronic_001-050-127": {
            "pitch": 50,
            "velocity": 127,
            "instrument_family_str": "string",
            "instrument_source_str": "electronic",
        },
        "string_electronic_001-009-127": {
            "pitch": 9,
            "velocity": 127,
            "instrument_family_str": "string",
            "instrument_source_str": "electronic",
        },
        "flute_synthetic_000-070-050": {
            "velocity": 50,
            "instrument_family_str": "flute",
            "instrument_source_str": "synthetic",
        },
        "missing_audio_000-060-050": {
            "pitch": 60,
            "velocity": 50,
            "instrument_family_str": "flute",
            "instrument_source_str": "synthetic",
        },
    }
    for key in examples:
        if not key.startswith("missing"):
            tone(src / "audio" / f"{key}.wav", sr=16000, seconds=4.0)
    tone(src / "audio" / "stray.wav", sr=16000)
    (src / "examples.json").write_text(json.dumps(examples))
    before = snapshot(src)
    report = import_library(src, tmp_path / "c", ImportConfig(), progress=False)
    assert snapshot(src) == before
    assert report["format"] == "nsynth"
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "outside MIDI" in reasons["audio/string_electronic_001-009-127.wav"]
    assert reasons["audio/flute_synthetic_000-070-050.wav"] == "no pitch label"
    assert reasons["audio/missing_audio_000-060-050.wav"] == "audio file missing"
    assert "not listed in examples.json" in reasons["audio/stray.wav"]
    store = CorpusStore(tmp_path / "c")
    got = {(m.id, m.style, m.pitch, m.dynamics) for m in store.meta}
    assert got == {
        ("nsynth/brass_acoustic_000-060-025", "brass-acoustic", 60, "pp"),
        ("nsynth/brass_acoustic_000-062-075", "brass-acoustic", 62, "mf"),
        ("nsynth/string_electronic_001-050-127", "string-electronic", 50, "ff"),
    }
    import_library(
        src, tmp_path / "d", ImportConfig(styles_from=("instrument_family_str",)), progress=False
    )
    assert CorpusStore(tmp_path / "d").styles == ("brass", "string")


def test_a_library_with_nothing_usable_fails_cleanly_with_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "junk"
    bad_files(src)
    out = tmp_path / "c"
    assert main(["import", str(src), "--out", str(out), "--no-progress"], "waefader dataset") == 2
    assert "no note could be imported" in capsys.readouterr().err
    report = json.loads((out / "import_report.json").read_text())
    assert report["imported"] == [] and len(report["skipped"]) == 5
    assert not (out / "card.json").exists()
    assert not any(p.name.endswith(".tmp.npy") for p in out.iterdir())


def test_json_flag_prints_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "sol"
    tone(src / "Vn-ord-A4-ff-N-N.wav")
    (src / "broken.wav").write_bytes(b"RIFF")
    argv = ["import", str(src), "--out", str(tmp_path / "c"), "--json", "--no-progress"]
    assert main(argv, "waefader dataset") == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "c" / "import_report.json").read_text())
    assert printed["imported"] == ["Vn-ord-A4-ff-N-N.wav"]
    assert [s["path"] for s in printed["skipped"]] == ["broken.wav"]


@pytest.mark.parametrize(
    ("text", "midi"),
    [("69", 69), ("69.0", 69), (" A4 ", 69), ("C#3", 49), ("Db3", 49), ("Bb0", 22)],
)
def test_parse_pitch(text: str, midi: int) -> None:
    assert parse_pitch(text) == midi


@pytest.mark.parametrize("text", ["", "None", "H4", "69.5", "128", "C-1"])
def test_parse_pitch_rejects(text: str) -> None:
    with pytest.raises(LabelError):
        parse_pitch(text)


def test_sol_dynamics_mapping() -> None:
    want = {"pp": "pp", "p": "pp", "mp": "mf", "mf": "mf", "f": "ff", "ff": "ff", "fff": "ff"}
    for mark, dyn in want.items():
        assert parse_sol_name(f"Ob-ord-A4-{mark}-N-N").dynamics == dyn
    assert parse_sol_name("Vn-ord-A4-ff-N-N", "technique").style == "ordinario"
    assert [velocity_dynamics(v) for v in (25, 59, 60, 99, 100, 127)] == [
        "pp",
        "pp",
        "mf",
        "mf",
        "ff",
        "ff",
    ]


def test_import_refuses_a_non_empty_folder_without_overwrite_and_lists_its_styles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "sol"
    tone(src / "Vn-ord-A4-ff-N-N.wav")
    tone(src / "Vn-ord-C5-pp-N-N.wav")
    tone(src / "Vn-pizz-A4-mf-N-N.wav")
    out = tmp_path / "c"
    argv = ["import", str(src), "--out", str(out), "--no-progress"]
    assert main(argv, "waefader dataset") == 0
    summary = capsys.readouterr().out
    report = json.loads((out / "import_report.json").read_text())
    assert sum(report["styles"].values()) == 3 and len(report["styles"]) == 2
    assert "2 style(s):" in summary
    for style, n in report["styles"].items():
        assert f"{n:5d}  {style}" in summary
    card = (out / "card.json").read_bytes()
    (src / "Vn-ord-A4-ff-N-N.wav").unlink()
    assert main(argv, "waefader dataset") == 2
    err = capsys.readouterr().err
    assert "is not empty" in err and "--overwrite" in err
    assert (out / "card.json").read_bytes() == card  # nothing lost
    (out / "mine.txt").write_text("keep me")
    assert main([*argv, "--overwrite"], "waefader dataset") == 0
    assert json.loads((out / "card.json").read_text())["n_notes"] == 2
    assert (out / "mine.txt").read_text() == "keep me"  # only the corpus files were replaced


def test_retrying_after_a_failed_import_needs_no_overwrite(tmp_path: Path) -> None:
    src = tmp_path / "junk"
    bad_files(src)
    out = tmp_path / "c"
    assert main(["import", str(src), "--out", str(out), "--no-progress"], "waefader dataset") == 2
    assert sorted(p.name for p in out.iterdir()) == ["import_report.json", "import_report.md"]
    tone(src / "Vn-ord-A4-ff-N-N.wav")
    argv = ["import", str(src), "--out", str(out), "--format", "sol", "--no-progress"]
    assert main(argv, "waefader dataset") == 0
