"""``waefader bench abuse``: a running ``waefader serve`` under hostile OSC; does it hold?

Starts ``serve`` in a child process (``--no-audio`` unless ``--audio``, a private config
folder, ``--allow-dir`` a scratch folder, stderr on a pipe this process never reads) and
sends, in order: garbage datagrams, bundles with zero-length elements (the packet walker
counts each as malformed), messages with an unknown type tag (python-osc warns on each),
1,000 notes timetagged 1-8 years ahead, 1,000 notes 50 s ahead, a flood of notes with
changing controls, file attacks (preset save/load by absolute path, ``..``, symlinks out of
the folders, /etc/shadow; transform of files outside the allowed folder and of a WAV whose
header claims 2 Hz), then ``/panic``. It reports datagrams sent, whether ``/status`` still answers
(and how fast), the server's RSS before and after (and its peak), the note cache's size, and
files touched outside the sandbox (created, changed or removed; must be 0). Exit 1 when a
check fails: no answer within 2 s, files touched, RSS grown more than 100 MB beyond what the
note cache took.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from pythonosc import osc_bundle_builder, osc_message

from realtime.cli.helptext import summary
from realtime.osc.dispatcher import build

ROOT = Path(__file__).resolve().parents[2]
YEAR = 365 * 86400.0
EMPTY_ELEMENT = b"#bundle\0" + struct.pack(">II", 0, 1) + struct.pack(">i", 0)
UNKNOWN_TYPE = b"/waefader/panic\0" + b",q\0\0"  # python-osc logs "Unhandled parameter type"


def parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: shipped)")
    ap.add_argument("--audio", action="store_true", help="let serve open the audio device")
    ap.add_argument("--garbage", type=int, default=20000, help="garbage datagrams (default 20000)")
    ap.add_argument("--notes", type=int, default=1000, help="notes per note attack (default 1000)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    return ap


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return round(fields["VmRSS"], 1), round(fields["VmHWM"], 1)


def bundle(timetag: float, *messages: bytes) -> bytes:
    b = osc_bundle_builder.OscBundleBuilder(timetag)  # type: ignore[arg-type]
    for m in messages:
        b.add_content(osc_message.OscMessage(m))
    return b.build().dgram  # type: ignore[no-any-return]


class Client:
    """A UDP socket that counts what it sends and asks for /status."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.target = ("127.0.0.1", port)
        self.sent = 0

    def send(self, data: bytes) -> None:
        self.sock.sendto(data, self.target)
        self.sent += 1
        if self.sent % 200 == 0:
            time.sleep(0.002)  # a fast sender, not a kernel-buffer test

    def status(self, timeout: float) -> tuple[dict[str, Any] | None, float]:
        """(the /status JSON or None, seconds it took)."""
        while True:  # drop answers to earlier questions
            self.sock.settimeout(0.0)
            try:
                self.sock.recv(65536)
            except OSError:
                break
        t0 = time.monotonic()
        self.sock.sendto(build("/waefader/status"), self.target)
        self.sock.settimeout(timeout)
        try:
            while True:
                m = osc_message.OscMessage(self.sock.recv(65536))
                if m.address == "/waefader/status":
                    return json.loads(m.params[0]), time.monotonic() - t0
        except (TimeoutError, OSError):
            return None, time.monotonic() - t0


