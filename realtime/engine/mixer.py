"""The audio callback: mixes preallocated voice buffers into the device's buffer.

CALLBACK CONTRACT (``Mixer.process``, called by sounddevice or by the freewheel driver):

- It only copies and mixes buffers that already exist: rendered notes (made by the render
  worker), the voices' state and the scratch buffers allocated in ``__init__``. Every numpy
  call writes into a preallocated array (``out=``). Blocks larger than ``chunk`` frames are
  mixed in several passes, so any block size works without allocating.
- No inference, no resampling, no file or socket I/O, no logging, no printing.
- No locks: other threads talk to it through ``inbox`` (``collections.deque``: ``append``
  and ``popleft`` are atomic in CPython, neither blocks) and by assigning plain attributes
  (``target_gain``, ``fx_on``), which is atomic too. Readers of ``stats``/``clock`` copy.
- It never raises: any error fills the block with silence, is counted in
  ``stats.errors`` (``last_error`` keeps its text: the only allocation, on the error path).
- It takes at most ``inbox_per_block`` messages per block, so a burst cannot stretch one
  callback; the rest wait for the next block.
- Python itself creates a few small temporary objects (array views, floats) that are freed
  before the callback returns; nothing grows with the block size and nothing stays
  (tests/realtime/test_mixer_callback.py checks it with tracemalloc).

Order in one block: take inbox messages, then per chunk: clear the mono mix, add each voice
(sample-accurate starts and releases inside the chunk), master gain ramp, optional post-FX,
limiter, copy to every output channel. The block's first frame and start time go to the
audio clock, which gives back the block's slot on the device's schedule (a late wake-up
does not move it); the stats measure trigger-to-onset latency from that slot, and the
callback's own timing from its start and return times.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from realtime.engine.bend import Bend
from realtime.engine.config import EngineConfig
from realtime.engine.events import (
    BEND,
    PANIC,
    READY,
    RELEASE,
    SUSTAIN,
    UPGRADE,
    AudioClock,
    Msg,
)
from realtime.engine.limiter import Limiter
from realtime.engine.pool import VoicePool
from realtime.engine.stats import EngineStats
from realtime.engine.voice import FREE, Scratch

_perf = time.perf_counter
EXIT_CROSSFADE_MS = 10.0  # a held note let go: from its loop into its own release
_cpu = time.thread_time  # the callback's own CPU time: wall - CPU = time spent waiting


def db_to_gain(db: float) -> float:
    return 0.0 if db <= -80.0 else float(10 ** (db / 20))


def coef_for(seconds: float, sample_rate: int) -> float:
    """Per-sample multiplier that falls by 60 dB in ``seconds``."""
    return float(10 ** (-3 / max(seconds * sample_rate, 1.0)))


class Mixer:
    def __init__(self, config: EngineConfig, stats: EngineStats, clock: AudioClock) -> None:
        self.sample_rate = config.sample_rate
        self.chunk = config.chunk
        self.inbox: deque[Msg] = deque()
        self.inbox_per_block = config.inbox_per_block
        self.pool = VoicePool(config.max_voices, config.tail_voices)
        self.scratch = Scratch(
            config.chunk, config.frames(config.crossfade_ms), config.frames(EXIT_CROSSFADE_MS)
        )
        self.mono = np.zeros(config.chunk, np.float32)
        self.bend = Bend(config.chunk)
        self.gain_buf = np.zeros(config.chunk, np.float32)
        self.limiter = Limiter(
            config.limiter_threshold, config.limiter_release_ms, config.sample_rate, config.chunk
        )
        self.steal_coef = coef_for(config.steal_fade_ms * 1e-3, config.sample_rate)
        self.gain = self.target_gain = db_to_gain(-6.0)
        self.gain_step = 1.0 / config.frames(config.gain_ramp_ms)
        self.frame = 0  # first frame of the next block on the audio clock
        self.sustain = False
        self.fx: Callable[[np.ndarray], np.ndarray] | None = None  # optional post-FX
        self.fx_on = False
        self.stats = stats
        self.clock = clock

    # --- entry points ------------------------------------------------------------------------
    def callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """sounddevice's OutputStream callback signature."""
        underflow = 0
        try:
            underflow = int(bool(status.output_underflow))
        except Exception:
            self.stats.errors += 1
        self.process(outdata, underflow)

    def process(self, out: np.ndarray, underflow: int = 0, device_time: float = 0.0) -> None:
        """Fill ``out (frames, channels)`` (or ``(frames,)``) float32 with the next block.
        ``underflow``: how many cycles the device played short since the last block.
        ``device_time``: when the block's first frame will play, where the output knows it
        ahead (the ring output fills blocks ahead of the device); else the call's start."""
        t0 = _perf()
        c0 = _cpu()
        frames = 0
        try:
            frames = out.shape[0]
            f = self.frame
            self.frame = f + frames
            self.clock.mark(f, device_time if device_time > 0 else t0)
            self._drain(f)
            pos = 0
            while pos < frames:
                n = frames - pos
                if n > self.chunk:
                    n = self.chunk
                self._chunk(out, pos, n, f + pos, f)
                pos += n
            busy = self.pool.count()
            self.stats.voices = busy
            if busy > self.stats.peak_voices:
                self.stats.peak_voices = busy
        except Exception as exc:
            self._fail(out, exc)
        try:
            slot = self.clock.block_time
            self.stats.end_block(t0, _perf(), frames, underflow, _cpu() - c0, slot)
        except Exception:
            self.stats.errors += 1

    # --- one block ---------------------------------------------------------------------------
    def _drain(self, f: int) -> None:
        inbox = self.inbox
        budget = self.inbox_per_block
        while inbox and budget > 0:
            msg = inbox.popleft()
            budget -= 1
            kind = msg.kind
            frame = msg.frame if msg.frame >= 0 else f
            if kind == READY:
                self._start(msg, f)
            elif kind == UPGRADE:
                self._upgrade(msg)
            elif kind == RELEASE:
                self.pool.release(msg.pitch, frame, self.sustain)  # type: ignore[attr-defined]
            elif kind == SUSTAIN:
                self.sustain = msg.on  # type: ignore[attr-defined]
                if not self.sustain:
                    self.pool.pedal_up(frame)
            elif kind == BEND:
                self.bend.set(msg.semitones, msg.frame, f)  # type: ignore[attr-defined]
            elif kind == PANIC:
                self.sustain = False
                self.pool.fade_all(self.steal_coef)

    def _start(self, msg: Any, f: int) -> None:
        frame = msg.frame
        if frame < 0:
            frame = f
        elif frame < f:
            frame = f
            self.stats.late_notes += 1
        voice, stolen = self.pool.allocate(self.steal_coef)
        if stolen:
            self.stats.steals += 1
        voice.start(
            msg.note_id,
            msg.pitch,
            msg.audio,
            gain=msg.gain,
            coef=msg.release_coef,
            start_frame=frame,
            duration=msg.duration_frames,
            awaiting_full=msg.awaiting_full,
            arrival=msg.arrival,
            target=msg.target,
            order=self.pool.next_order(),
            loop=msg.loop,
        )

    def _upgrade(self, msg: Any) -> None:
        voice = self.pool.find_playing(msg.note_id)
        if voice is None:
            return  # stolen or ended meanwhile
        if voice.started and voice.src is not None and voice.pos >= voice.src.shape[0]:
            self.stats.starved += 1  # the first frames ran out before the whole note came
        voice.upgrade(msg.audio, self.scratch.crossfade, msg.loop)

    def _chunk(self, out: np.ndarray, pos: int, n: int, f0: int, fblock: int) -> None:
        m = self.mono[:n]
        m.fill(0.0)
        s = self.scratch
        stats = self.stats
        offsets = self.bend.advance(n, f0)
        for v in self.pool.voices:
            if v.state != FREE:
                onset = v.mix(m, f0, s, offsets)
                if onset >= 0:
                    stats.onset(v.arrival, v.target, f0 - fblock + onset)
        self._apply_gain(m, n)
        if self.fx_on and self.fx is not None:
            y = self.fx(m)  # pedalboard allocates its output: documented exception (FX only)
            if y.size >= n:
                np.copyto(m, y.reshape(-1)[:n])
        self.limiter.process(m)
        if out.ndim == 1:
            np.copyto(out[pos : pos + n], m)
        else:
            for c in range(out.shape[1]):
                np.copyto(out[pos : pos + n, c], m)

    def _apply_gain(self, m: np.ndarray, n: int) -> None:
        g = self.gain
        target = self.target_gain
        if g == target:
            if g != 1.0:
                np.multiply(m, g, out=m)
            return
        buf = self.gain_buf[:n]
        if target > g:
            np.multiply(self.scratch.steps[:n], self.gain_step, out=buf)
            np.add(buf, g, out=buf)
            np.minimum(buf, target, out=buf)
        else:
            np.multiply(self.scratch.steps[:n], -self.gain_step, out=buf)
            np.add(buf, g, out=buf)
            np.maximum(buf, target, out=buf)
        last = float(buf[n - 1])
        self.gain = target if abs(last - target) <= 1e-6 * max(1.0, target) else last
        np.multiply(m, buf, out=m)

    def _fail(self, out: np.ndarray, exc: Exception) -> None:
        self.stats.errors += 1
        try:
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            out.fill(0.0)
        except Exception:
            pass

    # --- for tests and the facade (not called by the audio thread) --------------------------------
    def reset(self) -> None:
        """Silence everything at once. Only while no stream is running."""
        self.inbox.clear()
        for v in self.pool.voices:
            v.free()
        self.sustain = False
        self.bend.reset()
        self.gain = self.target_gain
        self.limiter.reset()
