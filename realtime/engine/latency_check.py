"""The latency check behind ``waefader latency``: onsets in captured audio, not the engine's
word, give the trigger-to-onset latency; the engine's own report is compared with it.

- offline: the engine driven block by block in freewheel; each trigger "arrives" at a
  random sample inside a block and is posted after that block, as a live event would be;
  the output goes through pedalboard.io.AudioFile; onsets are found in the file. This is
  the block quantisation alone (render time does not count in freewheel).
- live: the engine plays on the audio device; a recorder in another process (its own
  JACK client, connected to the engine's output ports) captures what the engine hands to
  the server, with a clock time for every block. Latency = onset time - the trigger's
  arrival (``perf_counter``, the same clock in both processes). The recorder's block
  times are its callbacks' times with their wake-up delays taken out (``block_slots``:
  the device's schedule, which the engine's report uses too). The device's output latency
  is reported apart.
- FX: single notes rendered with and without the pedalboard post-FX chain (blocks,
  ``reset=False``); the shift of their onsets is what the chain adds.

Notes are rendered from scratch (cache off unless asked), with random pitches and
velocities, spaced so each one starts in silence.
"""

from __future__ import annotations

import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from realtime.engine.config import EngineConfig, EngineError
from realtime.engine.engine import Engine
from realtime.engine.events import AudioClock
from realtime.engine.priority import temporarily
from realtime.renderer import NoteRenderer


@dataclass(frozen=True)
class Plan:
    notes: int = 100
    gap_s: tuple[float, float] = (0.12, 0.2)  # between triggers (random)
    duration_s: float = 0.04
    release_s: float = 0.02
    threshold: float = 2e-4  # onset: first sample above (-74 dBFS) after silence
    silence_s: float = 0.03  # below threshold before an onset
    max_latency_ms: float = 100.0  # an onset later than this does not belong to the trigger
    warmup_s: float = 0.5
    seed: int = 0


def percentiles(ms: np.ndarray) -> dict[str, float | None]:
    if ms.size == 0:
        return {"p50": None, "p99": None, "max": None}
    return {
        "p50": round(float(np.percentile(ms, 50)), 3),
        "p99": round(float(np.percentile(ms, 99)), 3),
        "max": round(float(ms.max()), 3),
    }


# --- onsets --------------------------------------------------------------------------------


def detect_onsets(x: np.ndarray, threshold: float, min_gap: int) -> np.ndarray:
    """Indices where ``|x|`` first exceeds ``threshold`` after at least ``min_gap`` samples
    below it (the start of the file counts as silence)."""
    above = np.flatnonzero(np.abs(x) > threshold)
    if above.size == 0:
        return above
    gaps = np.diff(above, prepend=-(min_gap + 1))
    return above[gaps > min_gap]


def match(triggers: np.ndarray, onsets: np.ndarray, max_delay: float) -> np.ndarray:
    """For each trigger time, the delay to the first onset at or after it (NaN when none
    within ``max_delay``). Times in the same unit."""
    out = np.full(triggers.shape[0], np.nan)
    for i, t in enumerate(triggers):
        k = int(np.searchsorted(onsets, t))
        if k < onsets.shape[0] and onsets[k] - t <= max_delay:
            out[i] = onsets[k] - t
    return out


