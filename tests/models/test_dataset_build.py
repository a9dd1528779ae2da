"""The default corpus: recipe, offline FluidSynth renders, the --small build, its card."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.data import build as build_mod
from models.data.build import BuildConfig, build_corpus
from models.data.cli import main
from models.data.recipe import TIMBRE, VIOLIN_RANGE, VIOLIN_TECHNIQUES, Timing, plan, style_order
from models.data.soundfont import INSTALL_HINT, Event, NoteSynth, SoundfontMissing, find_soundfont
from models.data.store import CorpusStore, split_of
from realtime.conditions import DYNAMICS, MIDI_HIGH, MIDI_LOW
from realtime.dsp.audio_io import peak_dbfs
from realtime.dsp.features import FeatureConfig

CFG = FeatureConfig()
TM = Timing(CFG.sample_rate, 1.0)
PAPER_INSTRUMENTS = {
    "piano",
    "oboe",
    "english horn",
    "flute",
    "bassoon",
    "violin",
    "alto sax",
    "tenor trombone",
    "clarinet",
    "french horn",
    "cello",
    "trumpet",
}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "small"
    assert main(["build", "--small", "--out", str(out), "--no-progress"], "waefader dataset") == 0
    return out


@pytest.fixture(scope="module")
def synth() -> NoteSynth:
    return NoteSynth(find_soundfont(), CFG.sample_rate, gain=BuildConfig().gain)


def test_recipe_ranges_are_real_tessituras_inside_the_layout() -> None:
    assert {i.name for i in TIMBRE} == PAPER_INSTRUMENTS
    for inst in TIMBRE:
        assert MIDI_LOW <= inst.low < inst.high <= MIDI_HIGH, inst
        assert inst.high - inst.low >= 24, f"{inst.name}: less than two octaves"
    assert len(VIOLIN_TECHNIQUES) >= 8
    assert len({t.name for t in VIOLIN_TECHNIQUES}) == len(VIOLIN_TECHNIQUES)


def test_full_plan_covers_every_pitch_and_dynamics_once() -> None:
    notes = plan("all", small=False, tm=TM)
    ids = [n.id for n in notes]
    assert len(ids) == len(set(ids))
    expected = 3 * sum(len(i.pitches) for i in TIMBRE) + 3 * len(VIOLIN_RANGE) * (
        len(VIOLIN_TECHNIQUES) - 1
    )
    assert len(notes) == expected
    piano = {(n.pitch, n.dynamics) for n in notes if n.style == "piano"}
    assert piano == {(p, d) for p in range(21, 109) for d in DYNAMICS}


def test_style_labels_follow_the_rule() -> None:
    notes = plan("violin", small=True, tm=TM)
    for n in notes:
        assert n.instrument == "violin"
        want = "violin" if n.technique == "ordinario" else f"violin-{n.technique}"
        assert n.style == want
    assert style_order("all")[:12] == [i.name for i in TIMBRE]
    assert len(style_order("all")) == 12 + len(VIOLIN_TECHNIQUES) - 1


def test_note_off_lands_on_the_block_grid_near_one_second() -> None:
    assert TM.note_off % 64 == 0
    assert abs(TM.note_off / CFG.sample_rate - 1.0) < 64 / CFG.sample_rate
    offs = [e.time for n in plan("timbre", True, TM) for e in n.events if e.kind == "off"]
    assert set(offs) == {TM.note_off}


def test_small_card_lists_12_instruments_and_8_violin_styles(small: Path) -> None:
    card = json.loads((small / "card.json").read_text())
    for key in ("n_notes", "instruments", "techniques", "counts", "settings", "sha256"):
        assert key in card
    assert set(card["instruments"]) == PAPER_INSTRUMENTS
    assert len(card["techniques"]["violin"]) >= 8
    violin_styles = [s for s in card["styles"] if s.startswith("violin-")]
    assert len(violin_styles) >= 8
    assert 60 <= card["n_notes"] <= 150
    assert sum(card["counts"]["style"].values()) == card["n_notes"]
    assert set(card["counts"]["dynamics"]) == set(DYNAMICS)
    assert card["settings"]["note_off_samples"] == TM.note_off
    assert "n_skipped_silent" in card["settings"]
    assert (small / "card.md").read_text().startswith("# Corpus card")


def test_small_corpus_arrays_and_splits(small: Path) -> None:
    store = CorpusStore(small)
    n = len(store)
    assert store.audio.shape == (n, CFG.note_samples) == (n, 32768)
    assert store.features.shape == (n, CFG.n_mels, CFG.n_frames)
    assert store.feature_config == CFG
    peaks = np.abs(np.asarray(store.audio, dtype=np.float32)).max(axis=1)
    assert peaks.min() > 10 ** (-60 / 20) and peaks.max() < 1.0
    assert all(m.split == split_of(m.id) for m in store.meta)
    labels = store.labels()
    assert (labels["style"] >= 0).all()
    # the release tail is part of the note: it decays after the note-off instead of stopping
    x = np.asarray(store.audio[0], dtype=np.float32)
    assert np.abs(x[TM.note_off + 256 : TM.note_off + 2048]).max() > 0


def test_dynamics_survive_in_the_level(synth: NoteSynth) -> None:
    notes = [n for n in plan("timbre", False, TM) if n.style == "oboe" and n.pitch == 69]
    rms = {
        n.dynamics: float(np.sqrt(np.mean(synth.render(n.events, CFG.note_samples) ** 2)))
        for n in notes
    }
    assert rms["pp"] < rms["mf"] < rms["ff"]


def test_build_is_deterministic(small: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_corpus(again, BuildConfig(small=True), progress=False)
    for name in ("features.npy", "audio.npy", "meta.csv", "card.json", "card.md"):
        assert (again / name).read_bytes() == (small / name).read_bytes(), name


def test_every_render_starts_from_a_silent_reset_synth(synth: NoteSynth) -> None:
    n = CFG.note_samples
    a = [Event(0, "program", 40), Event(0, "on", 69, 80), Event(TM.note_off, "off", 69)]
    fresh = synth.render(a, n)
    # a held note with the pitch bent, modulation up and no note-off ...
    synth.render(
        [
            Event(0, "program", 45),
            Event(0, "cc", 1, 127),
            Event(0, "bend", 5000),
            Event(0, "on", 40, 127),
        ],
        n,
    )
    # ... leaves nothing behind: silence renders as zeros, the next note renders the same
    assert np.abs(synth.render([], n)).max() == 0.0
    assert np.array_equal(synth.render(a, n), fresh)


def test_silent_renders_are_skipped_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = plan("violin", False, TM)
    # FluidR3_GM's pizzicato strings have no sample above MIDI 96
    silent = next(n for n in real if n.technique == "pizzicato" and n.pitch == 100)
    sound = next(n for n in real if n.technique == "pizzicato" and n.pitch == 69)
    monkeypatch.setattr(build_mod, "plan", lambda *a, **k: [silent, sound])
    card = build_corpus(tmp_path / "c", BuildConfig(set="violin"), progress=False)
    assert card["n_notes"] == 1
    assert card["settings"]["skipped_silent"] == {"violin-pizzicato": 1}
    assert card["settings"]["n_planned"] == 2


def test_render_levels_are_below_full_scale_and_above_silence(synth: NoteSynth) -> None:
    for inst in TIMBRE:
        for key in (inst.low, inst.high):
            ev = [
                Event(0, "program", inst.program),
                Event(0, "on", key, 120),
                Event(TM.note_off, "off", key),
            ]
            level = peak_dbfs(synth.render(ev, CFG.note_samples))
            assert -60 < level < 0, (inst.name, key, level)


def test_missing_soundfont_names_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("models.data.soundfont.SOUNDFONT_CANDIDATES", (tmp_path / "none.sf2",))
    with pytest.raises(SoundfontMissing) as exc:
        find_soundfont()
    assert INSTALL_HINT in str(exc.value)
    assert "apt-get install --no-install-recommends fluid-soundfont-gm" in str(exc.value)


def test_cli_reports_a_missing_soundfont_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        ["build", "--small", "--out", str(tmp_path / "c"), "--soundfont", str(tmp_path / "x.sf2")],
        "waefader dataset",
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "soundfont not found" in err and "Traceback" not in err


def test_info_prints_the_card(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(small)], "waefader dataset") == 0
    assert "violin-pizzicato" in capsys.readouterr().out
    assert main(["info", str(small), "--json"], "waefader dataset") == 0
    assert json.loads(capsys.readouterr().out)["n_notes"] > 0
