"""Issue 16, I/O that must never block or lie: python-osc's warnings with stderr on a pipe
nobody reads, datagrams the kernel drops, senders outside --osc-allow, and the warning for
an OSC port open to the network."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from engine_fakes import make_engine
from pythonosc import osc_message

from realtime.cli.serve import Server, parser
from realtime.osc.dispatcher import OscDispatcher, build
from realtime.osc.quiet import library_warnings
from realtime.osc.server import OscServer, is_loopback, parse_networks

ROOT = Path(__file__).resolve().parents[2]
# a message with an unknown type tag: python-osc logs a warning for it (bundle elements it
# cannot parse no longer reach python-osc: realtime.osc.packets counts them as malformed)
UNKNOWN_TYPE = b"/waefader/panic\0" + b",q\0\0"


def free_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def ask_status(c: socket.socket, port: int, timeout: float) -> dict | None:
    c.settimeout(timeout)
    c.sendto(build("/waefader/status"), ("127.0.0.1", port))
    try:
        while True:
            m = osc_message.OscMessage(c.recv(65536))
            if m.address == "/waefader/status":
                return json.loads(m.params[0])  # type: ignore[no-any-return]
    except TimeoutError:
        return None


def test_python_osc_warnings_are_counted_not_written() -> None:
    osc = OscDispatcher(make_engine())
    before = library_warnings()
    for _ in range(50):
        osc.handle_datagram(UNKNOWN_TYPE)
    assert library_warnings() - before == 50
    assert osc.status()["osc"]["library_warnings"] >= 50


def test_status_answers_with_stderr_on_a_pipe_nobody_reads(tiny_model_dir: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "waefader_cli", "serve", "--model", str(tiny_model_dir),
           "--no-audio", "--no-midi", "--osc-port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.bind(("127.0.0.1", 0))
    try:
        end = time.monotonic() + 120
        while ask_status(c, port, 1.0) is None:
            assert time.monotonic() < end and proc.poll() is None, "serve did not start"
        for _ in range(5000):  # ~100 bytes of warning each: far more than a pipe holds
            c.sendto(UNKNOWN_TYPE, ("127.0.0.1", port))
        t0 = time.monotonic()
        status = None
        while status is None and time.monotonic() - t0 < 10:
            status = ask_status(c, port, 2.0)
        assert status is not None, "/status stopped answering"
        assert time.monotonic() - t0 < 2.0 + 1.0
        osc = status["osc"]
        assert osc["library_warnings"] + osc["kernel_drops"] >= 4000, osc
    finally:
        c.close()
        proc.kill()
        proc.wait(10)


def test_kernel_drops_are_counted() -> None:
    server = OscServer(OscDispatcher(make_engine()), port=0, rcvbuf=4096, rt_priority=None,
                       nice=None)  # fmt: skip
    assert server.drops_counted
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = (server.host, server.port)
    for i in range(500):  # nobody reads yet: the small buffer overflows
        c.sendto(build("/waefader/velocity", 1 + i % 100), target)
    counters = server.dispatcher.counters
    with server:
        time.sleep(0.3)
        c.sendto(build("/waefader/velocity", 64), target)  # carries the final drop count
        end = time.monotonic() + 5
        while counters.packets + counters.kernel_drops < 501 and time.monotonic() < end:
            time.sleep(0.01)
    c.close()
    assert counters.kernel_drops > 0 and counters.packets + counters.kernel_drops == 501


def test_senders_outside_osc_allow_are_refused() -> None:
    eng = make_engine()
    allow = parse_networks(["10.0.0.0/8", "192.168.1.7"])
    with OscServer(OscDispatcher(eng), port=0, allow=allow, rt_priority=None, nice=None) as server:
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.bind(("127.0.0.1", 0))
        assert ask_status(c, server.port, 0.5) is None  # 127.0.0.1 is not listed
        c.sendto(build("/waefader/gain", -20.0), (server.host, server.port))
        end = time.monotonic() + 5
        while server.dispatcher.counters.refused_senders < 2 and time.monotonic() < end:
            time.sleep(0.01)
        c.close()
    assert server.dispatcher.counters.refused_senders == 2 and eng.get("gain") == 0.0
    assert server.dispatcher.counters.packets == 0
    allow_local = parse_networks(["127.0.0.0/8"])
    with OscServer(OscDispatcher(eng), port=0, allow=allow_local, rt_priority=None,
                   nice=None) as server:  # fmt: skip
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.bind(("127.0.0.1", 0))
        assert ask_status(c, server.port, 5.0) is not None
        c.close()


def test_a_network_osc_host_gets_a_warning() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
    for host, allow, expect in (("0.0.0.0", [], "anyone on the network"),
                                ("0.0.0.0", ["--osc-allow", "10.0.0.0/8"], "--osc-allow"),
                                ("127.0.0.1", [], None)):  # fmt: skip
        args = parser("serve").parse_args(
            ["--osc-host", host, "--osc-port", "0", "--no-audio", "--no-midi", *allow]
        )
        server = Server(make_engine(), args)
        server.start()
        try:
            warnings = [n for n in server.notes if n.startswith("warning:")]
            if expect is None:
                assert warnings == []
            else:
                assert len(warnings) == 1 and expect in warnings[0], warnings
        finally:
            server.stop()
