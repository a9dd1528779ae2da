"""Issue 16, memory and offline caps: far-future timetags, the render queue, scheduled
notes, the callback's inbox, notes while the device is lost, audio headers that claim absurd
rates, scores that last for hours, MIDI files that end early, presets in every command."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path
from types import SimpleNamespace

import mido
import numpy as np
import pytest
import soundfile as sf
from engine_fakes import make_engine
from pythonosc import osc_bundle_builder, osc_message

from realtime.cli import render
from realtime.dsp.audio_io import NOTE_LIMITS, AudioError, read_audio
from realtime.midi.mapping import MidiError
from realtime.midi.midifile import read_midi_file
from realtime.osc.dispatcher import OscDispatcher, build
from realtime.transform import TransformError
from realtime.transform.core import prepare_note, read_note_audio

YEAR = 365 * 86400.0


def bundle(timetag: float, *messages: bytes) -> bytes:
    b = osc_bundle_builder.OscBundleBuilder(timetag)
    for m in messages:
        b.add_content(osc_message.OscMessage(m))
    return b.build().dgram


def test_timetags_beyond_the_horizon_are_refused_and_counted() -> None:
    eng = make_engine()
    osc = OscDispatcher(eng, horizon_s=60.0)
    for i in range(1000):
        tag = time.time() + YEAR * (1 + i % 8)
        osc.handle_datagram(bundle(tag, build("/waefader/note_on", 40 + i % 40, 100)))
    osc.handle_datagram(bundle(time.time() + 30.0, build("/waefader/note_on", 60, 100)))
    assert osc.counters.too_far == 1000 and osc.counters.scheduled == 1
    assert eng.worker.pending == 1  # only the note 30 s ahead waits for a render
    assert "ahead" in osc.last_problem


def test_the_render_queue_is_capped() -> None:
    eng = make_engine(max_pending_renders=10)
    ids = [eng.note_on(60 + i % 12, 100) for i in range(25)]
    assert eng.worker.pending == 10 and eng.stats()["dropped"]["render_queue"] == 15
    eng.note_off(60)  # note-offs keep room of their own
    assert eng.worker.pending == 11 and len(set(ids)) == 25


def test_scheduled_notes_are_capped_and_panic_frees_them() -> None:
    eng = make_engine(max_scheduled=8)
    for i in range(20):
        eng.note_on(48 + i, 100, frame=48000 * (10 + i))
    eng.worker.drain(0)  # the worker, in this thread: rendered, waiting in the heap
    assert eng.worker.scheduled == 8 and eng.stats()["dropped"]["scheduled"] == 12
    eng.panic()
    eng.worker.drain(0)
    assert eng.worker.scheduled == 0


def test_the_inbox_is_capped_when_no_callback_takes_it() -> None:
    eng = make_engine(max_inbox=4)
    for i in range(10):
        eng.note_on(50 + i, 100)
    eng.worker.drain(None)
    assert len(eng.mixer.inbox) == 4 and eng.stats()["dropped"]["inbox"] == 6


def lost_output() -> SimpleNamespace:
    return SimpleNamespace(lost=True, error="audio device lost; retrying", device=None,
                           latency_ms=None, losses=1, realtime_thread=None,
                           server_realtime=None, blocksize=256, jack_ports=[],
                           jack_error=None)  # fmt: skip


def test_notes_during_device_loss_are_dropped_and_panic_empties_the_inbox() -> None:
    eng = make_engine()
    for i in range(5):  # played just before the loss was noticed: they wait for a callback
        eng.note_on(60 + i, 100)
    eng.worker.drain(None)
    assert len(eng.mixer.inbox) == 5
    eng.output = lost_output()  # type: ignore[assignment]
    osc = OscDispatcher(eng)
    for i in range(1000):
        osc.handle_datagram(build("/waefader/note_on", 40 + i % 40, 100))
    assert eng.play_audio(np.ones(4800, np.float32), 48000) == -1
    s = eng.stats()
    assert s["dropped"]["device_lost"] == 1001 and eng.worker.pending == 0
    assert s["running"] is False and osc.counters.bad == 0
    osc.handle_datagram(build("/waefader/panic"))
    assert len(eng.mixer.inbox) == 1  # the panic message alone
    eng.output = None


def wav_claiming(path: Path, rate: int) -> Path:
    """A 44 KB WAV whose header says ``rate`` Hz (the samples are a 44.1 kHz note's)."""
    sf.write(path, np.sin(np.arange(22050) / 10).astype(np.float32) * 0.5, 44100, "PCM_16")
    data = bytearray(path.read_bytes())
    assert data[12:16] == b"fmt "
    data[24:28] = struct.pack("<I", rate)
    data[28:32] = struct.pack("<I", rate * 2)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("rate", [1, 2, 1_000_000])
def test_audio_with_an_absurd_rate_is_refused_before_decoding(tmp_path: Path, rate: int) -> None:
    path = wav_claiming(tmp_path / "tiny.wav", rate)
    with pytest.raises(TransformError, match=f"sample rate {rate} Hz outside 8000..384000"):
        read_note_audio(path)
    with pytest.raises(AudioError, match="sample rate"):
        read_audio(path)
    # the OSC path reads from an open file
    with open(path, "rb") as f, pytest.raises(TransformError, match="sample rate"):
        read_note_audio(f)
    with pytest.raises(TransformError, match="sample rate"):  # audio already in memory
        prepare_note(np.ones(100, np.float32), rate, 22050, 11025)
    with pytest.raises(ValueError, match="sample rate"):
        make_engine().play_audio(np.ones(100, np.float32), rate)


def test_long_or_wide_audio_is_refused(tmp_path: Path) -> None:
    long = tmp_path / "long.wav"
    sf.write(long, np.zeros((8000 * 61, 1), np.int16), 8000, "PCM_16")
    with pytest.raises(TransformError, match=r"61\.0 s long, at most 60 s"):
        read_note_audio(long)
    wide = tmp_path / "wide.wav"
    sf.write(wide, np.zeros((800, 9), np.float32), 8000)
    with pytest.raises(TransformError, match="9 channels, at most 8"):
        read_note_audio(wide)
    assert NOTE_LIMITS.max_seconds == 60.0


def run_render(tmp_path: Path, score: Path, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "out.wav"
    code = render.main([str(score), "--out", str(out), "--no-progress", *extra], "render")
    return code, out


def test_render_refuses_a_score_that_lasts_for_hours(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mid = mido.MidiFile(ticks_per_beat=96)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.Message("note_on", note=60, velocity=100, time=96 * 2 * 36000))  # 10 h
    track.append(mido.Message("note_off", note=60, time=96))
    midi = tmp_path / "late.mid"
    mid.save(midi)
    assert midi.stat().st_size < 100
    score = tmp_path / "late.json"
    score.write_text(json.dumps([[1e9, "/waefader/note_on", 60, 100]]))
    for path in (midi, score):
        code, out = run_render(tmp_path, path, "--model", str(tiny_model_dir))
        err = capsys.readouterr().err.strip()
        assert code == 2 and not out.exists(), err
        assert "--max-duration 3600 s" in err and len(err.splitlines()) == 1
    code, out = run_render(tmp_path, score, "--model", str(tiny_model_dir),
                           "--max-duration", "10")  # fmt: skip
    assert code == 2 and "over --max-duration 10 s" in capsys.readouterr().err


def test_a_truncated_midi_file_says_why(tmp_path: Path) -> None:
    mid = mido.MidiFile()
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for i in range(20):
        track.append(mido.Message("note_on", note=60 + i, velocity=100, time=10))
    full = tmp_path / "full.mid"
    mid.save(full)
    cut = tmp_path / "cut.mid"
    cut.write_bytes(full.read_bytes()[:40])
    with pytest.raises(MidiError) as err:
        read_midi_file(cut)
    reason = str(err.value).split(": ", 1)[1]
    assert reason.strip() and "truncated" in reason, str(err.value)


@pytest.mark.parametrize(
    "style", ['{"piano": "abc"}', "null", '{"flute": null}', "[" * 5000 + "]" * 5000]
)
def test_bad_presets_are_one_line_in_render(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], style: str
) -> None:
    preset = tmp_path / "p.json"
    preset.write_text('{"format": "waefader-preset", "version": 1, "controls": {"style": '
                      + style + ', "gain": -1}}')  # fmt: skip
    score = tmp_path / "s.json"
    score.write_text(json.dumps([[0.0, "/waefader/note_on", 60, 100, 0.05]]))
    code, _ = run_render(tmp_path, score, "--model", str(tiny_model_dir), "--preset", str(preset),
                         "--tail", "0.1")  # fmt: skip
    err = capsys.readouterr().err
    assert "Traceback" not in err and code in (0, 2), err
    assert all(line.startswith(("render", "preset")) for line in err.strip().splitlines()), err
