"""Control state, note weights under the note mix, presets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from realtime.engine.controls import ControlError, Controls, quantise_dynamics
from realtime.engine.presets import (
    PresetError,
    apply_preset,
    list_presets,
    load_preset,
    save_preset,
)


@pytest.fixture
def controls() -> Controls:
    return Controls(("flute", "violin", "cello"), latent_dim=4)


def test_values_ranges_and_errors(controls: Controls) -> None:
    assert controls.get("style") == (1.0, 0.0, 0.0)
    controls.set("gain", -12)
    assert controls.get("gain") == -12.0
    for name, bad in [
        ("gain", 13),
        ("release", 0),
        ("style", [1, 2, 3, 4]),
        ("velocity", "x"),
        ("nope", 1),
        ("fx", 0.5),
        ("latent", [float("nan")]),
    ]:
        with pytest.raises(ControlError):
            controls.set(name, bad)
    controls.set("latent", [0.5, -0.5])  # fewer values: the first axes
    assert controls.get("latent") == (0.5, -0.5, 0.0, 0.0)
    controls.set_style("cello", 0.7)
    assert controls.get("style") == (1.0, 0.0, 0.7)
    with pytest.raises(ControlError):
        controls.set_style("tuba", 1)
    with pytest.raises(ControlError):
        controls.set_item("style", 3, 1)


def test_subscribers_hear_every_change_once(controls: Controls) -> None:
    seen: list[tuple[str, object]] = []
    unsubscribe = controls.subscribe(lambda n, v: seen.append((n, v)))
    controls.set("release", 1.5)
    controls.set("release", 1.5)  # no change, no call
    controls.set_style("violin", 1.0)
    unsubscribe()
    controls.set("release", 2.0)
    assert seen == [("release", 1.5), ("style", (1.0, 1.0, 0.0))]


def test_a_failing_subscriber_does_not_break_the_setter(controls: Controls) -> None:
    controls.subscribe(lambda n, v: 1 / 0)
    controls.set("gain", 0)
    assert controls.listener_errors == 1 and controls.get("gain") == 0.0


def test_note_mix_is_relative_to_the_played_note(controls: Controls) -> None:
    controls.set("pitch_class_mix", [1, 0, 0, 0, 0, 0, 0, 0.5])  # + a fifth
    controls.set("octave_mix", [0, 0, 0, 0.25, 1, 0, 0, 0, 0])  # + an octave below
    pc, octv = controls.snapshot().note_weights(62)  # D4
    assert pc[2] == 1.0 and pc[9] == 0.5 and pc.sum() == 1.5  # D and A
    assert octv[4] == 1.0 and octv[3] == 0.25 and octv.sum() == 1.25
    _, octv = controls.snapshot().note_weights(12)  # C0: the octave below is dropped
    assert octv[0] == 1.0 and octv.sum() == 1.0


def test_normalise_and_note_controls(controls: Controls) -> None:
    controls.set("style", [2, 2, 0])
    controls.set("normalise", True)
    key, _ = controls.note_controls(60, 100, np.random.default_rng(0))
    assert key.style == (0.5, 0.5, 0.0)
    controls.set("variation", 1.0)
    a, _ = controls.note_controls(60, 100, np.random.default_rng(1))
    b, _ = controls.note_controls(60, 100, np.random.default_rng(2))
    assert a.z != b.z and hash(a) != hash(b)


def test_dynamics_are_quantised_for_the_cache() -> None:
    assert np.allclose(quantise_dynamics(80, 16), [0, 1, 0])
    assert np.allclose(quantise_dynamics(81, 16), quantise_dynamics(80, 16))
    w = quantise_dynamics(100, 16)
    assert w.sum() == pytest.approx(1.0) and w[1] == w[2] == 0.5


def test_presets_round_trip_and_skip_unknown_styles(controls: Controls, tmp_path) -> None:
    controls.set("style", [0.2, 0.9, 0.0])
    controls.set("release", 1.25)
    path = save_preset(controls, tmp_path / "mine.json")
    other = Controls(("violin", "harp"), latent_dim=2)
    warnings = load_preset(other, path)
    assert other.get("style") == (0.9, 0.0) and other.get("release") == 1.25
    assert any("flute" in w for w in warnings)
    data = json.loads(path.read_text())
    data["controls"]["gain"] = 99
    assert any("gain" in w for w in apply_preset(other, data))  # bad value: skipped, said


def test_bad_preset_files_raise_preset_error(controls: Controls, tmp_path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "other.json").write_text('{"format": "x"}')
    for name in (tmp_path / "bad.json", tmp_path / "other.json", tmp_path / "missing.json", "nope"):
        with pytest.raises(PresetError):
            load_preset(controls, name)


def test_shipped_presets_load(controls: Controls) -> None:
    names = list_presets()
    assert {"default", "fifths", "long_release"} <= set(names)
    for name in names:
        load_preset(controls, name)
    load_preset(controls, "fifths")
    assert controls.get("pitch_class_mix")[7] == 0.6
