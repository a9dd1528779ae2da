"""ctypes binding of the native JACK ring output (jack_ring.c).

``JackRing`` is a JACK client whose real-time callback only copies frames from a ring
buffer to its ports; a Python thread writes blocks into ``block(n)`` (a numpy view of the
ring, no copy) and publishes them with ``commit(n)``. Every call here releases the GIL
(ctypes does) and none blocks but ``wait``.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from realtime.native.build import LIBRARY, BuildError, build

_lib: ctypes.CDLL | None = None


class RingError(RuntimeError):
    pass


def _load() -> ctypes.CDLL:
    global _lib
    if _lib is not None:
        return _lib
    path: Path = LIBRARY
    if not path.exists():
        try:
            path = build()
        except BuildError as exc:
            raise RingError(
                f"the JACK ring output is not built ({exc}); run scripts/setup.sh"
            ) from None
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as exc:
        raise RingError(f"cannot load {path.name}: {exc} (is libjack installed?)") from None
    p, u64, u32 = ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32
    sigs: dict[str, tuple[list[object], object]] = {
        "wf_open": (
            [ctypes.c_char_p, ctypes.c_int, u64, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t],
            p,
        ),
        "wf_close": ([p], None),
        "wf_buffer": ([p], ctypes.POINTER(ctypes.c_float)),
        "wf_capacity": ([p], u64),
        "wf_write_pos": ([p], u64),
        "wf_read_pos": ([p], u64),
        "wf_commit": ([p, u64], None),
        "wf_wait": ([p, ctypes.c_double], ctypes.c_int),
        "wf_clock": ([p, ctypes.POINTER(u64), ctypes.POINTER(ctypes.c_double)], None),
        "wf_counters": ([p, ctypes.POINTER(u64)], None),
        "wf_reset_worst": ([p], None),
        "wf_sample_rate": ([p], u32),
        "wf_buffer_size": ([p], u32),
        "wf_is_realtime": ([p], ctypes.c_int),
        "wf_client_name": ([p], ctypes.c_char_p),
        "wf_port_latency": ([p], u32),
        "wf_watch_open": ([ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t], p),
        "wf_watch_xruns": ([p], u64),
        "wf_watch_alive": ([p], ctypes.c_int),
        "wf_watch_close": ([p], None),
    }
    for name, (args, res) in sigs.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = res
    _lib = lib
    return lib


@dataclass(frozen=True)
class RingCounters:
    cycles: int
    underflows: int  # cycles that found fewer frames than they needed (zeros filled in)
    short_frames: int
    xruns: int  # the server's own reports
    shutdown: bool  # the server went away
    worst_ms: float  # the longest native callback since the last reset_worst()


class JackRing:
    """One open client: ``out_1..out_N`` ports, ``frames`` of ring (rounded up to a power
    of two), wired to the physical playback ports when ``connect``."""

    def __init__(self, name: str, channels: int, frames: int, connect: bool = True) -> None:
        lib = _load()
        err = ctypes.create_string_buffer(256)
        handle = lib.wf_open(name.encode(), channels, frames, int(connect), err, len(err))
        if not handle:
            raise RingError(f"JACK ring output: {err.value.decode(errors='replace')}")
        self._lib, self._h = lib, ctypes.c_void_p(handle)
        self.channels = channels
        self.capacity = int(lib.wf_capacity(self._h))
        ptr = lib.wf_buffer(self._h)
        self.ring = np.ctypeslib.as_array(ptr, shape=(self.capacity, channels))  # (F, C)
        self.sample_rate = int(lib.wf_sample_rate(self._h))
        self.blocksize = int(lib.wf_buffer_size(self._h))
        self.server_realtime = bool(lib.wf_is_realtime(self._h))
        self.name = (lib.wf_client_name(self._h) or b"").decode()
        self._frame = ctypes.c_uint64()
        self._time = ctypes.c_double()
        self._counts = (ctypes.c_uint64 * 6)()

    @property
    def ports(self) -> list[str]:
        return [f"{self.name}:out_{c + 1}" for c in range(self.channels)]

    def fill(self) -> int:
        """Frames written and not yet played."""
        return int(self._lib.wf_write_pos(self._h) - self._lib.wf_read_pos(self._h))

    def block(self, n: int) -> np.ndarray:
        """The ring's next ``n`` frames as a writable view ``(n, channels)``; ``n`` must
        divide the capacity and be the size of every write, so a block never wraps."""
        start = int(self._lib.wf_write_pos(self._h)) % self.capacity
        return self.ring[start : start + n]

    def commit(self, n: int) -> None:
        self._lib.wf_commit(self._h, n)

    def wait(self, timeout_s: float) -> int:
        """1: a cycle ran; 0: none within ``timeout_s``; -1: the server shut down."""
        return int(self._lib.wf_wait(self._h, timeout_s))

    def clock(self) -> tuple[int, float]:
        """(frame, perf_counter time) at the start of the latest cycle."""
        self._lib.wf_clock(self._h, ctypes.byref(self._frame), ctypes.byref(self._time))
        return int(self._frame.value), float(self._time.value)

    def counters(self) -> RingCounters:
        self._lib.wf_counters(self._h, self._counts)
        c = self._counts
        return RingCounters(int(c[0]), int(c[1]), int(c[2]), int(c[3]), bool(c[4]), c[5] / 1e6)

    def reset_worst(self) -> None:
        self._lib.wf_reset_worst(self._h)

    def port_latency_frames(self) -> int:
        return int(self._lib.wf_port_latency(self._h))

    def close(self) -> None:
        if self._h:
            self._lib.wf_close(self._h)
            self._h = ctypes.c_void_p()
            self.ring = np.zeros((0, self.channels), np.float32)


class XrunWatch:
    """A portless JACK client that counts the server's xrun reports (for the PortAudio
    output, which has no JACK handle: PortAudio turns each into an output underflow, so
    this count says which underflows were the whole server's missed cycles). The server
    never waits for it: it has no process callback."""

    def __init__(self, name: str) -> None:
        lib = _load()
        err = ctypes.create_string_buffer(256)
        handle = lib.wf_watch_open(name.encode(), err, len(err))
        if not handle:
            raise RingError(f"JACK xrun watch: {err.value.decode(errors='replace')}")
        self._lib, self._h = lib, ctypes.c_void_p(handle)

    @property
    def xruns(self) -> int:
        return int(self._lib.wf_watch_xruns(self._h)) if self._h else 0

    @property
    def alive(self) -> bool:
        return bool(self._h) and bool(self._lib.wf_watch_alive(self._h))

    def close(self) -> None:
        if self._h:
            self._lib.wf_watch_close(self._h)
            self._h = ctypes.c_void_p()
