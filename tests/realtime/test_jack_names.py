"""waefader in a JACK patchbay: client and port names, routing, a model change, MIDI.

Runs on the private JACK server (scripts/with_jack.sh); jack_lsp / jack_connect /
jack_midiseq (jackd2's example clients) stand in for qjackctl and a sequencer."""

from __future__ import annotations

import subprocess
import time

import pytest
from engine_fakes import SineRenderer, make_engine, need_jack

from realtime.cli.serve import Server, parser


def lsp(*flags: str) -> str:
    return subprocess.run(["jack_lsp", *flags], capture_output=True, text=True, timeout=10).stdout


def links() -> dict[str, list[str]]:
    """{port: [connected ports]} from ``jack_lsp -c``."""
    out: dict[str, list[str]] = {}
    port = ""
    for line in lsp("-c").splitlines():
        if line.startswith(" "):
            out[port].append(line.strip())
        else:
            port = line.strip()
            out[port] = []
    return out


def serve(*argv: str) -> Server:
    args = parser("waefader serve").parse_args(["--no-osc", "--midi-api", "jack", *argv])
    config = {"client_name": args.client_name, "connect": args.connect}
    server = Server(make_engine(SineRenderer(head_samples=2205), **config), args)
    server.start()
    return server


@pytest.mark.jack
def test_jack_lists_waefader_ports_and_a_sequencer_plays_it() -> None:
    need_jack()
    server = serve()
    seq = None
    try:
        ports = lsp().split()
        assert "waefader:out_1" in ports and "waefader:out_2" in ports, ports
        assert "waefader-midi:midi_in" in ports, ports
        assert "PortAudio" not in " ".join(ports) and "RtMidi" not in " ".join(ports)
        assert links()["waefader:out_1"] == ["system:playback_1"]  # --connect by default
        # jack_midiseq: a looping sequence of two notes (index, pitch, length in frames)
        seq = subprocess.Popen(
            ["jack_midiseq", "seq", "24000", "0", "60", "6000", "12000", "64", "6000"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.perf_counter() + 5
        while "seq:out" not in lsp() and time.perf_counter() < deadline:
            time.sleep(0.05)
        subprocess.run(["jack_connect", "seq:out", "waefader-midi:midi_in"], check=True)
        handler = server.midi_handler
        while handler.counts["notes"] < 3 and time.perf_counter() < deadline + 5:
            time.sleep(0.05)
        notes = handler.counts["notes"]
        started = server.engine.stats()["notes_started"]
    finally:
        if seq is not None:
            seq.kill()
            seq.wait()
        server.stop()
    assert notes >= 3 and started >= 2, (notes, started)


@pytest.mark.jack
def test_names_and_routing_survive_a_model_change_and_instances_differ() -> None:
    need_jack()
    seq = subprocess.Popen(["jack_midiseq", "seq2", "48000", "0", "60", "100"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first = serve()
        deadline = time.perf_counter() + 5
        while "seq2:out" not in lsp() and time.perf_counter() < deadline:
            time.sleep(0.05)
        subprocess.run(["jack_disconnect", "waefader:out_2", "system:playback_2"], check=True)
        subprocess.run(["jack_connect", "seq2:out", "waefader-midi:midi_in"], check=True)
        first.stop()  # a model change: the old engine and MIDI input stop, new ones open
        second = serve()
        try:
            now = links()
            assert now["waefader:out_1"] == ["system:playback_1"]
            assert now["waefader:out_2"] == [], now  # the routing made by hand survived
            assert now["waefader-midi:midi_in"] == ["seq2:out"], now
            assert second.engine.stats()["jack_ports"] == ["waefader:out_1", "waefader:out_2"]
        finally:
            second.stop()
    finally:
        seq.kill()
        seq.wait()
    other = serve("--no-midi", "--client-name", "synth2", "--no-connect")
    try:
        now = links()
        assert now["synth2:out_1"] == [] and now["synth2:out_2"] == [], now  # --no-connect
        assert not any(p.startswith("waefader") for p in now)
    finally:
        other.stop()