def note_choices(renderer: NoteRenderer, n: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """(pitch, velocity) pairs inside the model's playable ranges."""
    ranges = dict(getattr(renderer, "style_ranges", None) or {})
    lo = min((r[0] for r in ranges.values()), default=48)
    hi = max((r[1] for r in ranges.values()), default=84)
    return [(int(rng.integers(lo, hi + 1)), int(rng.integers(60, 128))) for _ in range(n)]


def _engine(renderer: NoteRenderer, config: EngineConfig, plan: Plan) -> Engine:
    engine = Engine(renderer, config)
    engine.set("release", plan.release_s)
    engine.set("gain", 0.0)
    engine.mixer.gain = engine.mixer.target_gain
    return engine


# --- offline ---------------------------------------------------------------------------------


def offline_check(
    renderer: NoteRenderer, config: EngineConfig, plan: Plan, wav: Path
) -> dict[str, Any]:
    """Triggers at random samples, posted after the block they arrive in."""
    from pedalboard.io import AudioFile

    sr, block = config.sample_rate, config.blocksize or 256
    rng = np.random.default_rng(plan.seed)
    engine = _engine(renderer, config, plan)
    notes = note_choices(renderer, plan.notes, rng)
    gaps = rng.uniform(*plan.gap_s, size=plan.notes)
    arrivals = np.round((np.cumsum(gaps) + 0.05) * sr).astype(int)
    total = int(arrivals[-1] + 0.5 * sr)
    k = 0
    with AudioFile(str(wav), "w", sr, 1) as f:
        for start in range(0, total, block):
            out = np.zeros((block, 1), np.float32)
            engine.process(out)
            f.write(out.T)
            while k < len(arrivals) and arrivals[k] < start + block:  # arrived during this block
                engine.note_on(*notes[k], duration=plan.duration_s)
                k += 1
            engine.worker.drain(None)
    with AudioFile(str(wav)) as f:
        x = f.read(f.frames)[0]
    onsets = detect_onsets(x, plan.threshold, round(plan.silence_s * sr))
    delays = match(arrivals.astype(float), onsets.astype(float), plan.max_latency_ms * sr / 1e3)
    ms = delays[np.isfinite(delays)] * 1e3 / sr
    return {"latency_ms": percentiles(ms), "detected": int(ms.size), "notes": plan.notes}


def fx_added_ms(
    renderer: NoteRenderer, config: EngineConfig, plan: Plan, n: int = 8
) -> float | None:
    """Median onset shift of single notes with the post-FX chain on vs off."""
    rng = np.random.default_rng(plan.seed + 1)
    shifts = []
    for pitch, velocity in note_choices(renderer, n, rng):
        first = []
        for fx in (False, True):
            engine = _engine(renderer, config, plan)
            engine.set("fx", fx)
            engine.note_on(pitch, velocity, duration=plan.duration_s, frame=0)
            engine.worker.drain(0)
            x = np.concatenate([_block(engine, config.blocksize or 256) for _ in range(40)])
            above = np.flatnonzero(np.abs(x) > plan.threshold)
            first.append(int(above[0]) if above.size else -1)
        if min(first) >= 0:
            shifts.append((first[1] - first[0]) * 1e3 / config.sample_rate)
    return round(float(np.median(shifts)), 3) if shifts else None


def _block(engine: Engine, n: int) -> np.ndarray:
    out = np.zeros((n, 1), np.float32)
    engine.process(out)
    return out[:, 0]


# --- live -------------------------------------------------------------------------------------


def jack_ports() -> dict[str, str]:
    """{port: 'output' | 'input'} as jack_lsp lists them."""
    done = subprocess.run(["jack_lsp", "-p"], capture_output=True, text=True, timeout=10)
    ports: dict[str, str] = {}
    name = None
    for line in done.stdout.splitlines():
        if not line.startswith((" ", "\t")):
            name = line.strip()
        elif name and "properties:" in line:
            ports[name] = "output" if "output" in line else "input"
    return ports


def _jack(*args: str) -> None:
    subprocess.run(list(args), capture_output=True, text=True, timeout=10)


class Recorder:
    """The capture process, connected to the engine's first output port."""

    def __init__(self, wav: Path, config: EngineConfig, seconds: float, engine_out: str) -> None:
        before = jack_ports()
        self.wav = wav
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "realtime.engine.capture",
                str(wav),
                "--samplerate",
                str(config.sample_rate),
                "--blocksize",
                str(config.blocksize),
                "--seconds",
                str(seconds),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 20.0)
        if not ready or self.proc.stdout.readline().strip() != "ready":
            self.proc.kill()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise EngineError(f"the capture process did not start: {err.strip()[-300:]}")
        new_inputs = sorted(
            p for p, kind in jack_ports().items() if kind == "input" and p not in before
        )
        if not new_inputs:
            self.close()
            raise EngineError("cannot find the capture process's JACK input port")
        self.port = new_inputs[0]
        for p, kind in jack_ports().items():  # PortAudio wired it to the system capture
            if kind == "output" and p.startswith("system:"):
                _jack("jack_disconnect", p, self.port)
        _jack("jack_connect", engine_out, self.port)

    def close(self) -> tuple[np.ndarray, np.ndarray]:
        """Stop; returns (samples, times rows (first frame, callback time))."""
        from pedalboard.io import AudioFile

        _, err = self.proc.communicate(timeout=60)
        if self.proc.returncode != 0:
            raise EngineError(f"the capture process failed: {err.strip()[-300:]}")
        with AudioFile(str(self.wav)) as f:
            x = f.read(f.frames)[0]
        return x, np.load(str(self.wav) + ".times.npy")


