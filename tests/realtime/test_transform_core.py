"""transform_note on the tiny exported model: the reconstruction is the graphs' own, and the
edits reach the renderer exactly as asked (an untrained model cannot show pitch or style in
its sound; tests/realtime/test_transform_trained.py does that with the shipped model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from transform_kit import NOTE, SR, RecordingSynth, harmonic_note

from realtime.conditions import note_weights, velocity_to_dynamics
from realtime.dsp.features import log_mel
from realtime.model import OnnxSynth, load_model
from realtime.transform import (
    Edits,
    SourceHints,
    TransformError,
    encode_note,
    prepare_note,
    render_variants,
    transform_note,
)
from realtime.transform.analysis import analysis_features


@pytest.fixture(scope="module")
def synth(tiny_model_dir: Path) -> OnnxSynth:
    return load_model(tiny_model_dir)


def direct(synth: OnnxSynth, note: np.ndarray, pitch: int, style: int, velocity: float):  # type: ignore[no-untyped-def]
    """The decoder's reconstruction straight from the graphs: encode -> render."""
    z = synth.encode(log_mel(note, synth.manifest.features)[None])
    pc, octv = note_weights(pitch)
    s = np.zeros((1, len(synth.style_names)), np.float32)
    s[0, style] = 1
    dyn = velocity_to_dynamics(velocity)[None]
    return synth.render(z, pc[None], octv[None], s, dyn)[0]


def test_corpus_note_reconstruction_equals_the_graphs(synth: OnnxSynth) -> None:
    note = harmonic_note(57, peak=0.05)  # corpus shape: 22,050 Hz, 32,768 samples, onset at 0
    hints = SourceHints(pitch=57, style="cello", velocity=80)
    r = transform_note(synth, note, SR, hints=hints)
    # A corpus note is its own prepared note (fit_length fades the last 256 samples only).
    np.testing.assert_array_equal(r.original[:-256], note[:-256])
    want = direct(synth, r.original, 57, synth.style_names.index("cello"), 80)
    np.testing.assert_allclose(r.reconstruction, want, atol=1e-6)
    np.testing.assert_allclose(r.transformed, want, atol=1e-6)  # no edits: the same note
    assert r.reconstruction.shape == r.transformed.shape == (NOTE,)


def test_estimated_source_is_the_closest_resynthesis(synth: OnnxSynth) -> None:
    note = harmonic_note(64, peak=0.1)
    r = transform_note(synth, note, SR)
    src = r.source
    assert src.attributes.pitch == 64 and src.given == ()
    assert src.pitch is not None and abs(src.pitch.cents) < 5
    assert len(src.scores) == 3 * len(synth.style_names)
    dists = [d for *_, d in src.scores]
    assert dists == sorted(dists) and dists[0] == pytest.approx(src.distance, abs=1e-6)
    style = int(np.argmax(src.attributes.style))
    want = direct(synth, r.original, 64, style, src.attributes.velocity)
    np.testing.assert_allclose(r.reconstruction, want, atol=1e-6)
    cfg = analysis_features(synth.manifest.features)  # the comparison's coarse log-Mel
    assert cfg.n_frames * cfg.hop == synth.note_samples and cfg.n_mels < 256
    measured = float(np.mean(np.abs(log_mel(want, cfg) - log_mel(r.original, cfg))))
    assert measured == pytest.approx(src.distance, abs=1e-5)


def test_edits_reach_the_renderer(synth: OnnxSynth) -> None:
    rec = RecordingSynth(synth)
    hints = SourceHints(pitch=55, style="violin", velocity=80)
    edits = Edits(transpose=12, style=(("flute", 0.5), ("cello", 0.75)), velocity=40,
                  latent_scale=0.5)  # fmt: skip
    r = transform_note(rec, harmonic_note(55), SR, edits, hints)  # type: ignore[arg-type]
    assert len(rec.calls) == 1  # all given: no analysis renders, one batched render
    z, pc, octv, style, dyn = rec.last
    assert z.shape[0] == 2
    np.testing.assert_allclose(z[1], 0.5 * z[0], rtol=1e-6)
    np.testing.assert_array_equal(pc[0], pc[1])  # an octave up: same pitch class...
    np.testing.assert_array_equal(np.roll(octv[0], 1), octv[1])  # ...the next octave
    assert octv[0].argmax() == 3 and octv[1].argmax() == 4  # G3 -> G4
    names = synth.style_names
    assert style[0].tolist() == [float(n == "violin") for n in names]
    assert style[1].tolist() == [{"flute": 0.5, "cello": 0.75}.get(n, 0.0) for n in names]
    np.testing.assert_array_equal(dyn, [[0, 1, 0], [1, 0, 0]])
    assert r.target.pitch == 67 and r.z_target == pytest.approx(0.5 * r.z)


