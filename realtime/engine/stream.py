"""The sounddevice OutputStream around the mixer's callback: device choice, a watchdog that
notices a vanished device (unplugged, server gone) and reopens when it comes back."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from realtime.engine import jack_ports
from realtime.engine.config import EngineConfig, EngineError
from realtime.engine.priority import realtime


def _sd() -> Any:
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise EngineError(f"no audio: PortAudio is not available ({exc})") from None
    return sd


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    hostapi: str
    max_output_channels: int
    default_samplerate: float
    default_low_latency_ms: float


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

    open_streams = 0  # in this process (PortAudio is process-wide)

    def __init__(self, callback: Callable[..., None], config: EngineConfig) -> None:
        self._callback = callback
        self.config = config
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
        self.device: DeviceInfo | None = None
        self.lost = False
        self.losses = 0
        self.error: str | None = None
        self.jack_ports: list[str] = []  # e.g. ["waefader:out_1", "waefader:out_2"]
        self.jack_error: str | None = None

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
        device = resolve_device(self.config.device)
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
        self._close_stream()

    def _name_client(self, sd: Any) -> None:
        """PortAudio's JACK client takes the configured name. Renaming restarts PortAudio,
        which would kill another open stream of this process: then the name stays."""
        if AudioOutput.open_streams > 0:
            if jack_ports.current_name() not in (None, self.config.client_name):
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
        except Exception as exc:
            self.jack_error = f"JACK ports left as PortAudio named them: {exc}"

    def _close_stream(self, wait_s: float = 1.0) -> bool:
        """Close the stream; False when closing hangs (a dead JACK server does that): the
        stream is then abandoned to a daemon thread."""
        stream, self._stream = self._stream, None
        if stream is None:
            return True
        AudioOutput.open_streams -= 1

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
        has lost its device; then try to reopen every 2 s."""
        seen, stalled_since = -1, time.monotonic()
        while not self._closing:
            time.sleep(0.25)
            if self.lost:
                if time.monotonic() - stalled_since >= 2.0:
                    stalled_since = time.monotonic()
                    self._try_reopen()
                continue
            s = self._stream
            count = self._callbacks
            if count != seen:
                seen, stalled_since = count, time.monotonic()
            stopped = s is None or not s.active
            if stopped or time.monotonic() - stalled_since > 1.0:
                self.lost = True
                self.losses += 1
                self.error = "audio device lost; retrying"
                stalled_since = time.monotonic()
                self._closed_cleanly = self._close_stream()

    def _try_reopen(self) -> None:
        """Rescan devices and reopen, in a helper thread so the watchdog keeps reporting.
        When closing the lost stream hung (PortAudio does that when a JACK server dies),
        PortAudio cannot be restarted in this process: say so and stop trying."""
        if not self._closed_cleanly:
            self.error = "audio device lost (the audio server went away); restart to reconnect"
            _skip_portaudio_exit()
            return
        if self._reopening is not None and self._reopening.is_alive():
            return  # the last attempt is still going

        def attempt() -> None:
            try:
                rescan()
                self.open()
            except Exception as exc:
                self.error = f"audio device lost; retrying ({exc})"

        self._reopening = threading.Thread(
            target=attempt, name="waefader-audio-reopen", daemon=True
        )
        self._reopening.start()


def _skip_portaudio_exit() -> None:
    """Terminating PortAudio after its JACK server died aborts the process (an assertion in
    pa_jack.c): leave PortAudio alone at exit then."""
    import atexit

    handler = getattr(_sd(), "_exit_handler", None)
    if handler is not None:
        atexit.unregister(handler)
