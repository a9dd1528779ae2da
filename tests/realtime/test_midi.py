"""MIDI: the handler, the CC map and its file, MIDI files, and a real JACK MIDI port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import mido
import pytest
from engine_fakes import make_engine, need_jack

from realtime.engine.events import NoteRequest, TimedRequest
from realtime.midi.handler import MidiHandler
from realtime.midi.mapping import CcMap, MidiError
from realtime.midi.midifile import read_midi_file
from realtime.midi.ports import list_inputs, open_input


def drained(eng) -> list[object]:
    out = []
    while not eng.worker.queue.empty():
        out.append(eng.worker.queue.get_nowait()[1])
    return out


def test_notes_velocity_and_sustain() -> None:
    eng = make_engine()
    h = MidiHandler(eng)
    for msg in [
        mido.Message("note_on", note=60, velocity=90),
        mido.Message("note_on", note=60, velocity=0),  # running-status note-off
        mido.Message("note_off", note=62),
        mido.Message("control_change", control=64, value=127),
        mido.Message("pitchwheel", pitch=100),
        mido.Message("polytouch", note=60, value=3),
    ]:
        h.handle(msg)
    on, off1, off2, pedal, bend = drained(eng)
    assert isinstance(on, NoteRequest) and on.pitch == 60 and on.gain == pytest.approx(90 / 127)
    assert isinstance(off1, TimedRequest) and off1.value == 60 and off2.value == 62
    assert pedal.value == 1
    assert bend.amount == pytest.approx(2.0 * 100 / 8191)
    assert h.counts == {"notes": 1, "note_offs": 2, "cc": 2, "ignored": 1, "errors": 0}


def test_pitch_wheel_range_follows_rpn_0() -> None:
    eng = make_engine()
    h = MidiHandler(eng)
    h.handle(mido.Message("pitchwheel", pitch=8191))
    h.handle(mido.Message("pitchwheel", pitch=-8192))
    for cc, v in ((101, 0), (100, 0), (6, 12), (38, 50)):  # RPN 0 = 12 semitones 50 cents
        h.handle(mido.Message("control_change", control=cc, value=v))
    h.handle(mido.Message("pitchwheel", pitch=4096))
    h.handle(mido.Message("control_change", control=101, value=127))  # RPN null
    h.handle(mido.Message("control_change", control=6, value=1))  # data entry: no RPN now
    amounts = [r.amount for r in drained(eng)]
    # full up, full down, the wheel re-applied at 12 and at 12.5 semitones, then a half wheel
    assert amounts[:2] == [pytest.approx(2.0), pytest.approx(-2.0)]
    assert amounts[-1] == pytest.approx(12.5 * 4096 / 8191)
    assert h.bend_range == 12.5
    with pytest.raises(ValueError, match="bend range"):
        MidiHandler(eng, bend_range=30)


def test_channel_pressure_and_mod_wheel_reach_the_cc_map(tmp_path) -> None:
    eng = make_engine()
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"cc": {"pressure": {"target": "latent/1", "min": -2, "max": 2}}}))
    h = MidiHandler(eng, CcMap.for_controls(eng.controls, path))
    h.handle(mido.Message("aftertouch", value=127))
    h.handle(mido.Message("control_change", control=1, value=127))  # mod wheel
    assert eng.get("latent")[1] == 2.0 and eng.get("variation") == 1.0
    assert h.counts["cc"] == 2
    plain = MidiHandler(eng)  # pressure is unmapped by default: counted, ignored
    plain.handle(mido.Message("aftertouch", value=10))
    assert plain.counts["ignored"] == 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"cc": {"6": "gain"}}))
    with pytest.raises(MidiError, match="reserved"):
        CcMap.for_controls(eng.controls, bad)


def test_default_cc_map_moves_faders() -> None:
    eng = make_engine()
    h = MidiHandler(eng)
    h.handle(mido.Message("control_change", control=7, value=127))
    h.handle(mido.Message("control_change", control=21, value=127))  # second style
    h.handle(mido.Message("control_change", control=74, value=0))  # latent x
    h.handle(mido.Message("control_change", control=72, value=0))  # release (log)
    assert eng.get("gain") == 6.0 and eng.get("style") == (1.0, 1.0)
    assert eng.get("latent")[0] == -3.0 and eng.get("release") == pytest.approx(0.01)
    h.handle(mido.Message("control_change", control=123, value=0))  # all notes off
    assert eng.mixer.inbox[-1].kind == 5  # PANIC


def test_cc_map_file_and_its_errors(tmp_path) -> None:
    eng = make_engine()
    good = tmp_path / "map.json"
    good.write_text(
        json.dumps(
            {
                "cc": {
                    "7": "variation",
                    "30": "style/violin",
                    "31": {"target": "release", "min": 0.1, "max": 2, "curve": "log"},
                }
            }
        )
    )
    ccmap = CcMap.for_controls(eng.controls, good)
    assert ccmap.describe()[7] == "variation" and ccmap.describe()[30] == "style/1"
    assert ccmap.describe()[1] == "variation"  # the default map stays
    h = MidiHandler(eng, ccmap)
    h.handle(mido.Message("control_change", control=31, value=127))
    assert eng.get("release") == pytest.approx(2.0)
    for bad in [
        {"cc": {"7": "nope"}},
        {"cc": {"64": "gain"}},
        {"cc": {"200": "gain"}},
        {"cc": {"7": "latent"}},
        {"cc": {"7": "style/tuba"}},
        {"cc": {"7": {"target": "gain", "min": -200}}},
        {"nocc": 1},
    ]:
        good.write_text(json.dumps(bad))
        with pytest.raises(MidiError):
            CcMap.for_controls(eng.controls, good)
    good.write_text("{oops")
    with pytest.raises(MidiError, match="not readable"):
        CcMap.for_controls(eng.controls, good)


def test_channel_filter() -> None:
    eng = make_engine()
    h = MidiHandler(eng, channel=2)
    h.handle(mido.Message("note_on", note=60, velocity=90, channel=0))
    h.handle(mido.Message("note_on", note=61, velocity=90, channel=2))
    assert [r.pitch for r in drained(eng)] == [61] and h.counts["ignored"] == 1


def test_midi_file_times_follow_the_tempo(tmp_path) -> None:
    mid = mido.MidiFile(ticks_per_beat=480)
    tr = mido.MidiTrack()
    mid.tracks.append(tr)
    tr.append(mido.MetaMessage("set_tempo", tempo=500000))  # 120 bpm
    tr.append(mido.Message("note_on", note=60, velocity=100, time=480))  # 0.5 s
    tr.append(mido.MetaMessage("set_tempo", tempo=250000, time=0))  # 240 bpm
    tr.append(mido.Message("note_off", note=60, time=480))  # + 0.25 s
    path = tmp_path / "t.mid"
    mid.save(path)
    events = read_midi_file(path)
    assert [round(t, 6) for t, _ in events] == [0.5, 0.75]
    (tmp_path / "bad.mid").write_bytes(b"MThd nope")
    with pytest.raises(MidiError):
        read_midi_file(tmp_path / "bad.mid")


@pytest.mark.jack
def test_a_real_jack_midi_port_plays_the_engine() -> None:
    """A virtual JACK MIDI output (another program) connected to our input port."""
    need_jack()
    eng = make_engine()
    h = MidiHandler(eng)
    backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
    keyboard = backend.open_output("test-keyboard", virtual=True)
    inp = open_input(
        lambda msg, arrival: h.handle(msg, arrival=arrival), port="test-keyboard", api="jack"
    )
    try:
        assert "test-keyboard" in inp.name and any(
            "test-keyboard" in n for n in list_inputs("jack")["jack"]
        )
        time.sleep(0.1)
        keyboard.send(mido.Message("note_on", note=64, velocity=100))
        keyboard.send(mido.Message("control_change", control=7, value=0))
        keyboard.send(mido.Message("note_off", note=64))
        deadline = time.perf_counter() + 3
        while h.counts["note_offs"] < 1 and time.perf_counter() < deadline:
            time.sleep(0.01)
    finally:
        inp.close()
        keyboard.close()
    assert h.counts["notes"] == 1 and h.counts["cc"] == 1 and h.counts["note_offs"] == 1
    assert eng.get("gain") == -60.0
    assert [type(r).__name__ for r in drained(eng)] == ["NoteRequest", "TimedRequest"]


@pytest.mark.jack
def test_a_virtual_input_port_accepts_connections() -> None:
    need_jack()
    got = []
    inp = open_input(lambda msg, arrival: got.append(msg), port="virtual", api="jack")
    try:
        backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
        name = next(n for n in backend.get_output_names() if "waefader" in n)
        assert name == "waefader-midi:midi_in"
        out = backend.open_output(name)
        time.sleep(0.2)  # JACK makes the connection after the port opens
        out.send(mido.Message("note_on", note=50, velocity=20))
        deadline = time.perf_counter() + 3
        while not got and time.perf_counter() < deadline:
            time.sleep(0.01)
        out.close()
    finally:
        inp.close()
    assert got and got[0].note == 50


def test_program_change_recalls_a_preset_by_its_place_in_the_list() -> None:
    eng = make_engine()
    h = MidiHandler(eng)
    heard: list[tuple[str, object]] = []
    eng.subscribe(lambda name, value: heard.append((name, value)))
    names = eng.presets()
    h.handle(mido.Message("program_change", program=names.index("fifths")))
    assert h.programs == 1 and eng.get("pitch_class_mix")[7] == 0.6
    assert heard[-1][0] == "preset" and str(heard[-1][1]).endswith("fifths.json")
    h.handle(mido.Message("program_change", program=127))  # beyond the list: ignored
    assert h.programs == 1 and h.counts["ignored"] == 1 and h.counts["errors"] == 0


CLOSE_WHILE_PLAYING = """
import threading, time, mido
from realtime.midi.ports import open_input
backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
for _ in range(25):
    got = []
    inp = open_input(lambda msg, arrival: (got.append(msg), time.sleep(0.002)), port="virtual",
                     api="jack")
    out = backend.open_output("waefader-midi:midi_in")
    stop = threading.Event()
    def play():
        while not stop.is_set():
            out.send(mido.Message("note_on", note=60, velocity=64))
            time.sleep(0.0005)
    t = threading.Thread(target=play)
    t.start()
    time.sleep(0.05)
    inp.close()  # closes while notes keep coming
    stop.set()
    t.join()
    out.close()
    assert got
print("closed 25 times")
"""


@pytest.mark.jack
def test_closing_a_jack_port_while_notes_arrive_does_not_crash() -> None:
    """rtmidi calls our callback on JACK's thread; closing the port under it used to
    segfault about once in 20 closes (tests/gui/test_gui_osc.py) and, here, to hang. 25
    closes while a sender keeps playing, in a child process: a crash or a hang is a
    failure, not a dead run."""
    need_jack()
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", CLOSE_WHILE_PLAYING], cwd=root, text=True,
                          capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert "closed 25 times" in done.stdout
