"""A recorder in its own process, for the live latency check: it opens an input stream on
the audio server (its own JACK client), records until its stdin closes, and writes the
audio with pedalboard.io.AudioFile plus the ``perf_counter`` time of every block's callback
(``CLOCK_MONOTONIC``: the same clock in every process), so each recorded sample has a time.

    python -m realtime.engine.capture OUT.wav --samplerate 48000 --blocksize 256 --seconds 60

Prints ``ready`` once the stream runs. Writes OUT.wav and OUT.wav.times.npy
(rows: first frame of the block, callback time).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from realtime.engine.priority import realtime


class _State:
    def __init__(self) -> None:
        self.frames = 0
        self.blocks = 0
        self.rt: bool | None = None


def record(out: Path, samplerate: int, blocksize: int, seconds: float, device: str | None) -> int:
    import sounddevice as sd
    from pedalboard.io import AudioFile

    buf = np.zeros(int(seconds * samplerate), np.float32)
    times = np.zeros((int(seconds * samplerate / max(blocksize, 1)) + 16, 2), np.float64)
    state = _State()

    def callback(indata: np.ndarray, frames: int, _t: object, _s: object) -> None:
        now = time.perf_counter()
        if state.rt is None:  # a real-time thread, like the engine's (else blocks come late)
            state.rt = realtime(70)
        f, b = state.frames, state.blocks
        n = min(frames, buf.shape[0] - f)
        if n > 0 and b < times.shape[0]:
            buf[f : f + n] = indata[:n, 0]
            times[b] = (f, now)
            state.frames, state.blocks = f + n, b + 1

    dev = int(device) if device and device.isdigit() else device
    with sd.InputStream(
        samplerate=samplerate,
        blocksize=blocksize,
        channels=1,
        dtype="float32",
        latency="low",
        callback=callback,
        device=dev,
    ):
        print("ready", flush=True)
        sys.stdin.read()  # until the parent closes our stdin
    n, b = state.frames, state.blocks
    with AudioFile(str(out), "w", samplerate, 1) as f:
        f.write(buf[None, :n])
    np.save(str(out) + ".times.npy", times[:b])
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--samplerate", type=int, default=48000)
    ap.add_argument("--blocksize", type=int, default=256)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--device", default=None)
    a = ap.parse_args()
    return record(a.out, a.samplerate, a.blocksize, a.seconds, a.device)


if __name__ == "__main__":
    sys.exit(main())
