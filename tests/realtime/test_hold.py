"""Held notes (loops until note-off, natural decay otherwise) and pitch bend, driven through
the engine's own worker and callback with numpy renderers."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from engine_fakes import SineRenderer, make_engine

from realtime.engine.bend import Bend
from realtime.engine.events import NoteOff, NoteOn, PitchBend, Release
from realtime.engine.offline import render_offline
from realtime.engine.sustain_loop import envelope, find_loop, sustains
from realtime.transform.pitch import estimate_pitch

SR = 48000


class HeldRenderer(SineRenderer):
    """Notes like the corpus's sustained ones: 50 ms attack, a steady sustain with a little
    vibrato of level and a slow 1 dB sag, then the instrument's release from 75 % of the note.
    ``table`` is the manifest's per-style sustain entry (None: judge each note)."""

    def __init__(self, table: dict[str, bool] | None = None, **kw: object) -> None:
        super().__init__(note_samples=33075, **kw)  # type: ignore[arg-type]
        if table is not None:
            self.style_sustain = table

    def _notes(self, n: int, z, pc, octv, style, dyn) -> np.ndarray:  # type: ignore[override]
        out = np.zeros((z.shape[0], n), np.float32)
        t = np.arange(n, dtype=np.float64) / self._sr
        dur = n / self._sr
        env = np.minimum(t / 0.05, 1.0) * 10 ** (-1.0 * t / dur / 20) * (1 + 0.05 * np.sin(t * 31))
        env *= np.clip((dur - t) / (0.25 * dur), 0.0, 1.0) ** 2
        for b in range(z.shape[0]):
            p = int(np.argmax(pc[b])) + 12 * (int(np.argmax(octv[b])) + 1)
            f = 440.0 * 2 ** ((p - 69) / 12)
            wave = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t + 0.5)
            out[b] = 0.3 * env * wave
        return out


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def windows_db(x: np.ndarray, seconds: float = 0.25) -> np.ndarray:
    w = round(seconds * SR)
    n = x.shape[0] // w
    return 10 * np.log10(np.mean(np.square(x[: n * w].astype(np.float64)).reshape(n, w), 1) + 1e-20)


def hold(eng, seconds: float, release: float = 0.2, extra=()) -> np.ndarray:  # type: ignore[no-untyped-def]
    eng.set("release", release)
    score = [(0.0, NoteOn(69, 100)), (seconds, NoteOff(69)), *extra]
    return render_offline(eng, score, tail_s=release + 1.0)[:, 0]


# --- the loop itself -------------------------------------------------------------------------


def note(renderer: SineRenderer, pitch: int = 69) -> np.ndarray:
    from realtime.conditions import note_weights

    pc, octv = note_weights(pitch)
    z = np.zeros((1, renderer.latent_dim), np.float32)
    style = np.array([[1.0, 0.0]], np.float32)
    dyn = np.array([[0.0, 1.0, 0.0]], np.float32)
    return renderer.render(z, pc[None], octv[None], style, dyn)[0]


