"""The example patches and scores speak the synth's address space."""

from __future__ import annotations

import json
import re
from pathlib import Path

from engine_fakes import make_engine

from realtime.osc.dispatcher import OscDispatcher, build
from realtime.osc.transform import parse_request

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _number(token: str) -> object:
    try:
        return int(token)
    except ValueError:
        try:
            return float(token)
        except ValueError:
            return token


def test_max_patch_messages_are_known_addresses() -> None:
    patch = json.loads((EXAMPLES / "waefader.maxpat").read_text())["patcher"]
    ids = {b["box"]["id"] for b in patch["boxes"]}
    assert all(line["patchline"]["destination"][0] in ids for line in patch["lines"])
    texts = [b["box"].get("text", "") for b in patch["boxes"]]
    assert "udpsend 127.0.0.1 9000" in texts
    osc = OscDispatcher(make_engine())
    sent = 0
    for text in texts:
        for msg in text.split(","):
            tokens = msg.split()
            if tokens and tokens[0].startswith("/waefader"):
                osc.handle_datagram(build(tokens[0], *map(_number, tokens[1:])))
                sent += 1
            elif tokens[:2] == ["prepend", "/waefader/transform"]:  # fed by the file drop
                appended = next(t.split()[1:] for t in texts if t.startswith("append "))
                request = parse_request(["/x.wav", *map(_number, appended)],
                                        osc.engine.controls.style_names)  # fmt: skip
                assert request.edits.transpose == 12 and request.edits.style == (("flute", 1.0),)
                sent += 1
            elif tokens[:1] == ["prepend"]:  # a fader or keyboard feeding this address
                args = {
                    "/waefader/note_on": (60, 100),
                    "/waefader/style": (0.5,),
                    "/waefader/gain": (-6.0,),
                    "/waefader/release": (0.5,),
                    "/waefader/latent": (0.5, -0.5),
                }[tokens[1]]
                osc.handle_datagram(build(tokens[1], *args))
                sent += 1
    assert sent >= 12 and osc.counters.bad == 0, osc.last_problem


def test_pd_patch_addresses_are_known() -> None:
    text = (EXAMPLES / "waefader.pd").read_text()
    osc = OscDispatcher(make_engine())  # styles flute, violin
    examples = {
        "note_on": (60, 100.0),
        "note_off": (60.0,),
        "panic": (),
        "gain": (-6.0,),
        "style/violin": (0.5,),
        "status": (9001.0,),
        "release": (0.3,),
        "preset": ("fifths",),
    }
    formats = re.findall(r"oscformat ([\w ]+);", text)
    assert len(formats) == 8
    for parts in formats:
        path = "/".join(parts.split()[1:])
        osc.handle_datagram(build("/" + "/".join(parts.split()), *examples[path]))
    assert osc.counters.bad == 0, osc.last_problem
    assert "netsend -u -b" in text and "connect localhost 9000" in text


def test_example_score_and_midi_file_parse() -> None:
    from realtime.midi.midifile import read_midi_file
    from realtime.osc.score import read_score

    entries = read_score(EXAMPLES / "score.json")
    osc = OscDispatcher(make_engine())
    for _, dgram in entries:
        osc.handle_datagram(dgram, frame=0)
    assert osc.counters.bad == 0, osc.last_problem
    notes = [m for _, m in read_midi_file(EXAMPLES / "phrase.mid") if m.type == "note_on"]
    assert len(notes) == 28