def test_absolute_pitch_and_octave_down(synth: OnnxSynth) -> None:
    rec = RecordingSynth(synth)
    hints = SourceHints(pitch=69, style="flute", velocity=120)
    transform_note(rec, harmonic_note(69), SR, Edits(pitch=48), hints)  # type: ignore[arg-type]
    _, pc, octv, _, _ = rec.last
    assert (pc[1].argmax(), octv[1].argmax()) == (0, 3)  # C3
    transform_note(rec, harmonic_note(69), SR, Edits(transpose=-12), hints)  # type: ignore[arg-type]
    _, pc, octv, _, _ = rec.last
    np.testing.assert_array_equal(np.roll(octv[1], 1), octv[0])
    assert pc[1].argmax() == pc[0].argmax() == 9


def test_render_variants_batches_many_edits(synth: OnnxSynth) -> None:
    enc = encode_note(synth, harmonic_note(60), SR, SourceHints(style="violin", velocity=80))
    edits = [Edits(style=((s, 1.0),)) for s in synth.style_names]
    targets, audio = render_variants(synth, enc, edits)
    assert audio.shape == (len(edits), NOTE)
    for t, s in zip(targets, synth.style_names, strict=True):
        assert t.style_mix(synth.style_names) == {s: 1.0} and t.pitch == 60
    # The same as one-by-one transforms.
    one = transform_note(synth, harmonic_note(60), SR, edits[1], SourceHints(60, "violin", 80))
    np.testing.assert_allclose(audio[1], one.transformed, atol=1e-6)


def test_any_rate_channels_and_lead_silence(synth: OnnxSynth) -> None:
    mono = harmonic_note(62, sample_rate=48000, lead_s=0.4, seconds=3.0)
    stereo = np.stack([mono, 0.5 * mono], axis=1)
    note = prepare_note(stereo, 48000, SR, NOTE)
    assert note.shape == (NOTE,) and note.dtype == np.float32
    onset = int(np.flatnonzero(np.abs(note) > 0.01 * np.abs(note).max())[0])
    assert onset <= 230  # the 0.4 s of silence is gone: 10 ms of lead-in is kept
    r = transform_note(synth, stereo, 48000)
    assert r.source.attributes.pitch == 62


def test_short_notes_are_padded(synth: OnnxSynth) -> None:
    note = prepare_note(harmonic_note(60, seconds=0.3), SR, SR, NOTE)
    assert note.shape == (NOTE,) and not note[int(0.35 * SR) :].any()


@pytest.mark.parametrize(
    ("audio", "words"),
    [
        (np.zeros(0, np.float32), "no samples"),
        (np.zeros(SR, np.float32), "silent"),
        (np.full(SR, 1e-4, np.float32), "silent"),
        (harmonic_note(60, seconds=0.05), "too short"),
        (np.array([0.1, np.nan] * 5000, np.float32), "NaN"),
    ],
)
def test_unusable_audio_is_refused(synth: OnnxSynth, audio: np.ndarray, words: str) -> None:
    with pytest.raises(TransformError, match=words):
        transform_note(synth, audio, SR)


def test_pitchless_audio_asks_for_the_source_pitch(synth: OnnxSynth) -> None:
    noise = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 0.1
    with pytest.raises(TransformError, match="--source-pitch"):
        transform_note(synth, noise, SR)
    r = transform_note(synth, noise, SR, hints=SourceHints(pitch=60))
    assert r.source.given == ("pitch",) and r.source.attributes.pitch == 60