def block_slots(times: np.ndarray, sr: int) -> np.ndarray:
    """Each captured block's slot on the device's schedule, from (first frame, callback
    time) rows ``(B, 2)`` -> ``(B,)`` s.

    The rows are replayed through an ``AudioClock``, the estimator the engine uses for its
    own report: the recorder's wake-up delays drop out the same way, and skipped server
    cycles are counted the same way, so capture and engine differ only where the engine
    really placed a note elsewhere."""
    clock = AudioClock(sr)
    slots = np.empty(times.shape[0])
    for i, (frame, t) in enumerate(times):
        clock.mark(int(frame), float(t))
        slots[i] = clock.block_time
    return slots


def sample_times(times: np.ndarray, n: int, sr: int) -> np.ndarray:
    """The device-schedule time of every captured sample from per-block (first frame, time)
    rows (``block_slots``)."""
    t = np.full(n, np.nan)
    frames = times[:, 0].astype(int)
    slots = block_slots(times, sr)
    for i, (f0, t0) in enumerate(zip(frames, slots, strict=True)):
        f1 = frames[i + 1] if i + 1 < len(frames) else n
        t[f0:f1] = t0 + np.arange(f1 - f0) / sr
    return t


def live_check(
    renderer: NoteRenderer, config: EngineConfig, plan: Plan, workdir: Path
) -> dict[str, Any]:
    if shutil.which("jack_lsp") is None or shutil.which("jack_connect") is None:
        raise EngineError("the live capture needs a JACK server and its tools (jack_lsp)")
    rng = np.random.default_rng(plan.seed + 2)
    engine = _engine(renderer, config, plan)
    before = jack_ports()
    if not before:
        raise EngineError("no JACK server answers (start one, e.g. scripts/with_jack.sh)")
    engine.start()
    try:
        outs = sorted(p for p, k in jack_ports().items() if k == "output" and p not in before)
        if not outs:
            raise EngineError(
                "the output stream is not on the JACK server (choose a JACK --device)"
            )
        gaps = rng.uniform(*plan.gap_s, size=plan.notes)
        seconds = plan.warmup_s + float(gaps.sum()) + 5.0
        rec = Recorder(workdir / "live.wav", config, seconds, outs[0])
        time.sleep(plan.warmup_s)
        engine.meter.reset()
        # this thread stands for an OSC / MIDI input thread (real-time in the engine)
        with temporarily(config.worker_rt_priority, config.nice):
            arrivals = _play(engine, note_choices(renderer, plan.notes, rng), gaps, plan)
        time.sleep(0.3)
        stats = engine.stats()
        engine_ms = engine.meter.latency_ms.values()
    finally:
        engine.stop()
    x, times = rec.close()
    t = sample_times(times, x.shape[0], config.sample_rate)
    onsets = detect_onsets(x, plan.threshold, round(plan.silence_s * config.sample_rate))
    delays = match(np.asarray(arrivals), t[onsets], plan.max_latency_ms / 1e3) * 1e3
    found = np.isfinite(delays)
    paired = engine_ms.shape[0] == len(arrivals)
    diff = delays[found] - engine_ms[found] if paired else np.array([])
    return {
        "latency_ms": percentiles(delays[found]),
        "engine_ms": percentiles(engine_ms),
        "capture_minus_engine_ms": percentiles(diff),
        "detected": int(found.sum()),
        "notes": plan.notes,
        "stats": stats,
        "capture_port": rec.port,
        "engine_port": outs[0],
    }


def _play(
    engine: Engine, notes: list[tuple[int, int]], gaps: np.ndarray, plan: Plan
) -> list[float]:
    """Trigger notes like a player (this thread sleeps; the engine does not)."""
    arrivals = []
    next_t = time.perf_counter()
    for (pitch, velocity), gap in zip(notes, gaps, strict=True):
        next_t += float(gap)
        while (left := next_t - time.perf_counter()) > 0:
            time.sleep(min(left, 0.01))
        now = time.perf_counter()
        engine.note_on(pitch, velocity, duration=plan.duration_s, arrival=now)
        arrivals.append(now)
    return arrivals


def workdir(keep: Path | None) -> tuple[Path, Any]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return keep, None
    tmp = tempfile.TemporaryDirectory(prefix="waefader-latency-")
    return Path(tmp.name), tmp
