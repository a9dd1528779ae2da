"""The engine link: a transformed note played through the engine is the same note, and its
z / style / velocity become the engine's controls (what the GUI and OSC server call)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from transform_kit import SR, OtherModel, harmonic_note

from realtime.engine import Engine, EngineConfig
from realtime.model import load_model
from realtime.transform import Edits, SourceHints, transform_note
from realtime.transform.play import engine_note, play_on_engine


@pytest.fixture(scope="module")
def synth(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    return load_model(tiny_model_dir)


def played(engine: Engine) -> np.ndarray:
    assert engine.wait_idle(10.0)
    note = engine.last_note()
    assert note is not None and note[1] == SR
    return np.asarray(note[0], np.float32)


@pytest.mark.parametrize("which", ["transformed", "reconstruction"])
def test_engine_plays_the_same_note(synth, which: str) -> None:  # type: ignore[no-untyped-def]
    edits = Edits(style=(("flute", 0.7), ("cello", 0.3)), transpose=-5, velocity=120,
                  latent_scale=1.5)  # fmt: skip
    r = transform_note(synth, harmonic_note(62), SR, edits, SourceHints(style="violin"))
    engine = Engine(synth, EngineConfig(sample_rate=SR, seed=0, use_head=False))
    engine.start(audio=False)
    try:
        engine.set("variation", 1.0)  # the link turns it off: the note must be this one
        play_on_engine(engine, r, which)
        got = played(engine)
    finally:
        engine.stop()
    want = r.transformed if which == "transformed" else r.reconstruction
    onset = int(np.flatnonzero(np.abs(want) >= engine.config.trim_threshold)[0])
    fade = engine.config.frames(engine.config.end_fade_ms)
    n = got.shape[0] - fade
    np.testing.assert_allclose(got[:n], want[onset : onset + n], atol=1e-5)
    values = engine.controls.values()
    z = r.z_target if which == "transformed" else r.z
    np.testing.assert_allclose(values["latent"], z, atol=1e-6)
    attrs = r.target if which == "transformed" else r.source.attributes
    assert values["style"] == pytest.approx(attrs.style) and values["variation"] == 0.0


def test_engine_note_clips_z_and_refuses_the_original(synth) -> None:  # type: ignore[no-untyped-def]
    r = transform_note(synth, harmonic_note(60), SR, Edits(latent_scale=4.0), SourceHints(60))
    note = engine_note(r, latent_limit=1e-3)
    assert max(abs(v) for v in note.controls["latent"]) <= 1e-3
    assert (note.pitch, note.velocity) == (r.target.pitch, r.target.velocity)
    with pytest.raises(ValueError, match="which"):
        engine_note(r, "original")


def test_engine_of_another_model_is_refused(synth) -> None:  # type: ignore[no-untyped-def]
    r = transform_note(synth, harmonic_note(60), SR, hints=SourceHints(60))
    engine = Engine(OtherModel(), EngineConfig(sample_rate=SR))
    with pytest.raises(ValueError, match="another model"):
        play_on_engine(engine, r)
