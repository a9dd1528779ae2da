"""``Engine``: the facade the CLI, OSC, MIDI and the GUI use (see the package docstring)."""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np

from realtime.engine.bend import MAX_SEMITONES
from realtime.engine.cache import NoteCache
from realtime.engine.config import EngineConfig
from realtime.engine.controls import Controls, Value
from realtime.engine.events import (
    BEND,
    RELEASE,
    SUSTAIN,
    AudioClock,
    Event,
    NoteOff,
    NoteOn,
    NoteRequest,
    Panic,
    PanicMsg,
    PitchBend,
    ReadyNote,
    Sustain,
    TimedRequest,
)
from realtime.engine.gc_control import GcControl
from realtime.engine.mixer import Mixer, coef_for, db_to_gain
from realtime.engine.preset_folders import find_named
from realtime.engine.presets import (
    apply_preset,
    find_preset,
    list_presets,
    read_preset,
    save_preset,
)
from realtime.engine.priority import raise_nice
from realtime.engine.resample import resample
from realtime.engine.ring_output import RingOutput
from realtime.engine.stats import EngineStats
from realtime.engine.stream import AudioOutput
from realtime.engine.worker import RenderWorker
from realtime.renderer import NoteRenderer


class Engine:
    """A playable synth over any :class:`NoteRenderer`."""

    def __init__(self, renderer: NoteRenderer, config: EngineConfig | None = None) -> None:
        self.renderer = renderer
        self.config = config or EngineConfig()
        cfg = self.config
        self.controls = Controls(renderer.style_names, renderer.latent_dim)
        self.meter = EngineStats(cfg.sample_rate)
        self.clock = AudioClock(cfg.sample_rate)
        self.mixer = Mixer(cfg, self.meter, self.clock)
        self.cache = NoteCache(int(cfg.cache_mb * 2**20))
        self.worker = RenderWorker(
            renderer, cfg, self.cache, self.meter, self.mixer.inbox, self.clock
        )
        self.output: AudioOutput | RingOutput | None = None
        self.audio_error: str | None = None
        self.prior_std = float(getattr(renderer, "prior_std", 1.0) or 1.0)
        self._ids = count(1)
        self._rng = np.random.default_rng(cfg.seed)
        self._rng_lock = threading.Lock()
        self._fx_made = False
        self._old_switch: float | None = None
        self.gc = GcControl(rt_priority=cfg.worker_rt_priority, nice=cfg.nice)
        self.niced = False
        # Device lost / back: one line each, kept here and passed to ``audio_listener``
        # (serve prints them on stderr; the window shows ``audio_error`` in its status).
        self.audio_events: deque[str] = deque(maxlen=16)
        self.audio_listener: Callable[[str], None] | None = None
        self.controls.subscribe(self._on_control)
        self._on_control("gain", self.controls.get("gain"))
        self.mixer.gain = self.mixer.target_gain

    # --- life cycle -----------------------------------------------------------------------------
    def start(self, audio: bool = True) -> None:
        """Start the render worker and (``audio``) the output stream. Raises EngineError
        when the device cannot be opened; the worker keeps running then (``audio_error``)."""
        if self._old_switch is None:
            self._old_switch = sys.getswitchinterval()
            sys.setswitchinterval(self.config.switch_interval_s)
            self.niced = raise_nice(self.config.nice)  # threads started from here inherit it
        self.worker.start()
        self.meter.gc.install()
        if self.config.gc_control:
            self.gc.start()
        if audio and self.output is None:
            output: AudioOutput | RingOutput
            if self.config.output == "jack-ring":
                output = RingOutput(self.mixer.process, self.config, self._audio_event)
                self.meter.buffered = True  # a slow block is not an underflow there
            else:
                output = AudioOutput(self.mixer.callback, self.config, self._audio_event)
            try:
                output.open()
            except Exception as exc:
                self.audio_error = str(exc)
                raise
            self.output = output
            self.worker.audio_output = output
            self.audio_error = None

    def stop(self) -> None:
        if self.output is not None:
            self.output.close()
            self.output = None
            self.worker.audio_output = None
        self.worker.stop()
        self.gc.stop()
        self.meter.gc.uninstall()
        if self._old_switch is not None:
            sys.setswitchinterval(self._old_switch)
            self._old_switch = None

    def _audio_event(self, line: str) -> None:
        self.audio_events.append(line)
        listener = self.audio_listener
        if listener is not None:
            listener(line)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- playing ----------------------------------------------------------------------------------
    def note_on(
        self,
        pitch: int,
        velocity: float | None = None,
        duration: float | None = None,
        *,
        time: float | None = None,
        frame: int | None = None,
        arrival: float | None = None,
    ) -> int:
        """Play a note with the controls of this moment; returns its id.

        ``time``: a ``perf_counter`` instant to sound at; ``frame``: an audio-clock frame;
        neither: as soon as possible (or after ``fixed_latency_ms`` when that mode is on).
        Raises ValueError for a pitch outside 0..127 or a velocity outside 1..127.
        While the audio device is lost the note is dropped and counted (id -1), not queued."""
        arrival = _perf() if arrival is None else arrival
        pitch = _check_pitch(pitch)
        snap = self.controls.snapshot()
        vel = snap.velocity if velocity is None else float(velocity)
        if not 1.0 <= vel <= 127.0:
            raise ValueError(f"velocity {vel:g} outside 1..127")
        if duration is not None and not 0.0 < duration <= 600.0:
            raise ValueError(f"duration {duration:g} s outside (0, 600]")
        with self._rng_lock:
            key, snap = self.controls.note_controls(
                pitch, vel, self._rng, self.config.dynamics_steps, self.prior_std
            )
        live = time is None and frame is None
        time = self._fixed(time, frame, arrival)
        if self.silent:
            self.worker.drops.add("device_lost")
            return -1
        note_id = next(self._ids)
        self.worker.submit(
            NoteRequest(
                note_id=note_id,
                pitch=pitch,
                controls=key,
                gain=snap.velocity_gain(vel),
                release_s=snap.release,
                duration=duration,
                time=time,
                frame=frame,
                arrival=arrival,
                live=live,
            )
        )
        return note_id

    def play_audio(self, audio: np.ndarray, sample_rate: int, gain: float = 1.0) -> int:
        """Play a mono buffer ``audio (samples,)`` at ``sample_rate`` as one voice, now (the
        transform panel's original and reconstruction). It is resampled here, on the calling
        thread, then handed to the callback like a rendered note. It answers no note-off (its
        pitch is -1) and ends with the buffer; panic fades it. Returns its note id.
        Raises ValueError for empty, multi-channel or non-finite audio, or a bad rate or gain."""
        x = np.asarray(audio, dtype=np.float32)
        if x.ndim != 1 or x.shape[0] == 0:
            raise ValueError(f"audio must be mono samples (N,), got shape {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("audio contains NaN or infinite samples")
        if not 8000 <= sample_rate <= 384000 or not (np.isfinite(gain) and 0.0 <= gain <= 4.0):
            raise ValueError(f"sample rate {sample_rate} or gain {gain:g} out of range")
        if self.silent:
            self.worker.drops.add("device_lost")
            return -1
        sr = self.config.sample_rate
        buffer = resample(x, int(sample_rate), sr)
        note_id = next(self._ids)
        release = float(self.controls.get("release"))  # type: ignore[arg-type]
        self.mixer.inbox.append(
            ReadyNote(
                note_id,
                -1,
                buffer,
                awaiting_full=False,
                gain=float(gain),
                release_coef=coef_for(release, sr),
                frame=-1,
                duration_frames=-1,
                arrival=0.0,  # not a trigger: kept out of the latency figures
            )
        )
        return note_id

    def note_off(self, pitch: int, *, time: float | None = None, frame: int | None = None) -> None:
        pitch = _check_pitch(pitch)
        time = self._fixed(time, frame, _perf())
        self.worker.submit(TimedRequest(RELEASE, pitch, time, frame))

    def sustain(self, on: bool, *, time: float | None = None, frame: int | None = None) -> None:
        time = self._fixed(time, frame, _perf())
        self.worker.submit(TimedRequest(SUSTAIN, int(bool(on)), time, frame))

    def bend(
        self, semitones: float, *, time: float | None = None, frame: int | None = None
    ) -> None:
        """Bend the sounding notes and the new ones by ``semitones`` (-24..24; 0 ends the
        bend). Raises ValueError outside that range."""
        st = float(semitones)
        if not -MAX_SEMITONES <= st <= MAX_SEMITONES:  # NaN fails too
            raise ValueError(f"bend {semitones!r} semitones outside -24..24")
        time = self._fixed(time, frame, _perf())
        self.worker.submit(TimedRequest(BEND, 0, time, frame, st))

    def panic(self) -> None:
        """All voices fade out within ``steal_fade_ms``; pending notes are dropped. With the
        device lost (no callback to take them) the callback's inbox is emptied here too."""
        self.worker.panic()
        out = self.output
        if out.lost if out is not None else self.audio_error is not None:  # no callback runs
            self.mixer.inbox.clear()
        self.mixer.inbox.append(PanicMsg())

    @property
    def silent(self) -> bool:
        """The device was lost (notes are dropped until it is back). A device that never
        opened is not 'lost': notes still render (the window shows them), boundedly."""
        out = self.output
        return out is not None and out.lost

    def post(self, event: Event) -> int | None:
        """Post an event object (see :mod:`realtime.engine.events`)."""
        if isinstance(event, NoteOn):
            return self.note_on(
                event.pitch,
                event.velocity,
                event.duration,
                time=event.time,
                frame=event.frame,
                arrival=event.arrival,
            )
        if isinstance(event, NoteOff):
            self.note_off(event.pitch, time=event.time, frame=event.frame)
        elif isinstance(event, Sustain):
            self.sustain(event.on, time=event.time, frame=event.frame)
        elif isinstance(event, PitchBend):
            self.bend(event.semitones, time=event.time, frame=event.frame)
        elif isinstance(event, Panic):
            self.panic()
        else:
            raise TypeError(f"not an engine event: {event!r}")
        return None

    def process(self, out: np.ndarray) -> None:
        """Fill ``out (frames, channels)`` float32 by calling the audio callback directly
        (tests, freewheel). Do not mix with a running stream."""
        self.mixer.process(out)

    def _fixed(self, time: float | None, frame: int | None, arrival: float) -> float | None:
        d = self.config.fixed_latency_ms
        if d is not None and time is None and frame is None:
            return arrival + d * 1e-3
        return time

    # --- controls ---------------------------------------------------------------------------------
    def get(self, name: str) -> Value:
        return self.controls.get(name)

    def set(self, name: str, value: Any) -> Value:
        return self.controls.set(name, value)

    def subscribe(self, listener: Callable[[str, Value], None]) -> Callable[[], None]:
        """``listener(name, value)`` after any control change, on the changing thread."""
        return self.controls.subscribe(listener)

    def randomize_latent(self, scale: float = 1.0) -> Value:
        with self._rng_lock:
            z = self._rng.standard_normal(self.renderer.latent_dim) * scale * self.prior_std
        return self.controls.set("latent", np.clip(z, -10, 10).tolist())

    def save_preset(self, path: str | Path, name: str = "") -> Path:
        return save_preset(self.controls, path, name)

    def load_preset(self, name_or_path: str | Path, *, remote: bool = False) -> list[str]:
        """Apply a preset (path or name); returns warnings. Raises PresetError. ``remote``
        (a name sent over OSC): a name only, read only from the preset folders
        (PresetRefused otherwise; the errors never hold a path: see preset_folders).
        Subscribers then hear ``("preset", file)``: the window's preset box follows."""
        if remote:
            path = find_named(str(name_or_path))
            data = read_preset(path, "(named over OSC)")
        else:
            path = find_preset(name_or_path)
            data = read_preset(path)
        warnings = apply_preset(self.controls, data)
        self.controls.announce("preset", str(path))
        return warnings

    @staticmethod
    def presets() -> list[str]:
        return list_presets()

    def _on_control(self, name: str, value: Value) -> None:
        if name == "gain":
            self.mixer.target_gain = db_to_gain(float(value))  # type: ignore[arg-type]
        elif name == "fx":
            if value and not self._fx_made:
                from realtime.engine.fx import make_fx_chain

                self.mixer.fx = make_fx_chain(self.config.sample_rate)
                self._fx_made = True
            self.mixer.fx_on = bool(value)

    # --- reporting ------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Figures for /status and the GUI (times in ms; see realtime.engine.stats)."""
        s = self.meter.summary()
        out = self.output
        s.update(self.cache.figures())
        s.update(
            {
                "running": out is not None and not out.lost,
                "audio_error": (out.error if out is not None else None) or self.audio_error,
                "device": out.device.name if out is not None and out.device else None,
                "device_latency_ms": out.latency_ms if out is not None else None,
                "device_losses": out.losses if out is not None else 0,
                "clock_reanchors": self.clock.skips,  # xruns the audio clock caught up with
                "clock_skipped_frames": self.clock.skipped,
                "jack_ports": list(out.jack_ports) if out is not None else [],
                "jack_error": out.jack_error if out is not None else None,
                "audio_events": list(self.audio_events),
                "realtime_thread": out.realtime_thread if out is not None else None,
                # jack-ring: the native callback's longest run (the real-time deadline's)
                "native_callback_worst_ms": getattr(out, "native_worst_ms", None),
                "server_xruns": getattr(out, "xruns", None),  # on JACK: the server's own reports
                "server_realtime": out.server_realtime if out is not None else None,
                "blocksize": out.blocksize if out is not None else self.config.blocksize,
                "samplerate": self.config.sample_rate,
                "max_voices": self.config.max_voices,
                "render_queue": self.worker.pending + self.worker.wholes_pending,
                "scheduled": self.worker.scheduled,
                "inbox": len(self.mixer.inbox),
                "dropped": self.worker.drops.as_dict(),
                "fixed_latency_ms": self.config.fixed_latency_ms,
                "reported_latency_ms": self.config.fixed_latency_ms or s["latency_ms_p50"],
                "limiter_min_gain": round(self.mixer.limiter.min_gain, 4),
                "held_loops": self.worker.loops,
                "loop_ms_p50": _p50(self.worker.loop_ms.values()),
                "bend_semitones": self.mixer.bend.semitones,
            }
        )
        return s

    def info(self) -> dict[str, Any]:
        r = self.renderer
        ranges = getattr(r, "style_ranges", None) or {}
        return {
            "styles": list(r.style_names),
            "style_ranges": {k: list(v) for k, v in dict(ranges).items()},
            "latent_dim": r.latent_dim,
            "model_sample_rate": r.sample_rate,
            "note_samples": r.note_samples,
            "samplerate": self.config.sample_rate,
            "blocksize": self.config.blocksize,
            "max_voices": self.config.max_voices,
            "controls": list(self.controls.specs),
            "presets": self.presets(),
        }

    def last_note(self) -> tuple[np.ndarray, int] | None:
        """The most recently rendered whole note at the device rate, or None."""
        return self.worker.last_note

    def last_note_label(self) -> str:
        """That note in words: ``"E4 · violin 1.00, flute 0.50"`` (its pitch, its styles
        by weight), or "" before the first note."""
        r = self.worker.last_note_request
        if r is None:
            return ""
        from realtime.conditions import midi_name

        weights = sorted(zip(r.controls.style, self.renderer.style_names, strict=False),
                         key=lambda wn: -wn[0])
        styles = ", ".join(f"{n} {w:.2f}" for w, n in weights[:3] if w > 0)
        return f"{midi_name(int(r.pitch))} · {styles or 'no style'}"

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block (a non-audio thread) until submitted requests reached the callback."""
        end = _perf() + timeout
        while _perf() < end:
            if self.worker.idle:
                return True
            time.sleep(0.001)
        return False


def _p50(values: np.ndarray) -> float | None:
    return round(float(np.median(values)), 3) if values.size else None


def _perf() -> float:
    return time.perf_counter()


def _check_pitch(pitch: Any) -> int:
    if isinstance(pitch, bool) or not isinstance(pitch, int | float | np.number):
        raise ValueError(f"pitch must be a number, got {pitch!r}")
    p = round(float(pitch))
    if not 0 <= p <= 127:
        raise ValueError(f"pitch {p} outside 0..127")
    return p
