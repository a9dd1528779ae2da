"""Vibrato and trill put back on rendered notes (realtime/dsp/modulation.py), the manifest's
``modulation`` table and where it comes from (realtime/modulation_info.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from realtime import modulation_info
from realtime.dsp.modulation import Modulation, apply_curve, mixed_curve, modulate
from realtime.manifest import ModelError, read_manifest
from realtime.model import load_model

SR = 22050


def _cents_track(y: np.ndarray, ref_hz: float) -> np.ndarray:
    """Cents of every period of a sine (rising zero crossings, interpolated)."""
    i = np.flatnonzero((y[:-1] < 0) & (y[1:] >= 0))
    t = i + y[i] / (y[i] - y[i + 1])
    return 1200 * np.log2(SR / np.diff(t) / ref_hz)


def test_vibrato_swings_the_pitch_by_its_depth_and_fades_in() -> None:
    m = Modulation("vibrato", 50.0, 6.0)
    c = m.curve(SR, SR)
    assert abs(c[: int(0.05 * SR)]).max() < 20.0  # fading in
    assert c.max() == pytest.approx(50.0, abs=0.1) and c.min() == pytest.approx(-50.0, abs=0.1)
    x = np.sin(2 * np.pi * 440.0 * np.arange(SR) / SR).astype(np.float32)
    y, valid = apply_curve(x, c)
    cents = _cents_track(y[: valid - 1], 440.0)[200:]  # after the fade-in
    assert 45 < cents.max() < 55 and -55 < cents.min() < -45
    spectrum = np.abs(np.fft.rfft(cents - cents.mean()))
    rate = np.argmax(spectrum[1:]) + 1  # in cycles over the track's duration
    assert rate * 440.0 / len(cents) == pytest.approx(6.0, rel=0.1)


def test_a_trill_alternates_with_the_note_a_whole_tone_above() -> None:
    m = Modulation("trill", 104.0, 7.0)  # as measured: a whole tone, read a little wide
    c = m.curve(SR, SR)
    half = int(SR / 14)
    assert np.median(c[10:half - 100]) == pytest.approx(0.0, abs=0.5)  # starts on the note
    assert np.median(c[half + 100 : 2 * half - 100]) == pytest.approx(200.0, abs=0.5)
    x = np.sin(2 * np.pi * 440.0 * np.arange(SR) / SR).astype(np.float32)
    y, valid = apply_curve(x, c)
    assert valid < SR  # the upper note reads its input faster: it ends a little early
    assert np.all(y[valid + 1 :] == 0.0)
    cents = _cents_track(y[: valid - 1], 440.0)
    assert np.mean(np.abs(cents) < 5) > 0.4 and np.mean(np.abs(cents - 200) < 5) > 0.4


def test_styles_mix_their_curves_by_weight_and_plain_styles_pass() -> None:
    vib = Modulation("vibrato", 40.0, 5.0)
    half = mixed_curve([1.0, 1.0], [vib, None], SR, SR)
    assert half is not None and np.abs(half).max() == pytest.approx(20.0, abs=0.1)
    assert mixed_curve([0.0, 1.0], [vib, None], SR, SR) is None
    audio = np.random.default_rng(0).standard_normal((2, 4096)).astype(np.float32)
    style = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    out, _ = modulate(audio, style, [vib, None], SR)
    assert np.array_equal(out[0], audio[0]) and not np.array_equal(out[1], audio[1])
    plain, n = modulate(audio, style[[0, 0]], [vib, None], SR)
    assert plain is audio and n == 4096


def test_a_glide_slides_onto_the_note() -> None:
    m = Modulation("glide", -200.0, time_s=0.5)
    c = m.curve(SR, SR)
    assert c[0] == -200.0 and c[int(0.25 * SR)] == pytest.approx(-100.0, abs=0.1)
    assert np.all(c[int(0.5 * SR) :] == 0.0)
    x = np.sin(2 * np.pi * 440.0 * np.arange(SR) / SR).astype(np.float32)
    y, valid = apply_curve(x, c)
    assert valid == SR  # below the note it reads slower: nothing runs out
    cents = _cents_track(y, 440.0)
    assert cents[:5].mean() < -180 and abs(cents[-100:]).max() < 1.0
    mixed = mixed_curve([1.0], [m], SR, SR)  # a glide starts below the note: negative depth
    assert mixed is not None and mixed[0] == -200.0


def test_a_bad_table_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        Modulation("wobble", 10.0, 5.0)
    with pytest.raises(ValueError, match="rate"):
        Modulation("vibrato", 10.0, 100.0)
    with pytest.raises(ValueError, match="glide"):
        Modulation("glide", -200.0)  # no time


def _with_table(src: Path, dst: Path, table: object) -> Path:
    shutil.copytree(src, dst)
    raw = json.loads((dst / "manifest.json").read_text())
    raw["modulation"] = table
    (dst / "manifest.json").write_text(json.dumps(raw))
    return dst


def test_the_manifest_table_is_checked(tiny_model_dir: Path, tmp_path: Path) -> None:
    bad = _with_table(tiny_model_dir, tmp_path / "a", {"styles": {"harp": {"kind": "vibrato"}}})
    with pytest.raises(ModelError, match="unknown style 'harp'"):
        read_manifest(bad)
    entry = {"kind": "vibrato", "depth_cents": -3, "rate_hz": 5}
    bad = _with_table(tiny_model_dir, tmp_path / "b", {"styles": {"violin": entry}})
    with pytest.raises(ModelError, match=r"styles\['violin'\]"):
        read_manifest(bad)


def test_the_synth_modulates_the_styles_of_its_table(tiny_model_dir: Path, tmp_path: Path) -> None:
    table = {"styles": {"violin": {"kind": "trill", "depth_cents": 100.0, "rate_hz": 7.0}}}
    model = load_model(_with_table(tiny_model_dir, tmp_path / "m", table))
    plain = load_model(tiny_model_dir)
    assert read_manifest(tmp_path / "m").modulation == table
    inputs = list(plain.zeros(2))
    inputs[3] = np.array([[1, 0, 0], [0, 1, 0]], np.float32)  # violin, flute
    whole, base = model.render(*inputs), plain.render(*inputs)
    assert np.array_equal(whole[1], base[1]) and not np.allclose(whole[0], base[0])
    head = model.render_head(*inputs)
    n = head.shape[1]
    assert 0.9 * plain.head_samples < n < plain.head_samples  # ends where its input does
    # the first frames and the whole note agree where both exist (the switch is seamless)
    np.testing.assert_allclose(head, whole[:, :n], atol=2e-4)


def _quality(model_depth: float = 0.2) -> dict:
    def src(depth: float, rate: float) -> dict:
        return {"vibrato_depth_cents": depth, "vibrato_rate_hz": rate}

    return {"judge": "torchcrepe-tiny", "n_keys": 3, "styles": {
        "violin-vibrato": {"library": src(30.6, 8.2), "model": src(model_depth, 5.6)},
        "violin-trill": {"library": src(104.3, 7.1), "model": src(7.0, 7.1)},
        "violin-glissando": {"library": {**src(38.6, 5.4), "glide_start_cents": -198.0,
                                         "glide_time_s": 0.52},
                             "model": {**src(5.0, 3.0), "glide_start_cents": 0.0}},
        "flute": {"library": src(float("nan"), float("nan")), "model": src(0.1, 4.0)}}}


def test_the_table_comes_from_the_librarys_measured_modulation() -> None:
    styles = ("violin-vibrato", "violin-trill", "violin-glissando", "flute")
    t = modulation_info.modulation_table(_quality(), styles)["styles"]
    assert set(t) == {"violin-vibrato", "violin-trill", "violin-glissando"}  # flute: none
    assert t["violin-glissando"] == {"kind": "glide", "depth_cents": -198.0, "time_s": 0.52}
    # the tracker's 64 ms frames show 0.6 of an 8 Hz vibrato: the amplitude is larger
    assert t["violin-vibrato"]["kind"] == "vibrato" and 50 < t["violin-vibrato"]["depth_cents"] < 56
    assert t["violin-trill"] == {"kind": "trill", "depth_cents": 104.3, "rate_hz": 7.1,
                                 "measured_depth_cents": 104.3}
    drawn = modulation_info.modulation_table(_quality(model_depth=25.0), styles)["styles"]
    assert "violin-vibrato" not in drawn  # the decoder draws it already


def test_modulation_info_writes_once(tiny_model_dir: Path, tmp_path: Path, capsys) -> None:
    model = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model)
    q = _quality()
    q["styles"]["violin"] = q["styles"].pop("violin-trill")  # the tiny model's style names
    q["styles"]["violin"]["library"]["vibrato_depth_cents"] = 104.3
    (tmp_path / "quality.json").write_text(json.dumps(q))
    assert modulation_info.main([str(model), "--quality", str(tmp_path), "--write"]) == 0
    assert read_manifest(model).modulation["styles"] == {}  # "violin" is no trill by name
    raw = json.loads((model / "manifest.json").read_text())
    raw["modulation"]["styles"]["flute"] = {"kind": "vibrato", "depth_cents": 9.0, "rate_hz": 5.0}
    (model / "manifest.json").write_text(json.dumps(raw))
    q["styles"]["violin-trill"] = q["styles"].pop("violin")
    q["styles"]["cello"] = q["styles"].pop("violin-trill")  # no modulation by name: not added
    (tmp_path / "quality.json").write_text(json.dumps(q))
    assert modulation_info.main([str(model), "--quality", str(tmp_path), "--write"]) == 0
    assert read_manifest(model).modulation["styles"] == {  # a style already there keeps its
        "flute": {"kind": "vibrato", "depth_cents": 9.0, "rate_hz": 5.0}}  # entry
    assert modulation_info.main([str(model), "--quality", str(tmp_path / "none.json")]) == 2
    assert "cannot read a bench quality result" in capsys.readouterr().err
