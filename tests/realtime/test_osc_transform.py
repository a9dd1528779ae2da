"""``/waefader/transform path [name value ...]`` through the dispatcher (raw bytes, no socket):
checked at once, run off the OSC thread, played through the engine, answered, and every
kind of bad request or bad file counted while the synth keeps playing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from engine_fakes import make_engine
from transform_kit import SR, harmonic_note

from realtime.engine import Engine, EngineConfig
from realtime.model import OnnxSynth, load_model
from realtime.osc.dispatcher import OscDispatcher, build
from realtime.osc.sandbox import AllowedDirs
from realtime.transform import Edits, transform_file

SENDER = ("127.0.0.1", 50000)


@pytest.fixture(scope="module")
def synth(tiny_model_dir: Path) -> OnnxSynth:
    return load_model(tiny_model_dir)


@pytest.fixture
def osc(synth: OnnxSynth, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = Engine(synth, EngineConfig(sample_rate=SR, seed=0, use_head=False))
    engine.start(audio=False)
    dispatcher = OscDispatcher(engine, allow_dirs=AllowedDirs([tmp_path_factory.getbasetemp()]))
    sent: list[tuple[bytes, tuple[str, int]]] = []
    dispatcher.send = sent.extend
    dispatcher.sent = sent  # type: ignore[attr-defined]
    yield dispatcher
    dispatcher.close()
    engine.stop()


@pytest.fixture(scope="module")
def note_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("osc") / "a3 note.wav"  # a space, as users name files
    sf.write(path, np.stack([harmonic_note(57, 44100)] * 2, axis=1), 44100)
    return path


def replies(osc: OscDispatcher) -> list[tuple[str, list[object]]]:
    from pythonosc.osc_message import OscMessage

    return [(m.address, list(m.params)) for m in (OscMessage(d) for d, _ in osc.sent)]  # type: ignore[attr-defined]


def test_transform_plays_and_leaves_its_controls(osc: OscDispatcher, note_file: Path) -> None:
    msg = build("/waefader/transform", str(note_file), "flute", 0.75, "cello", 0.25,
                "transpose", 12, "dynamics", "ff", "latent_scale", 0.5)  # fmt: skip
    assert osc.handle_datagram(msg, SENDER) == []  # nothing waits for the transform
    assert osc.jobs.wait_idle(60.0)
    assert osc.counters.bad == 0, osc.last_problem
    assert osc.counters.transforms == 1
    want = transform_file(
        osc.engine.renderer,  # type: ignore[arg-type]
        note_file,
        Edits(style=(("flute", 0.75), ("cello", 0.25)), transpose=12, velocity=120,
              latent_scale=0.5),
    )  # fmt: skip
    values = osc.engine.controls.values()
    np.testing.assert_allclose(values["latent"], want.z_target, atol=1e-6)
    assert values["style"] == pytest.approx([0.0, 0.75, 0.25])
    assert osc.engine.wait_idle(10.0) and osc.engine.last_note() is not None
    [(address, args)] = replies(osc)
    assert address == "/waefader/transform/done" and args[0] == str(note_file)
    summary = json.loads(str(args[1]))
    assert summary["target"]["pitch"] == want.target.pitch == want.source.attributes.pitch + 12
    assert summary["target"]["dynamics"] == "ff"


def test_the_original_plays_as_a_buffer(osc: OscDispatcher, note_file: Path) -> None:
    before = osc.engine.controls.values()
    osc.handle_datagram(build("/waefader/transform", str(note_file), "play", "original"), SENDER)
    assert osc.jobs.wait_idle(60.0) and osc.counters.transforms == 1
    assert osc.engine.controls.values() == before  # a buffer: no control moved
    assert len(osc.engine.mixer.inbox) == 1 and osc.engine.mixer.inbox[0].pitch == -1


@pytest.mark.parametrize(
    ("args", "kind", "text"),
    [
        ((), "bad_args", "file path"),
        ((1.0,), "bad_args", "file path"),
        (("x.wav", "flute"), "bad_args", "no value"),
        (("x.wav", "oboe", 1), "bad_args", "unknown style"),
        (("x.wav", "flute", "loud"), "bad_args", "number"),
        (("x.wav", "flute", 9), "out_of_range", "outside"),
        (("x.wav", "transpose", 0.5), "bad_args", "whole"),
        (("x.wav", "pitch", "H9"), "bad_args", "note name"),
        (("x.wav", "dynamics", "loud"), "bad_args", "pp, mf, ff"),
        (("x.wav", "play", "backwards"), "bad_args", "play takes"),
        (("x.wav", 3, 1), "bad_args", "style name"),
    ],
)
def test_bad_requests_are_counted_at_once(
    osc: OscDispatcher, args: tuple[object, ...], kind: str, text: str
) -> None:
    osc.handle_datagram(build("/waefader/transform", *args), SENDER)
    assert getattr(osc.counters, kind) == 1 and text in osc.last_problem, osc.last_problem
    assert osc.jobs.pending == 0 and osc.sent == []  # type: ignore[attr-defined]


def test_bad_files_are_counted_answered_and_the_synth_plays_on(
    osc: OscDispatcher, tmp_path: Path
) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(SR, np.float32), SR)
    for path in (tmp_path / "missing.wav", text, silent):  # a refusal is answered at once
        osc.sent.extend(osc.handle_datagram(build("/waefader/transform", str(path)), SENDER))  # type: ignore[attr-defined]
    assert osc.jobs.wait_idle(30.0)
    assert osc.counters.bad_args == 2 and osc.counters.refused == 1
    assert osc.counters.transforms == 0
    answers = replies(osc)
    assert [a for a, _ in answers] == ["/waefader/transform/error"] * 3
    reasons = " | ".join(str(args[1]) for _, args in answers)
    for reason in ("not allowed or not found", "not readable as audio", "silent"):
        assert reason in reasons
    osc.handle_datagram(build("/waefader/note_on", 60, 100), SENDER)
    assert osc.engine.wait_idle(10.0) and osc.engine.last_note() is not None


def test_a_model_without_encoder_is_refused(note_file: Path) -> None:
    allow = AllowedDirs([note_file.parent])
    osc = OscDispatcher(make_engine(), allow_dirs=allow)  # the sine stand-in has no encoder
    osc.handle_datagram(build("/waefader/transform", str(note_file)))
    assert osc.counters.bad_args == 1 and "encoder" in osc.last_problem


def test_the_answer_comes_back_over_udp(synth: OnnxSynth, note_file: Path) -> None:
    import socket

    from realtime.osc.server import OscServer

    engine = Engine(synth, EngineConfig(sample_rate=SR, seed=0, use_head=False))
    engine.start(audio=False)
    try:
        allow = AllowedDirs([note_file.parent])
        with OscServer(
            OscDispatcher(engine, allow_dirs=allow), port=0, rt_priority=None, nice=None
        ) as server:
            c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            c.bind(("127.0.0.1", 0))
            c.settimeout(60.0)
            c.sendto(build("/waefader/transform", str(note_file), "cello", 1),
                     (server.host, server.port))  # fmt: skip
            c.sendto(build("/waefader/status"), (server.host, server.port))
            from pythonosc.osc_message import OscMessage

            got = [OscMessage(c.recv(65536)).address for _ in range(6)]
            c.close()
    finally:
        engine.stop()
    # the status answers come first: the server did not wait for the transform
    assert got[0] == "/waefader/status" and got[-1] == "/waefader/transform/done"
