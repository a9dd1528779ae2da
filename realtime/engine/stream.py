"""The sounddevice OutputStream around the mixer's callback: device choice, a watchdog that
notices a vanished device (unplugged, server gone) and reopens it when it comes back.

Loss and return are reported once each through ``on_event`` (one line: the engine keeps
them for /status and serve prints them on stderr). Reopening is tried with backoff (1 s,
then doubling to 5 s) and only onto the device that was lost (same name), or the one the
user named.

A JACK server that dies takes PortAudio with it: closing the dead stream hangs forever, and
Pa_Terminate (needed to see the restarted server) hangs or aborts on that stream. So the
dead stream is abandoned to a daemon thread and a fresh PortAudio is loaded beside the old
one: a copy of the library file, opened under another name, has its own global state (and
its own JACK client), and a fresh ``sounddevice`` module is built over it
(:func:`fresh_portaudio`). The old one is never terminated (its exit handler is dropped).

JACK naming (:mod:`realtime.engine.jack_ports`): the client name is given to PortAudio before
each stream opens (so a fresh PortAudio after a dead server gets it too), and the ports are
renamed ``out_1..out_N`` once it runs, after every (re)open.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import importlib.util
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from realtime.engine import jack_ports
from realtime.engine.config import EngineConfig, EngineError
from realtime.engine.priority import realtime
from realtime.engine.server_xruns import ServerXruns

BACKOFF_S = (1.0, 2.0, 4.0, 5.0)  # waits between reopen attempts; the last repeats
_current: Any = None  # the sounddevice module in use (a fresh one after a dead server)
_fresh_count = 0


def _sd() -> Any:
    global _current
    if _current is not None:
        return _current
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise EngineError(f"no audio: PortAudio is not available ({exc})") from None
    _current = sd
    return sd


def fresh_portaudio() -> Any:
    """Load a second, independent PortAudio (a copy of the library under a new name, so the
    dynamic loader does not hand back the old instance) with its own sounddevice module, and
    use it from now on. The old instance is left as it is, never terminated."""
    global _current, _fresh_count
    old = _sd()
    _skip_portaudio_exit(old)
    _fresh_count += 1
    folder = tempfile.mkdtemp(prefix="waefader-portaudio-")
    copy = os.path.join(folder, f"libportaudio-{_fresh_count}.so")
    shutil.copy(_library_file(str(old._libname)), copy)
    spec = importlib.util.find_spec("sounddevice")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    find = ctypes.util.find_library
    ctypes.util.find_library = lambda name: copy if name == "portaudio" else find(name)
    try:
        spec.loader.exec_module(module)  # dlopen + Pa_Initialize of the copy
    finally:
        ctypes.util.find_library = find
        shutil.rmtree(folder, ignore_errors=True)  # mapped already: the file can go
    _current = module
    return module


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    hostapi: str
    max_output_channels: int
    default_samplerate: float
    default_low_latency_ms: float


def _library_file(name: str) -> str:
    """The file a library was loaded from: ``name`` itself when a path, else the mapping
    of this process whose file name starts with it (``libportaudio.so.2`` -> its path)."""
    if os.path.isabs(name):
        return os.path.realpath(name)
    stem = name.split(".so")[0]
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split(maxsplit=5)[-1].strip()
            if os.path.basename(path).startswith(stem) and os.path.isfile(path):
                return path
    raise EngineError(f"cannot find the file of {name} to load PortAudio again")


def output_devices() -> list[DeviceInfo]:
    sd = _sd()
    apis = sd.query_hostapis()
    return [
        DeviceInfo(
            i,
            d["name"],
            apis[d["hostapi"]]["name"],
            d["max_output_channels"],
            float(d["default_samplerate"]),
            float(d["default_low_output_latency"]) * 1e3,
        )
        for i, d in enumerate(sd.query_devices())
        if d["max_output_channels"] > 0
    ]


def rescan() -> None:
    """Make PortAudio look for devices again (only while no stream is open)."""
    sd = _sd()
    sd._terminate()
    sd._initialize()


def resolve_device(spec: str | int | None) -> DeviceInfo:
    """An output device by index, name fragment (case-insensitive) or None (the default)."""
    devices = output_devices()
    if not devices:
        raise EngineError("no audio output device (is a sound server running?)")
    if spec is None or spec == "":
        default = _sd().default.device[1]
        for d in devices:
            if d.index == default:
                return d
        return devices[0]
    if isinstance(spec, int) or str(spec).isdigit():
        for d in devices:
            if d.index == int(spec):
                return d
        raise EngineError(f"no output device with index {spec}; {_listing(devices)}")
    matches = [d for d in devices if str(spec).lower() in d.name.lower()]
    exact = [d for d in matches if d.name.lower() == str(spec).lower()]
    if exact or matches:
        return (exact or matches)[0]
    raise EngineError(f"no output device matches {spec!r}; {_listing(devices)}")


def _listing(devices: list[DeviceInfo]) -> str:
    return "outputs: " + ", ".join(f"[{d.index}] {d.name}" for d in devices)


class AudioOutput:
    """An open output stream feeding ``callback``; ``lost`` tells when the device vanished."""

    open_streams = 0  # in this process, on the PortAudio in use (it is process-wide)

    def __init__(
        self,
        callback: Callable[..., None],
        config: EngineConfig,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self._callback = callback
        self.config = config
        self.on_event = on_event  # one line on loss and on return (from the watchdog thread)
        self.lost_at = 0.0
        self._stream: Any = None
        self._closing = False
        self._watchdog: threading.Thread | None = None
        self._callbacks = 0
        self.realtime_thread: bool | None = None  # did the audio thread get SCHED_FIFO?
        # Was it real-time already when the first callback came? JACK makes its clients'
        # threads real-time when the server itself runs real-time; ALSA's PortAudio thread
        # asks for it too. A False here means a server that a busy real-time thread of ours
        # could starve (see priority.demoted).
        self.server_realtime: bool | None = None
        self._reopening: threading.Thread | None = None
        self._closed_cleanly = True
        self._fresh_needed = False
        self.device: DeviceInfo | None = None
        self.lost = False
        self.losses = 0
        self.error: str | None = None
        self.jack_ports: list[str] = []  # e.g. ["waefader:out_1", "waefader:out_2"]
        self.jack_error: str | None = None
        self._server_xruns = ServerXruns()  # JACK only: the server's own missed cycles

    def _wrapped(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        if self.realtime_thread is None:
            self._raise_priority()  # first callback only (the one place that may allocate)
        self._callbacks += 1
        self._callback(outdata, frames, time_info, status)

    def _raise_priority(self) -> None:
        """Real-time scheduling for the audio thread, as audio applications ask for: on a
        busy machine a normal thread is woken late and the device underflows."""
        self.server_realtime = hasattr(os, "sched_getscheduler") and (
            os.sched_getscheduler(0) in (os.SCHED_FIFO, os.SCHED_RR)
        )
        self.realtime_thread = realtime(self.config.rt_priority)

    def open(self) -> None:
        sd = _sd()
        self._name_client(sd)
        # after a loss: the same device again (by name), not whatever is the default now
        spec = self.config.device if self.device is None else self.device.name
        device = resolve_device(spec)
        try:
            stream = sd.OutputStream(
                device=device.index,
                samplerate=self.config.sample_rate,
                blocksize=self.config.blocksize,
                channels=min(self.config.channels, device.max_output_channels),
                dtype="float32",
                latency=self.config.latency,
                callback=self._wrapped,
            )
            stream.start()
        except Exception as exc:  # PortAudioError and friends: say what was asked
            raise EngineError(
                f"cannot open output {device.name!r} at {self.config.sample_rate} Hz, "
                f"block {self.config.blocksize}: {exc}"
            ) from None
        self._stream = stream
        AudioOutput.open_streams += 1
        self.device = device
        self.lost = False
        self.error = None
        if "JACK" in device.hostapi:
            self._tidy_jack_ports(sd)
            self._server_xruns.start(self.config.client_name)
        if self._watchdog is None:
            self._closing = False
            self._watchdog = threading.Thread(
                target=self._watch, name="waefader-audio-watch", daemon=True
            )
            self._watchdog.start()

    def close(self) -> None:
        self._closing = True
        if self._watchdog is not None:
            self._watchdog.join(2.0)
            self._watchdog = None
        if self.jack_ports and not self.lost:
            # the next stream of this client (a model change) gets the same routing
            with contextlib.suppress(Exception):
                jack_ports.remember_links(self.jack_ports[0].split(":", 1)[0])
        self._server_xruns.stop(server_alive=not self.lost)
        self._close_stream()

    def _name_client(self, sd: Any) -> None:
        """PortAudio's JACK client takes the configured name. Renaming restarts PortAudio,
        which would kill another open stream of this process: then the name stays."""
        if AudioOutput.open_streams > 0:
            if jack_ports.current_name(sd) not in (None, self.config.client_name):
                self.jack_error = "JACK client name unchanged: another stream is open"
            return
        try:
            jack_ports.set_client_name(sd, self.config.client_name)
        except jack_ports.JackNameError as exc:
            raise EngineError(str(exc)) from None

    def _tidy_jack_ports(self, sd: Any) -> None:
        """Stable port names and the chosen routing; a failure is reported, not raised."""
        name = jack_ports.client_name(sd)
        if name is None:
            return
        try:
            self.jack_ports = jack_ports.tidy_ports(name, self.config.connect)
            self.jack_error = None
        except Exception as exc:
            self.jack_error = f"JACK ports left as PortAudio named them: {exc}"

    def _close_stream(self, wait_s: float = 1.0) -> bool:
        """Close the stream; False when closing hangs (a dead JACK server does that): the
        stream is then abandoned to a daemon thread."""
        stream, self._stream = self._stream, None
        if stream is None:
            return True
        AudioOutput.open_streams -= 1  # abandoned or not, it is off the PortAudio in use

        def close() -> None:
            try:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
            except Exception:
                pass

        closer = threading.Thread(target=close, name="waefader-audio-close", daemon=True)
        closer.start()
        closer.join(wait_s)
        return not closer.is_alive()

    @property
    def xruns(self) -> int | None:
        """The JACK server's xrun reports while this output ran (None: not on JACK, or
        the watcher could not open; ``xruns_error`` says why)."""
        return self._server_xruns.count

    @property
    def xruns_error(self) -> str | None:
        return self._server_xruns.error

    @property
    def latency_ms(self) -> float | None:
        s = self._stream
        return None if s is None else float(s.latency) * 1e3

    @property
    def blocksize(self) -> int:
        s = self._stream
        return int(s.blocksize) if s is not None else self.config.blocksize

    @property
    def channels(self) -> int:
        s = self._stream
        return int(s.channels) if s is not None else self.config.channels

    def _watch(self) -> None:
        """Every 0.25 s: a stream that stopped, or whose callbacks stopped coming for 1 s,
        has lost its device; then try to reopen, waiting longer after each failure."""
        seen, stalled_since = -1, time.monotonic()
        tries = 0
        while not self._closing:
            time.sleep(0.25)
            if self.lost:
                wait = BACKOFF_S[min(tries, len(BACKOFF_S) - 1)]
                if time.monotonic() - stalled_since >= wait:
                    stalled_since = time.monotonic()
                    tries += 1
                    self._try_reopen()
                continue
            if tries:  # it came back
                tries = 0
                name = self.device.name if self.device else "?"
                self._report(f"audio device back: {name} reopened after "
                             f"{time.monotonic() - self.lost_at:.1f} s")  # fmt: skip
            s = self._stream
            count = self._callbacks
            if count != seen:
                seen, stalled_since = count, time.monotonic()
            stopped = s is None or not s.active
            if stopped or time.monotonic() - stalled_since > 1.0:
                self.lost = True
                self.losses += 1
                self.lost_at = stalled_since = time.monotonic()
                self.error = "audio device lost; retrying"
                name = self.device.name if self.device else "?"
                self._report(f"audio device lost: {name}; notes are dropped, reconnecting")
                self._server_xruns.stop(server_alive=False)
                self._closed_cleanly = self._close_stream()
                self._fresh_needed = not self._closed_cleanly

    def _report(self, line: str) -> None:
        if self.on_event is not None:
            with contextlib.suppress(Exception):  # a broken listener must not stop the watchdog
                self.on_event(line)

    def _try_reopen(self) -> None:
        """Rescan devices and reopen, in a helper thread so the watchdog keeps reporting.
        When closing the lost stream hung (a dead JACK server), PortAudio cannot be
        terminated: a fresh PortAudio is loaded beside it (:func:`fresh_portaudio`)."""
        if self._reopening is not None and self._reopening.is_alive():
            return  # the last attempt is still going

        def attempt() -> None:
            try:
                if self._fresh_needed:
                    fresh_portaudio()
                    self._fresh_needed = False  # the fresh one has no stream: rescan is safe
                else:
                    rescan()
                self.open()
            except Exception as exc:
                self.error = f"audio device lost; retrying ({exc})"

        self._reopening = threading.Thread(
            target=attempt, name="waefader-audio-reopen", daemon=True
        )
        self._reopening.start()


def _skip_portaudio_exit(module: Any) -> None:
    """Terminating PortAudio after its JACK server died hangs or aborts the process (an
    assertion in pa_jack.c): leave that PortAudio alone at exit."""
    import atexit

    handler = getattr(module, "_exit_handler", None)
    if handler is not None:
        atexit.unregister(handler)