def sandbox_files(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` but the user preset folder: (size, mtime_ns)."""
    presets = root / "config" / "waefader" / "presets"
    out = {}
    for p in sorted(root.rglob("*")):
        if p == presets or presets in p.parents:
            continue
        st = p.lstat()
        out[str(p)] = (st.st_size, st.st_mtime_ns)
    return out


def prepare(root: Path) -> dict[str, Path]:
    """The scratch tree: config/ (the user's presets), allowed/, outside/ (canaries)."""
    allowed, outside = root / "allowed", root / "outside"
    presets = root / "config" / "waefader" / "presets"
    for d in (allowed, outside, presets):
        d.mkdir(parents=True)
    (outside / "victim.json").write_text("precious\n")
    (outside / "secret.wav").write_bytes(b"RIFF")
    (presets / "escape.json").symlink_to(outside / "victim.json")
    (allowed / "escape.wav").symlink_to(outside / "secret.wav")
    tiny = allowed / "two_hz.wav"
    sf.write(tiny, (0.5 * np.sin(np.arange(22050) / 10)).astype(np.float32), 44100, "PCM_16")
    data = bytearray(tiny.read_bytes())
    data[24:32] = struct.pack("<II", 2, 4)  # the header now claims 2 Hz
    tiny.write_bytes(bytes(data))
    return {"allowed": allowed, "outside": outside, "presets": presets, "tiny": tiny}


def warm_up(c: Client, notes: int) -> None:
    """Ordinary playing with changing controls, as many notes as the flood plays."""
    rng = random.Random(1)
    for i in range(notes):
        c.send(build("/waefader/latent", rng.uniform(-3, 3), rng.uniform(-3, 3)))
        c.send(build("/waefader/note_on", 36 + i % 60, 1 + i % 127, 0.1))
        if i % 50 == 49:
            time.sleep(0.5)  # at a player's pace: the worker keeps up


def attack(c: Client, paths: dict[str, Path], garbage: int, notes: int) -> dict[str, int]:
    rng = random.Random(0)
    phases: dict[str, int] = {}

    def phase(name: str, start: int) -> None:
        phases[name] = c.sent - start

    s = c.sent
    for i in range(garbage):
        c.send(rng.randbytes(i % 64) if i % 3 else b"/waefader/note_on\0\0\0,ii" + bytes(i % 7))
    phase("garbage", s)
    s = c.sent
    for _ in range(garbage // 4):
        c.send(EMPTY_ELEMENT)
    phase("zero_length_elements", s)
    s = c.sent
    for _ in range(garbage // 4):
        c.send(UNKNOWN_TYPE)
    phase("unknown_type_tags", s)
    s = c.sent
    for i in range(notes):
        c.send(
            bundle(time.time() + YEAR * (1 + i % 8), build("/waefader/note_on", 36 + i % 60, 90))
        )
    phase("far_future_notes", s)
    s = c.sent
    for i in range(notes):
        note = build("/waefader/note_on", 36 + i % 60, 1 + i % 127, 0.2)
        c.send(bundle(time.time() + 50.0, note))
    phase("notes_50s_ahead", s)
    s = c.sent
    for i in range(notes):
        c.send(build("/waefader/latent", rng.uniform(-3, 3), rng.uniform(-3, 3)))
        c.send(build("/waefader/note_on", 36 + i % 60, 1 + i % 127, 0.1))
    phase("note_flood", s)
    s = c.sent
    out, allowed = paths["outside"], paths["allowed"]
    for name in (str(out / "victim.json"), "../../../outside/victim.json", "escape",
                 str(out / "new" / "made.json"), "../../../outside/new.json", "a/b/c"):  # fmt: skip
        c.send(build("/waefader/preset/save", name))
        c.send(build("/waefader/preset/save", name, "overwrite"))
        c.send(build("/waefader/preset", name))
    for name in ("/etc/shadow", "/etc/passwd", str(out / "secret.wav"),
                 str(allowed / "escape.wav"), str(allowed / ".." / "outside" / "secret.wav"),
                 str(paths["tiny"])):  # fmt: skip
        c.send(build("/waefader/transform", name))
    phase("file_attacks", s)
    c.send(build("/waefader/panic"))
    return phases


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="waefader-abuse-") as tmp:
        root = Path(tmp)
        paths = prepare(root)
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
        probe.close()
        cmd = [sys.executable, "-m", "waefader_cli", "serve", "--no-midi", "--osc-port",
               str(port), "--allow-dir", str(paths["allowed"])]  # fmt: skip
        cmd += [] if args.audio else ["--no-audio"]
        cmd += ["--model", str(args.model)] if args.model else []
        env = {**os.environ, "XDG_CONFIG_HOME": str(root / "config")}
        before_files = sandbox_files(root)
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )  # stderr: a pipe nobody reads, on purpose
        c = Client(port)
        try:
            end = time.monotonic() + 180
            first, _ = c.status(1.0)
            while first is None:
                if proc.poll() is not None or time.monotonic() > end:
                    raise SystemExit(f"serve did not start (exit {proc.poll()})")
                first, _ = c.status(1.0)
            start_rss, _ = rss_mb(proc.pid)
            warm_up(c, args.notes)  # fill the note cache and the model's arenas first
            warm = c.sent
            time.sleep(2.0)
            first, _ = c.status(10.0)
            rss_before, _ = rss_mb(proc.pid)
            t0 = time.monotonic()
            phases = {"warm_up": warm, **attack(c, paths, args.garbage, args.notes)}
            send_s = time.monotonic() - t0
            time.sleep(2.0)  # let the render worker and the transform thread settle
            status, answer_s = c.status(10.0)
            rss_after, rss_peak = rss_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        after_files = sandbox_files(root)
        touched = sorted(
            set(before_files) ^ set(after_files)
            | {p for p in before_files if p in after_files and before_files[p] != after_files[p]}
        )
        saved = sorted(p.name for p in paths["presets"].iterdir())
    s = status or {}
    cache_mb = [float(x.get("cache_mb", 0) or 0) for x in (first or {}, s)]
    growth = rss_after - rss_before
    return {
        "datagrams_sent": c.sent,
        "phases": phases,
        "send_s": round(send_s, 2),
        "still_answering": status is not None and answer_s < 2.0,
        "status_answer_s": round(answer_s, 3),
        "rss_mb_at_start": start_rss,
        "rss_mb_before": rss_before,
        "rss_mb_after": rss_after,
        "rss_mb_peak": rss_peak,
        "rss_growth_mb": round(growth, 1),
        "cache_mb_before_after": cache_mb,
        "rss_growth_beyond_cache_mb": round(growth - (cache_mb[1] - cache_mb[0]), 1),
        "files_touched_outside_sandbox": len(touched),
        "touched": touched,
        "user_presets_after": saved,
        "osc": s.get("osc"),
        "dropped": s.get("dropped"),
        "osc_last_problem": s.get("osc_last_problem"),
        "load_average": os.getloadavg()[0],
    }


def main(argv: list[str], prog: str = "waefader bench abuse") -> int:
    args = parser(prog).parse_args(argv)
    result = run(args)
    ok = (
        result["still_answering"]
        and result["files_touched_outside_sandbox"] == 0
        and result["rss_growth_beyond_cache_mb"] <= 100
    )
    result["ok"] = bool(ok)
    if args.json:
        print(json.dumps(result))
    else:
        for key in ("datagrams_sent", "still_answering", "status_answer_s", "rss_mb_before",
                    "rss_mb_after", "rss_mb_peak", "rss_growth_beyond_cache_mb",
                    "files_touched_outside_sandbox", "ok"):  # fmt: skip
            print(f"{key:32s} {result[key]}")
    return 0 if ok else 1
