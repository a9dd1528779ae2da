"""Clients nobody here wrote: the Pd example run by a real Pure Data (``pd -nogui``) and
liblo's ``oscsend`` / ``oscdump``, against the OSC server on loopback.

Pd: a harness patch is examples/waefader.pd as it is (ports changed to free ones), plus a
``[r click<i>]`` wired into each box the test "clicks" (a bang into a message box is a
click; a number into a slider or number box is a drag) and a ``[loadbang]`` that clicks
them in order, 100 ms apart, then quits Pd. The engine counts what arrived."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from engine_fakes import make_engine

from realtime.engine.events import NoteRequest
from realtime.osc.dispatcher import OscDispatcher
from realtime.osc.server import OscServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "waefader.pd"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def note_requests(server: OscServer) -> list[NoteRequest]:
    q = server.dispatcher.engine.worker.queue
    items = []
    while not q.empty():
        items.append(q.get_nowait()[1])
    return [r for r in items if isinstance(r, NoteRequest)]


def wait_for(cond, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and not cond():
        time.sleep(0.02)
    return bool(cond())


def pd_boxes(lines: list[str]) -> list[str]:
    """The object lines (#X obj/msg/text/floatatom...), in Pd's numbering."""
    return [ln for ln in lines[1:] if ln.startswith("#X") and not ln.startswith("#X connect")]


def find(boxes: list[str], pattern: str) -> int:
    hits = [i for i, b in enumerate(boxes) if re.search(pattern, b)]
    assert len(hits) == 1, (pattern, hits)
    return hits[0]


def harness(osc_port: int, reply_port: int) -> tuple[str, dict[str, int]]:
    text = EXAMPLE.read_text()
    text = text.replace("connect localhost 9000", f"connect localhost {osc_port}")
    text = text.replace("netreceive -u -b 9001", f"netreceive -u -b {reply_port}")
    text = text.replace("#X msg 20 330 9001;", f"#X msg 20 330 {reply_port};")
    lines = [ln.strip() for ln in text.split(";\n") if ln.strip()]
    boxes = pd_boxes(lines)
    at = {
        "connect": find(boxes, r"^#X msg \S+ \S+ connect localhost"),
        "note": find(boxes, r"^#X msg \S+ \S+ 60 100 0\.5$"),
        "chord": find(boxes, r"^#X msg \S+ \S+ 64 90$"),
        "off": find(boxes, r"^#X msg \S+ \S+ 64$"),
        "preset": find(boxes, r"fifths$"),
        "status": find(boxes, rf"^#X msg \S+ \S+ {reply_port}$"),
        "gain": find(boxes, r"^#X obj \S+ \S+ hsl 128 15 -60 12"),
        "style": find(boxes, r"^#X obj \S+ \S+ hsl 128 15 0 1 "),
        "release": find(boxes, r"^#X floatatom"),
    }
    n = len(boxes)
    extra, wires = [], []
    for k, (name, index) in enumerate(at.items()):
        extra.append(f"#X obj 600 {20 + 20 * k} r click_{name}")
        wires.append(f"#X connect {n + k} 0 {index} 0")
    clicks = [
        "click_note bang", "click_chord bang", "click_off bang", "click_preset bang",
        "click_gain -20", "click_style 0.75", "click_release 1.5", "click_status bang",
    ]
    # connect first (netsend connects on its own thread); then one click each 100 ms, as a
    # person clicks (Pd's UDP netsend sends one datagram per scheduler tick); then quit
    steps = [(200, "click_connect bang")] + [(500 + 100 * k, c) for k, c in enumerate(clicks)]
    steps.append((500 + 100 * len(clicks) + 1500, "pd quit"))
    first = n + len(at)
    driver = ["#X obj 600 300 loadbang"]
    for k, (ms, message) in enumerate(steps):
        driver += [f"#X obj 700 {20 * k} delay {ms}", f"#X msg 800 {20 * k} \\; {message}"]
        delay = first + 1 + 2 * k
        wires += [f"#X connect {first} 0 {delay} 0", f"#X connect {delay} 0 {delay + 1} 0"]
    body = lines + extra + driver + wires
    return ";\n".join(body) + ";\n", at


@pytest.mark.timeout(60)
def test_the_pd_example_plays_the_engine(tmp_path: Path) -> None:
    if not shutil.which("pd"):
        pytest.fail("pd missing: scripts/setup.sh installs puredata-core")
    osc_port, reply_port = free_port(), free_port()
    patch, _ = harness(osc_port, reply_port)
    (tmp_path / "harness.pd").write_text(patch)
    eng = make_engine()
    with OscServer(OscDispatcher(eng), port=osc_port) as server:
        done = subprocess.run(
            ["pd", "-nogui", "-noaudio", "-nomidi", "-stderr", "-open", "harness.pd"],
            cwd=tmp_path, capture_output=True, text=True, timeout=30,
        )
        counters = server.dispatcher.counters
        assert wait_for(lambda: counters.messages >= 8, 5.0), (counters, done.stderr)
        counters = server.dispatcher.counters
        notes = note_requests(server)
    log = done.stdout + done.stderr
    pd_errors = [ln for ln in log.splitlines() if "no method" in ln or ln.startswith("error")]
    assert not pd_errors, log
    assert counters.bad == 0, (counters, server.dispatcher.last_problem)
    assert [(r.pitch, r.duration) for r in notes] == [(60, 0.5), (64, None)]
    assert eng.get("pitch_class_mix")[7] == 0.6  # the preset box: fifths
    assert eng.get("gain") == -20.0 and eng.get("release") == 1.5
    assert eng.get("style")[eng.controls.style_names.index("violin")] == 0.75
    assert "waefader: list waefader status voices 0" in log, log  # a reply, parsed by Pd


@pytest.mark.timeout(60)
def test_liblo_oscsend_and_oscdump(tmp_path: Path) -> None:
    if not (shutil.which("oscsend") and shutil.which("oscdump")):
        pytest.fail("oscsend/oscdump missing: scripts/setup.sh installs liblo-tools")
    osc_port, reply_port = free_port(), free_port()
    eng = make_engine()
    with OscServer(OscDispatcher(eng), port=osc_port) as server:
        dump = subprocess.Popen(
            ["oscdump", "-L", str(reply_port)], stdout=subprocess.PIPE, text=True
        )
        try:
            time.sleep(0.3)
            for args in (
                ["/waefader/note_on", "ii", "62", "100"],
                ["/waefader/note_on", "fff", "67", "80", "0.25"],
                ["/waefader/preset", "S", "Flute Fifths"],  # liblo's symbol type
                ["/waefader/style/violin", "f", "0.5"],
                ["/waefader/presets", "i", str(reply_port)],
            ):
                subprocess.run(["oscsend", "localhost", str(osc_port), *args], check=True,
                               timeout=10)
            assert wait_for(lambda: server.dispatcher.counters.messages == 5, 5.0)
            time.sleep(0.3)
        finally:
            dump.terminate()
            out, _ = dump.communicate(timeout=5)
        counters = server.dispatcher.counters
        notes = note_requests(server)
    assert counters.bad == 0, server.dispatcher.last_problem
    assert [(r.pitch, r.duration) for r in notes] == [(62, None), (67, 0.25)]
    assert eng.get("style")[eng.controls.style_names.index("violin")] == 0.5
    assert "/waefader/presets" in out and "flute_fifths" in out and "warm_strings" in out, out
