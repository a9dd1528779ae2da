"""The ``jack-ring`` output: the mixer runs in a Python thread that fills a ring a few
blocks ahead, and a native JACK client (realtime/native/jack_ring.c) copies from it in the
server's real-time callback, with no GIL.

Why: on a loaded machine a Python callback misses JACK deadlines even when it has nothing
to do (it must take the GIL; docs/REALTIME.md). Here a late Python thread only drains the
ring; the device underflows only when the filler falls behind by more than the ring.
The cost is the ring's depth in latency. A PortAudio callback fills the block that plays
in its own cycle; here the block written after the server took block ``k`` is block
``k + ring_blocks``: ``ring_blocks`` periods added to the trigger-to-onset latency, and
the filler may fall ``ring_blocks - 1`` periods behind before the device plays short
(measured in docs/REALTIME.md).

It offers what the engine reads of ``AudioOutput`` (``lost``, ``losses``, ``error``,
``device``, ``latency_ms``, ``jack_ports``, ``realtime_thread``, ...). A vanished server is
a lost device: the filler thread reopens the client every second until it answers.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from realtime.engine.config import EngineConfig, EngineError
from realtime.engine.priority import realtime
from realtime.native.jack_ring import JackRing, RingError

Process = Callable[[np.ndarray, int, float], None]  # (block (F, C), short cycles, device time)

RETRY_S = 1.0
SILENT_S = 1.0  # no server cycle for this long: the server is gone
LATENCY_EVERY = 64  # cycles between two readings of JACK's playback latency


@dataclass(frozen=True)
class RingDevice:
    name: str
    hostapi: str = "JACK (native ring)"


class RingOutput:
    """Open with ``open()`` (raises EngineError), stop with ``close()``."""

    def __init__(
        self, process: Process, config: EngineConfig, on_event: Callable[[str], None] | None = None
    ) -> None:
        self._process = process
        self.config = config
        self.on_event = on_event
        self._ring: JackRing | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self.block = 0  # frames per write: the server's period
        self.lost = False
        self.losses = 0
        self.lost_at = 0.0
        self.error: str | None = None
        self.device: RingDevice | None = None
        self.jack_ports: list[str] = []
        self.jack_error: str | None = None
        self.realtime_thread: bool | None = None  # the filler thread's SCHED_FIFO
        self.server_realtime: bool | None = None
        self.underflows = 0  # cycles the native callback found the ring short
        self.xruns = 0
        self.native_worst_ms = 0.0  # the longest native callback since reset_worst()
        # Read by the filler thread only, which alone touches the native client (a reader
        # calling into it could meet a client the filler just closed after a server loss).
        self._latency_frames = 0  # JACK's playback latency after our ports, as it says now
        self._reset_worst = False

    # --- life cycle ------------------------------------------------------------------------
    def open(self) -> None:
        if self.config.channels > 8:
            raise EngineError("the jack-ring output plays at most 8 channels")
        self._ring = self._connect()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="waefader-ring", daemon=True)
        self._thread.start()

    def _connect(self) -> JackRing:
        c = self.config
        frames = 2 * c.ring_blocks * max(c.blocksize, 1024)  # room for any server period
        try:
            ring = JackRing(c.client_name, c.channels, frames, c.connect)
        except RingError as exc:
            raise EngineError(str(exc)) from None
        if ring.sample_rate != c.sample_rate:
            ring.close()
            raise EngineError(
                f"the JACK server runs at {ring.sample_rate} Hz, the engine at {c.sample_rate} Hz:"
                f" start the engine with --samplerate {ring.sample_rate}"
            )
        period = ring.blocksize
        if period & (period - 1) or ring.capacity < (c.ring_blocks + 1) * period:
            ring.close()
            raise EngineError(
                f"the jack-ring output needs a power-of-two period (server: {period})"
            )
        self.block = period
        self.device = RingDevice(f"JACK ({ring.name})")
        self.jack_ports = ring.ports
        self.server_realtime = ring.server_realtime
        return ring

    def close(self) -> None:
        self._closing = True
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        if self._ring is not None:  # only after the filler stopped: it holds ring views
            self._ring.close()
            self._ring = None

    # --- figures the engine reads ------------------------------------------------------------
    @property
    def latency_ms(self) -> float | None:
        """The server's playback latency after the native callback takes a block (the ring's
        depth is already in the engine's trigger-to-onset figure: its clock is the
        callback's)."""
        if self._ring is None:
            return None
        return self._latency_frames / self.config.sample_rate * 1e3

    @property
    def blocksize(self) -> int:
        return self.block or self.config.blocksize

    @property
    def channels(self) -> int:
        return self.config.channels

    def reset_worst(self) -> None:
        """Start measuring the native callback's longest run again (a benchmark's run); the
        filler thread does it at its next wake-up."""
        self._reset_worst = True
        self.native_worst_ms = 0.0

    # --- the filler thread ---------------------------------------------------------------------
    def _run(self) -> None:
        self.realtime_thread = realtime(self.config.rt_priority)
        while not self._closing:
            ring = self._ring
            if ring is None or self.lost:
                self._retry()
                continue
            if not self._fill(ring):
                self._lose(ring)

    def _fill(self, ring: JackRing) -> bool:
        """Keep the ring ``ring_blocks`` deep until the server goes or we close. False: the
        server went away (shut down, or no cycle for ``SILENT_S``)."""
        sr, block = self.config.sample_rate, self.block
        target = self.config.ring_blocks * block
        written, seen_under = 0, ring.counters().underflows
        quiet_since = time.monotonic()
        while not self._closing:
            got = ring.wait(0.1)
            if got < 0:
                return False
            now = time.monotonic()
            if got == 0:
                if now - quiet_since > SILENT_S:
                    return False
                continue
            quiet_since = now
            if self._reset_worst:
                self._reset_worst = False
                ring.reset_worst()
            counts = ring.counters()
            if counts.cycles % LATENCY_EVERY == 1:  # JACK updates it when links change
                self._latency_frames = ring.port_latency_frames()
            underflow = counts.underflows - seen_under  # short cycles since the last block
            seen_under = counts.underflows
            self.underflows, self.xruns = counts.underflows, counts.xruns
            self.native_worst_ms = counts.worst_ms
            while ring.fill() + block <= target:
                frame, t = ring.clock()
                out = ring.block(block)
                self._process(out, underflow, t + (written - frame) / sr)
                ring.commit(block)
                written += block
                underflow = 0
        return True

    def _lose(self, ring: JackRing) -> None:
        self.lost = True
        self.losses += 1
        self.lost_at = time.monotonic()
        self.error = "audio device lost; retrying"
        self._report(f"audio device lost: {self.device.name if self.device else 'JACK'}; "
                     "notes are dropped, reconnecting")  # fmt: skip
        self._ring = None
        with contextlib.suppress(Exception):
            ring.close()

    def _retry(self) -> None:
        time.sleep(RETRY_S)
        if self._closing:
            return
        try:
            self._ring = self._connect()
        except EngineError as exc:
            self.error = f"audio device lost; retrying ({exc})"
            return
        self.lost = False
        self.error = None
        self._report(f"audio device back: {self.device.name if self.device else 'JACK'} reopened "
                     f"after {time.monotonic() - self.lost_at:.1f} s")  # fmt: skip

    def _report(self, line: str) -> None:
        if self.on_event is not None:
            with contextlib.suppress(Exception):
                self.on_event(line)
