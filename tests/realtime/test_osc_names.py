"""OSC by name: presets (one list, normalised names), style slugs, the S type, the address
list, and bundle elements that lie about their size."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import pytest
from engine_fakes import SineRenderer, make_engine
from pythonosc import osc_bundle_builder, osc_message

from realtime.engine.preset_names import available, match, normalise
from realtime.engine.presets import SHIPPED_DIR, list_presets
from realtime.osc.dispatcher import OscDispatcher, build

SENDER = ("127.0.0.1", 50000)
SHIPPED = sorted(p.stem for p in SHIPPED_DIR.glob("*.json"))


@pytest.fixture(autouse=True)
def _own_user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "waefader" / "presets"


def decode(datagram: bytes) -> tuple[str, list[object]]:
    m = osc_message.OscMessage(datagram)
    return m.address, list(m.params)


def symbol_message(address: str, text: str) -> bytes:
    """A message with one ``S`` (symbol) argument, as Pd, Max and liblo send it."""

    def pad(b: bytes) -> bytes:
        b += b"\x00"
        return b + b"\x00" * (-len(b) % 4)

    return pad(address.encode()) + pad(b",S") + pad(text.encode())


def test_names_are_normalised() -> None:
    assert normalise(" Warm Strings.json") == "warm_strings" == normalise("warm-strings")
    assert match("WARM strings", ["fifths", "warm_strings"]) == "warm_strings"
    assert match("warm", ["warm_strings"]) is None and match("", ["a"]) is None


def test_one_list_user_presets_first(_own_user_folder: Path) -> None:
    assert len(SHIPPED) == 8 and set(SHIPPED) <= set(list_presets())
    _own_user_folder.mkdir(parents=True)
    mine = _own_user_folder / "Warm Strings.json"
    mine.write_text((SHIPPED_DIR / "fifths.json").read_text())
    (_own_user_folder / "my_pad.json").write_text((SHIPPED_DIR / "default.json").read_text())
    found = available((_own_user_folder, SHIPPED_DIR))
    assert found["Warm Strings"] == mine and "warm_strings" not in found  # the user's wins
    assert "my_pad" in list_presets()


def test_every_shipped_preset_loads_by_name_over_osc() -> None:
    osc = OscDispatcher(make_engine())
    for name in SHIPPED:
        for spelling in (name, name.replace("_", " ").title()):
            osc.handle_datagram(build("/waefader/preset", spelling))
            assert osc.counters.bad == 0, (spelling, osc.last_problem)
    osc.handle_datagram(symbol_message("/waefader/preset", "fifths"))
    assert osc.counters.bad == 0, osc.last_problem
    assert osc.engine.get("pitch_class_mix")[7] == 0.6
    osc.handle_datagram(build("/waefader/preset", "no such preset"))  # the sandbox's one answer
    assert osc.counters.refused == 1 and "not allowed or not found" in osc.last_problem


def test_presets_query_replies_the_list() -> None:
    osc = OscDispatcher(make_engine())
    (reply, target), = osc.handle_datagram(build("/waefader/presets"), SENDER)
    assert target == SENDER and decode(reply) == ("/waefader/presets", list_presets())
    (_, target), = osc.handle_datagram(build("/waefader/presets", 9100), SENDER)
    assert target == ("127.0.0.1", 9100)


def test_preset_loaded_over_osc_is_announced() -> None:
    osc = OscDispatcher(make_engine())
    heard: list[tuple[str, object]] = []
    osc.engine.subscribe(lambda name, value: heard.append((name, value)))
    osc.handle_datagram(build("/waefader/preset", "Warm Strings"))
    assert ("preset", str(SHIPPED_DIR / "warm_strings.json")) in heard


def test_style_slugs_and_plain_names() -> None:
    styles = ("english horn", "violin", "French-Horn")
    osc = OscDispatcher(make_engine(SineRenderer(styles=styles)))
    for address, index in (
        ("/waefader/style/english_horn", 0),
        ("/waefader/style/english horn", 0),
        ("/waefader/style/violin", 1),
        ("/waefader/style/french-horn", 2),
    ):
        osc.handle_datagram(build(address, 0.5 + index))
        assert osc.counters.bad == 0, (address, osc.last_problem)
        assert osc.engine.get("style")[index] == 0.5 + index
    osc.handle_datagram(build("/waefader/style/tuba", 1.0))
    assert osc.counters.unknown == 1
    replies = osc.handle_datagram(build("/waefader/info"), SENDER)
    addresses = dict(decode(r) for r, _ in replies)["/waefader/info/addresses"]
    assert "/waefader/style/english_horn" in addresses and "/waefader/presets" in addresses
    assert "/waefader/note_on" in addresses and "/waefader/style/<slug>" not in addresses
    assert json.loads(dict(decode(r) for r, _ in replies)["/waefader/info"][0])["styles"]


def test_bundle_element_claiming_too_many_bytes_is_malformed() -> None:
    osc = OscDispatcher(make_engine())
    good = build("/waefader/note_on", 60, 100)
    b = osc_bundle_builder.OscBundleBuilder(time.time() - 1.0)  # past: would count as late
    b.add_content(osc_message.OscMessage(good))
    dgram = b.build().dgram
    lying = dgram + struct.pack(">i", 400) + good  # claims 400 bytes, holds fewer
    garbage = dgram + struct.pack(">i", 8) + b"\x01\x02\x03\x04\x05\x06\x07\x08"
    osc.handle_datagram(lying)
    assert osc.counters.malformed == 1 and osc.counters.late == 1  # the good one played
    osc.handle_datagram(garbage)
    assert osc.counters.malformed == 2 and osc.counters.late == 2
    assert osc.engine.worker.queue.qsize() == 2


def test_reply_port_is_spelled_alike_on_every_command_that_serves_osc() -> None:
    from gui.app import build_parser
    from realtime.cli.serve import parser

    assert build_parser("play").parse_args(["--reply-port", "9100"]).osc_reply_port == 9100
    assert build_parser("play").parse_args(["--osc-reply-port", "9101"]).osc_reply_port == 9101
    assert parser("serve").parse_args(["--reply-port", "9102"]).reply_port == 9102


def test_preset_option_takes_a_loose_name() -> None:
    from argparse import Namespace

    from realtime.cli.engine_args import CliError, apply_controls

    eng = make_engine()
    apply_controls(eng, Namespace(preset="Flute Fifths", gain=None, fx=False))
    assert eng.get("pitch_class_mix")[7] == 0.5  # flute_fifths blends the fifth in
    with pytest.raises(CliError, match="available: "):
        apply_controls(eng, Namespace(preset="flute fourths", gain=None, fx=False))
