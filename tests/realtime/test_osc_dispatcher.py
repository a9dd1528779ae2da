"""The OSC dispatcher fed raw bytes (no socket): every address, bad input counted, bundles."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from engine_fakes import make_engine
from pythonosc import osc_bundle_builder, osc_message

from realtime.engine.events import NoteRequest, TimedRequest
from realtime.osc.address import ADDRESSES, markdown_table
from realtime.osc.dispatcher import OscDispatcher, build

SENDER = ("127.0.0.1", 50000)


@pytest.fixture
def osc() -> OscDispatcher:
    return OscDispatcher(make_engine())


def requests(osc: OscDispatcher) -> list[object]:
    out = []
    while not osc.engine.worker.queue.empty():
        out.append(osc.engine.worker.queue.get_nowait()[1])
    return out


def test_notes_accept_ints_and_floats(osc: OscDispatcher) -> None:
    osc.handle_datagram(build("/waefader/note_on", 60, 100))
    osc.handle_datagram(build("/waefader/note_on", 62.0, 90.5, 0.25))
    osc.handle_datagram(build("/waefader/note_on", 64, 0))  # velocity 0 = note off
    osc.handle_datagram(build("/waefader/note_off", 60.0))
    reqs = requests(osc)
    assert [type(r) for r in reqs] == [NoteRequest, NoteRequest, TimedRequest, TimedRequest]
    assert reqs[0].pitch == 60 and reqs[1].pitch == 62 and reqs[1].duration == 0.25
    assert reqs[2].value == 64 and reqs[3].value == 60
    assert osc.counters.bad == 0 and osc.counters.messages == 4


def test_controls_by_address(osc: OscDispatcher) -> None:
    eng = osc.engine
    for msg in [
        build("/waefader/gain", -12),
        build("/waefader/release", 1),
        build("/waefader/style/violin", 0.5),
        build("/waefader/style", 0.25),
        build("/waefader/latent", 1, -1.5, 0.5),
        build("/waefader/fx", True),
        build("/waefader/normalise", 1),
        build("/waefader/variation", 0.5),
        build("/waefader/note_mix", *([1] + [0] * 6 + [0.5] + [0] * 4), *([0] * 4 + [1] + [0] * 4)),
    ]:
        osc.handle_datagram(msg)
    assert osc.counters.bad == 0, osc.last_problem
    assert eng.get("gain") == -12.0 and eng.get("release") == 1.0
    assert eng.get("style") == (0.25, 0.5) and eng.get("fx") is True
    assert eng.get("latent") == (1.0, -1.5, 0.5, 0.0)
    assert eng.get("pitch_class_mix")[7] == 0.5


def test_bad_input_is_counted_by_reason_never_raised(osc: OscDispatcher) -> None:
    cases = {
        "malformed": [
            b"",
            b"garbage",
            b"/waefader/gain",
            b"#bundle\x00\x01",
            b"#bundle\x00" + bytes(8) + b"\x00\x00\x00\x40/x",  # content longer than the packet
        ],
        "unknown": [
            build("/other/gain", 1),
            build("/waefader/nope", 1),
            build("/waefader/style/tuba", 1),
        ],
        "bad_args": [
            build("/waefader/gain", "loud"),
            build("/waefader/note_on", 60),
            build("/waefader/gain"),
            build("/waefader/note_mix", 1, 2),
            build("/waefader/preset", 3),
        ],
        "out_of_range": [
            build("/waefader/gain", 99),
            build("/waefader/note_on", 200, 100),
            build("/waefader/note_on", 60, 300),
            build("/waefader/fx", 2),
            build("/waefader/style/violin", -1),
        ],
    }
    for kind, packets in cases.items():
        for p in packets:
            assert osc.handle_datagram(p, SENDER) == []
        assert getattr(osc.counters, kind) == len(packets), (kind, osc.last_problem)
    assert osc.counters.bad == sum(len(v) for v in cases.values())
    assert osc.engine.get("gain") == 0.0  # nothing bad got through (make_engine sets 0 dB)


def test_random_garbage_never_breaks_the_dispatcher(osc: OscDispatcher) -> None:
    rng = random.Random(7)
    valid = [build("/waefader/note_on", 60, 100), build("/waefader/gain", -3.0)]
    for i in range(3000):
        if i % 2:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 80)))
        else:
            b = bytearray(rng.choice(valid))
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.getrandbits(8)
            data = bytes(b[: rng.randint(0, len(b))])
        osc.handle_datagram(data, SENDER)
    assert osc.counters.packets == 3000 and osc.counters.errors == 0
    assert osc.handle_datagram(build("/waefader/status"), SENDER)  # still answering


def decode(reply: bytes) -> tuple[str, list[object]]:
    m = osc_message.OscMessage(reply)
    return m.address, list(m.params)


def test_queries_reply_to_sender_or_reply_port() -> None:
    osc = OscDispatcher(make_engine(), reply_port=9001)
    osc.handle_datagram(b"junk")
    replies = osc.handle_datagram(build("/waefader/info"), SENDER)
    assert [t for _, t in replies] == [("127.0.0.1", 9001)] * 3
    info = json.loads(decode(replies[0][0])[1][0])
    assert info["styles"] == ["flute", "violin"] and info["latent_dim"] == 4
    assert decode(replies[1][0]) == ("/waefader/info/styles", ["flute", "violin"])
    replies = osc.handle_datagram(build("/waefader/status", 7000), SENDER)
    assert {t for _, t in replies} == {("127.0.0.1", 7000)}
    by_address = dict(decode(r) for r, _ in replies)
    status = json.loads(by_address["/waefader/status"][0])
    assert status["osc"]["malformed"] == 1 and by_address["/waefader/status/bad_packets"] == [1]
    assert "voices" in status and "underflows" in status and "latency_ms_p50" in status
    headroom = ("callback_worst_ms", "callback_worst_budget", "callback_gap_max_ms", "stalls")
    assert all(k in status for k in headroom)  # how close the audio came to breaking
    plain = OscDispatcher(make_engine())
    assert {t for _, t in plain.handle_datagram(build("/waefader/status"), SENDER)} == {SENDER}


def bundle(timetag: float, *messages: bytes) -> bytes:
    b = osc_bundle_builder.OscBundleBuilder(timetag)
    for m in messages:
        b.add_content(osc_message.OscMessage(m))
    return b.build().dgram


def test_future_bundles_are_scheduled_past_ones_play_now(osc: OscDispatcher) -> None:
    arrival = time.perf_counter()
    osc.handle_datagram(
        bundle(
            time.time() + 0.5, build("/waefader/note_on", 60, 100), build("/waefader/note_off", 60)
        ),
        SENDER,
        arrival,
    )
    osc.handle_datagram(bundle(time.time() - 1, build("/waefader/note_on", 61, 100)), SENDER)
    osc.handle_datagram(bundle(osc_bundle_builder.IMMEDIATELY, build("/waefader/note_on", 62, 100)))
    on, off, late, now = requests(osc)
    assert on.time == pytest.approx(arrival + 0.5, abs=0.005) and off.time == on.time
    assert late.time is None and now.time is None
    assert osc.counters.scheduled == 2 and osc.counters.late == 1


def test_nested_bundles_keep_their_timetags(osc: OscDispatcher) -> None:
    inner = osc_bundle_builder.OscBundleBuilder(time.time() + 1.0)
    inner.add_content(osc_message.OscMessage(build("/waefader/note_on", 70, 100)))
    outer = osc_bundle_builder.OscBundleBuilder(osc_bundle_builder.IMMEDIATELY)
    outer.add_content(inner.build())
    outer.add_content(osc_message.OscMessage(build("/waefader/note_on", 71, 100)))
    arrival = time.perf_counter()
    osc.handle_datagram(outer.build().dgram, SENDER, arrival)
    first, second = requests(osc)
    assert first.time == pytest.approx(arrival + 1.0, abs=0.005) and second.time is None


def test_presets_over_osc(osc: OscDispatcher, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    osc.handle_datagram(build("/waefader/preset", "fifths"))
    assert osc.engine.get("pitch_class_mix")[7] == 0.6
    osc.handle_datagram(build("/waefader/preset/save", "my pad"))
    assert (tmp_path / "waefader" / "presets" / "my pad.json").is_file()
    osc.handle_datagram(build("/waefader/gain", 0))
    osc.handle_datagram(build("/waefader/preset", "my pad"))
    assert osc.engine.get("gain") == -9.0 and osc.counters.bad == 0
    osc.handle_datagram(build("/waefader/preset", "no-such-preset"))
    assert osc.counters.refused == 1


def test_docs_list_every_address() -> None:
    table = markdown_table()
    assert all(f"/waefader/{a.path}`" in table for a in ADDRESSES)
    with open(Path(__file__).resolve().parents[2] / "docs" / "OSC.md") as f:
        doc = f.read()
    assert table in doc, "docs/OSC.md is out of date: regenerate its table from markdown_table()"