def test_a_sustained_note_gets_a_seamless_loop_and_a_decaying_one_none() -> None:
    r = HeldRenderer()
    y = note(r)
    sr = r.sample_rate
    env = envelope(y, sr)
    assert sustains(env, sr)
    loop = find_loop(y, sr, env)
    assert loop is not None
    a, b, buf = loop.start, loop.end, loop.audio
    assert MIN_LOOP <= (b - a) / sr <= 0.5
    assert buf.shape[0] == y.shape[0] + (b - a)  # at most one loop more than the note
    l0 = a - (b - a)
    np.testing.assert_array_equal(buf[:l0], y[:l0])  # up to the loop: the note itself
    scale = buf[b:] / np.where(y[a:] == 0, 1, y[a:])  # the way out: the note, at most lowered
    assert np.ptp(scale[np.abs(y[a:]) > 1e-3]) < 1e-4 and scale.max() <= 1.0 + 1e-6
    assert buf[a] == buf[b]  # reading across the wrap is exact
    # the wrap b-1 -> a is no bigger a step than the waveform's own steps
    steps = np.abs(np.diff(y[a - sr // 10 : a]))
    assert abs(float(buf[a]) - float(buf[b - 1])) <= steps.max() * 1.05
    decaying = note(SineRenderer(note_samples=33075))
    assert not sustains(envelope(decaying, sr), sr)


MIN_LOOP = 0.12


def test_a_rising_sustain_is_held_at_its_loop_start_level_never_lifted() -> None:
    sr = 22050
    t = np.arange(round(1.5 * sr)) / sr
    level = np.minimum(t / 0.05, 1.0) * 10 ** (12 * np.minimum(t, 1.2) / 20)  # +12 dB/s
    level *= np.clip((1.5 - t) / 0.3, 0.0, 1.0)
    y = (0.02 * level * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    loop = find_loop(y, sr)
    assert loop is not None
    buf, a, b = loop.audio, loop.start, loop.end
    n = b - a
    head, end = buf[a : a + n // 8], buf[b - n // 8 : b]
    assert abs(20 * np.log10(rms(end) / rms(head))) < 0.5  # the copy's ends meet: no pumping
    assert np.abs(np.diff(buf)).max() <= np.abs(np.diff(y)).max() * 1.0001  # no step grows
    assert abs(float(buf[b - 1]) - float(buf[a])) <= np.abs(np.diff(buf[a:b])).max()


# --- held in the engine --------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [4.0, 12.0])
def test_a_held_note_sustains_until_note_off_then_releases(seconds: float) -> None:
    eng = make_engine(HeldRenderer())
    y = hold(eng, seconds)
    lv = windows_db(y)
    off = round(seconds / 0.25)
    sustain = np.median(lv[2:off])
    assert np.abs(lv[1:off] - sustain).max() < 1.5  # no dip, no swell, no drift
    first = np.abs(np.diff(y[:SR])).max()
    assert np.abs(np.diff(y[SR : round(seconds * SR)])).max() <= first * 1.02  # no click
    end = round((seconds + 0.2 + 0.5) * SR)  # release 0.2 s (+0.5 s): 40 dB down
    assert windows_db(y[end:], 0.1).max(initial=-200) < sustain - 40  # or already ended
    assert eng.worker.loops == 1 and eng.meter.errors == 0


def test_note_off_leaves_the_loop_for_the_notes_own_release() -> None:
    """The note ends with its own release (the renderer's falls to silence), joined without
    a click, unless the preset release is more than twice as long: then the loop fades."""
    probe = make_engine(HeldRenderer())
    hold(probe, 1.5)
    loop = probe.cache.loop(next(iter(probe.cache._items)))
    assert loop is not None and loop[2] == pytest.approx(SR / 440.0, rel=0.01)
    assert loop[3] > 0 and loop[3] / loop[2] == pytest.approx(round(loop[3] / loop[2]))
    tail = loop[4] / SR  # the note's own release, to -60 dB

    off = round(3.0 * SR)
    y = hold(make_engine(HeldRenderer()), 3.0, release=1.9 * tail)
    sustain = windows_db(y[SR:off]).max()
    after = windows_db(y[off + round(tail * SR) :], 0.05)
    assert after.max(initial=-200) < sustain - 45  # the preset alone: only -32 dB by then
    steps = np.abs(np.diff(y[off - SR // 2 : off + SR // 50]))
    assert steps.max() <= np.abs(np.diff(y[SR : off - SR // 2])).max() * 1.02

    y = hold(make_engine(HeldRenderer()), 3.0, release=3.0)  # a long release: the loop fades
    later = windows_db(y[off + round(tail * SR) : off + round((tail + 0.1) * SR)], 0.05)
    assert later.min() > sustain - 20  # -60 dB per 3 s


def test_memory_of_a_held_note_does_not_grow() -> None:
    eng = make_engine(HeldRenderer())
    eng.note_on(69, 100)
    eng.worker.drain(0)
    out = np.zeros((256, 2), np.float32)
    eng.process(out)
    voice = next(v for v in eng.mixer.pool.voices if v.state)
    src = voice.src
    for _ in range(round(20 * SR / 256)):  # 20 s
        eng.process(out)
    assert voice.src is src and voice.state == 1  # same buffer, still sounding
    shown = eng.last_note()  # what the window's note view shows: the note as rendered
    assert shown is not None and shown[0].shape[0] == src.shape[0] - (voice.loop_b - voice.loop_a)
    assert src.nbytes <= 2 * 4 * round(HeldRenderer().note_samples * SR / 22050) + 64
    assert voice.loop_a <= voice.pos < voice.loop_b
    assert np.abs(out).max() > 0.01


def test_decaying_notes_keep_their_natural_end_even_held() -> None:
    eng = make_engine(SineRenderer(note_samples=33075))
    y = hold(eng, 4.0)
    assert eng.worker.loops == 0
    assert np.abs(y[round(1.6 * SR) : round(3.9 * SR)]).max(initial=0) < 1e-4


def test_the_manifest_decides_which_styles_sustain() -> None:
    def loops(style: list[float], table: dict[str, bool] | None) -> int:
        eng = make_engine(HeldRenderer(table))
        eng.set("style", style)
        hold(eng, 2.0)
        return eng.worker.loops

    table = {"flute": False, "violin": True}
    assert loops([1.0, 0.0], table) == 0  # the manifest says flute decays: no loop
    assert loops([0.0, 1.0], table) == 1
    assert loops([0.3, 0.7], table) == 1  # a mix: the sustaining weight decides
    assert loops([1.0, 0.0], None) == 1  # no manifest entry: the note's envelope decides


def test_sustain_pedal_holds_the_loop_and_pedal_up_releases() -> None:
    eng = make_engine(HeldRenderer())
    eng.set("release", 0.1)
    from realtime.engine.events import Sustain

    score = [
        (0.0, Sustain(True)),
        (0.0, NoteOn(69, 100)),
        (0.5, NoteOff(69)),
        (5.0, Sustain(False)),
    ]
    y = render_offline(eng, score, tail_s=1.0)[:, 0]
    lv = windows_db(y)
    assert np.abs(lv[1:19] - np.median(lv[2:19])).max() < 1.5  # held by the pedal to 4.75 s
    assert windows_db(y[round(5.6 * SR) :], 0.1).max(initial=-200) < lv[10] - 40


def test_a_note_with_a_duration_holds_for_it_in_freewheel() -> None:
    eng = make_engine(HeldRenderer())
    eng.set("release", 0.1)
    y = render_offline(eng, [(0.0, NoteOn(69, 100, duration=6.0))], tail_s=0.5)[:, 0]
    assert y.shape[0] >= round(6.1 * SR)  # the render waits for the note's end
    lv = windows_db(y)
    assert np.abs(lv[1:23] - np.median(lv[2:23])).max() < 1.5


def test_panic_and_stealing_still_end_held_notes() -> None:
    eng = make_engine(HeldRenderer(), max_voices=2, tail_voices=1)
    for p in (60, 64, 67):  # the third steals the first
        eng.note_on(p, 100)
    eng.worker.drain(0)
    out = np.zeros((256, 2), np.float32)
    for _ in range(round(3 * SR / 256)):
        eng.process(out)
    assert eng.meter.steals == 1 and eng.mixer.pool.count() == 2
    eng.panic()
    eng.worker.drain(None)
    for _ in range(4):
        eng.process(out)
    assert eng.mixer.pool.count() == 0 and np.abs(out).max() < 1e-4


# --- pitch bend ----------------------------------------------------------------------------


def cents(a: np.ndarray, b: np.ndarray) -> float:
    pa, pb = estimate_pitch(a, SR), estimate_pitch(b, SR)
    assert pa is not None and pb is not None
    return 1200 * float(np.log2(pb.hz / pa.hz))


def test_a_held_note_bends_two_semitones_without_a_click() -> None:
    eng = make_engine(HeldRenderer())
    y = hold(eng, 4.0, extra=[(2.0, PitchBend(2.0))])
    assert abs(cents(y[SR : round(1.9 * SR)], y[round(2.2 * SR) : round(3.8 * SR)]) - 200) < 5
    at = round(2.0 * SR)
    near = np.abs(np.diff(y[at - SR // 20 : at + SR // 20])).max()
    # the waveform's steps grow by the pitch ratio, never by a jump
    assert near <= np.abs(np.diff(y[SR : round(1.9 * SR)])).max() * 2 ** (2 / 12) * 1.05


def test_new_notes_start_bent_and_zero_ends_the_bend() -> None:
    eng = make_engine(HeldRenderer())
    eng.set("release", 0.05)
    score = [
        (0.0, PitchBend(-1.0)),
        (0.0, NoteOn(69, 100)),
        (1.0, PitchBend(0.0)),
        (2.0, NoteOff(69)),
    ]
    y = render_offline(eng, score, tail_s=0.5)[:, 0]
    bent = estimate_pitch(y[round(0.2 * SR) : round(0.9 * SR)], SR)
    plain = estimate_pitch(y[round(1.1 * SR) : round(1.9 * SR)], SR)
    assert bent is not None and plain is not None
    assert abs(bent.midi - 68.0) < 0.05 and abs(plain.midi - 69.0) < 0.05


def test_bend_offsets_ramp_the_rate_across_one_chunk() -> None:
    bend = Bend(512)
    assert bend.advance(256, 0) is None  # no bend: voices copy samples
    bend.set(12.0, -1, 0)
    off = bend.advance(256, 0)
    assert off is not None
    rates = np.diff(off)
    assert rates[0] > 1.0 and abs(rates[-1] - 2.0) < 1e-9  # reaches the octave at the end
    assert np.all(np.diff(rates) > 0)  # a glide, not a step
    off = bend.advance(256, 256)
    assert off is not None and np.allclose(np.diff(off), 2.0)
    bend.set(3.0, 10_000, 512)  # due later: not yet
    assert bend.advance(256, 512) is not None and abs(bend.semitones - 12.0) < 1e-12
    bend.advance(256, 9_900)
    assert bend.semitones == 3.0


def test_bad_bends_raise_value_error() -> None:
    eng = make_engine()
    for bad in (25.0, -30.0, float("nan")):
        with pytest.raises(ValueError, match="outside"):
            eng.bend(bad)


def test_callback_allocates_nothing_while_notes_loop_and_bend() -> None:
    eng = make_engine(HeldRenderer(), max_voices=8)
    for i in range(6):
        eng.note_on(60 + i, 100, frame=i * 3)
    eng.bend(0.7)
    eng.worker.drain(0)
    out = np.zeros((1024, 2), np.float32)
    for _ in range(round(0.9 * SR / 1024)):  # into the loops
        eng.process(out)
    tracemalloc.start()
    try:
        for _ in range(5):
            eng.process(out)
        steady, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for k in range(60):  # wraps, bends up and down, releases bent and not
            bent = k < 40
            eng.mixer.bend.set((-1.5 if k % 2 else 1.2) if bent else 0.0, -1, eng.mixer.frame)
            if k in (30, 45):  # the second leaves its loop for the note's own release
                eng.mixer.inbox.append(Release(60 if k == 30 else 61, -1))
            eng.process(out)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert eng.meter.errors == 0, eng.meter.last_error
    assert eng.worker.loops >= 1 and eng.mixer.pool.count() >= 5
    assert peak - steady < 4096, peak - steady
    assert current - steady <= 256, current - steady


def test_osc_bend_reaches_the_mixer_and_bad_values_are_counted() -> None:
    from realtime.osc.dispatcher import OscDispatcher, build

    eng = make_engine()
    osc = OscDispatcher(eng)
    osc.handle_datagram(build("/waefader/bend", 1.5))
    osc.handle_datagram(build("/waefader/bend", 99.0))
    osc.handle_datagram(build("/waefader/bend", "up"))
    eng.worker.drain(None)
    eng.process(np.zeros((64, 2), np.float32))
    assert eng.mixer.bend.semitones == 1.5
    assert osc.counters.out_of_range == 1 and osc.counters.bad_args == 1
    assert "-24..24" in osc.last_problem or "number" in osc.last_problem
