"""The only place the GUI talks to the synth: a small backend protocol and a Qt bridge over it.

Threading contract (why the GUI can never stall the audio):
- Widgets call the bridge on the GUI thread; the bridge forwards to backend methods that only
  post events or set control values (non-blocking: the engine's render worker does the work).
- Control changes made elsewhere (OSC, MIDI, presets) reach the backend's subscribers on
  whatever thread made them. The bridge's subscriber only puts ``(name, value)`` on a
  ``queue.SimpleQueue`` (lock-free for the producer in CPython); a QTimer on the GUI thread
  drains it, keeps the newest value per control and emits ``control_changed``.
- Status figures are polled on a second QTimer; the backend returns a snapshot of counters.

Control names (the GUI's vocabulary; ``engine_backend`` maps them onto the engine's):
``style`` (S floats), ``normalise`` (bool), ``pitch_class_mix`` (12 floats), ``octave_mix``
(9 floats), ``latent`` (x, y, z), ``variation``, ``velocity`` (1..127), ``release`` (s),
``gain`` (dB), ``fx`` (bool).
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

CONTROL_NAMES = (
    "style", "normalise", "pitch_class_mix", "octave_mix", "latent", "variation",
    "velocity", "release", "gain", "fx",
)


class BackendError(Exception):
    """A user-facing problem (bad model folder, unreadable preset): shown in a message box."""


@dataclass(frozen=True)
class EngineStatus:
    """A snapshot of what the engine reports about itself; None where it reports nothing."""

    running: bool = False
    audio_error: str | None = None
    device: str | None = None
    block_size: int | None = None
    sample_rate: int | None = None
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    render_ms: float | None = None
    callback_load: float | None = None  # fraction of the block period spent in the callback
    underflows: int | None = None
    server_xruns: int | None = None  # on JACK: cycles the whole server missed (not ours)
    callback_worst_ms: float | None = None  # the longest block the callback took
    callback_worst: float | None = None  # ... as a fraction of its block period (headroom)
    stalls: int | None = None  # late or slow callbacks (realtime.engine.stall_monitor)
    voices: int | None = None
    max_voices: int | None = None
    osc: str | None = None  # "127.0.0.1:9000"
    midi: str | None = None  # port name
    notes_rendered: int = 0  # increases when a new note's audio is ready (see last_note)


@dataclass(frozen=True)
class ModelInfo:
    """What the window needs to lay itself out for a model."""

    name: str
    path: str
    style_names: tuple[str, ...]
    style_ranges: tuple[tuple[int, int], ...]  # playable MIDI range per style, inclusive
    latent_dim: int
    sample_rate: int


@dataclass(frozen=True)
class SampleInfo:
    """A loaded sample as the model heard it (transform mode): its estimated pitch, style
    and dynamics, and the encoded latent point ``z`` (L,) that became the latent control."""

    path: str
    pitch: int
    note: str  # "A3"
    style: str  # the estimated style mix, "violin" or "violin 0.5 + flute 0.5"
    dynamics: str  # pp / mf / ff
    z: tuple[float, ...]


SAMPLE_SOUNDS = ("original", "reconstruction", "transformed")


class SynthBackend(Protocol):
    """What the GUI needs from the engine (+ OSC + MIDI); engine_backend implements it."""

    @property
    def model(self) -> ModelInfo: ...

    def start(self) -> None:
        """Open audio, OSC, MIDI. No audio device is not an error here: status says so."""

    def shutdown(self) -> None: ...

    def note_on(self, pitch: int, velocity: int) -> None: ...

    def note_off(self, pitch: int) -> None: ...

    def panic(self) -> None: ...

    def set_control(self, name: str, value: Any) -> None: ...

    def controls(self) -> dict[str, Any]: ...

    def randomise_latent(self) -> None:
        """Draw a new latent point from the prior (every dimension)."""

    def subscribe(self, callback: Callable[[str, Any], None]) -> None:
        """``callback(name, value)`` after any control change, from any thread."""

    def status(self) -> EngineStatus: ...

    def last_note(self) -> tuple[np.ndarray, int] | None:
        """The most recently rendered note: (mono samples (N,), sample rate), or None."""

    def last_note_label(self) -> str:
        """That note's name and styles (``"E4 · violin 1.00"``), "" when none."""

    def load_model(self, path: str) -> ModelInfo:
        """Swap in another exported model folder; raises BackendError (old model kept)."""

    def save_preset(self, path: Path) -> None: ...

    def load_preset(self, path: Path) -> list[str]:
        """Apply a preset file; returns warnings (e.g. styles this model lacks)."""

    def load_sample(self, path: str) -> SampleInfo:
        """Encode an audio file (about a second: call it off the GUI thread). Its z, style
        mix and velocity become the controls. Raises BackendError with the reason; the
        previous sample stays loaded then."""

    def play_sample(self, which: str, transpose: int = 0) -> None:
        """Play the loaded sample's ``original``, ``reconstruction`` (both as buffers) or
        ``transformed`` version: a note with the current controls at the sample's pitch +
        ``transpose``. Raises BackendError when no sample is loaded."""


def playable_range(info: ModelInfo, weights: Sequence[float]) -> tuple[int, int]:
    """The MIDI range covered by the styles that currently have weight (all when none do)."""
    active = [r for r, w in zip(info.style_ranges, weights, strict=False) if w > 0]
    ranges = active or list(info.style_ranges)
    if not ranges:
        return 0, 127
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


class EngineBridge(QObject):
    """Qt face of a ``SynthBackend``: methods for widgets, signals on the GUI thread."""

    control_changed = pyqtSignal(str, object)
    status_changed = pyqtSignal(object)  # EngineStatus
    note_audio = pyqtSignal(object, int)  # samples (N,), sample rate
    note_named = pyqtSignal(str)  # the same note in words: pitch and styles
    note_played = pyqtSignal(int, bool)  # pitch, on

    def __init__(
        self, backend: SynthBackend, poll_ms: int = 150, drain_ms: int = 30,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self._incoming: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._sent: dict[str, Any] = {}
        self._notes_seen = 0
        backend.subscribe(self._from_any_thread)
        self._drain_timer = QTimer(self)
        self._drain_timer.timeout.connect(self.drain)
        self._drain_timer.start(drain_ms)
        self._poll_timer = QTimer(self)
        self._poll_timer.timeout.connect(self.poll)
        self._poll_timer.start(poll_ms)

    # ---- from widgets (GUI thread) ---------------------------------------------------------
    def note_on(self, pitch: int, velocity: int) -> None:
        self.backend.note_on(int(pitch), int(velocity))
        self.note_played.emit(int(pitch), True)

    def note_off(self, pitch: int) -> None:
        self.backend.note_off(int(pitch))
        self.note_played.emit(int(pitch), False)

    def panic(self) -> None:
        self.backend.panic()

    def set_control(self, name: str, value: Any) -> None:
        self._sent[name] = _plain(value)
        self.backend.set_control(name, value)

    def controls(self) -> dict[str, Any]:
        return self.backend.controls()

    def randomise_latent(self) -> None:
        self.backend.randomise_latent()

    # ---- to widgets ----------------------------------------------------------------------
    def _from_any_thread(self, name: str, value: Any) -> None:
        """Subscriber: runs on the OSC / MIDI / GUI thread that changed a control."""
        self._incoming.put((name, value))

    def drain(self) -> None:
        """Emit the newest value of each control changed since the last drain."""
        latest: dict[str, Any] = {}
        while True:
            try:
                name, value = self._incoming.get_nowait()
            except queue.Empty:
                break
            latest[name] = value
        for name, value in latest.items():
            plain = _plain(value)
            if self._sent.get(name) == plain:
                continue  # our own change coming back: the widget already shows it
            self._sent.pop(name, None)
            self.control_changed.emit(name, value)

    def poll(self) -> None:
        status = self.backend.status()
        self.status_changed.emit(status)
        if status.notes_rendered != self._notes_seen:
            self._notes_seen = status.notes_rendered
            note = self.backend.last_note()
            if note is not None:
                self.note_audio.emit(note[0], note[1])
                self.note_named.emit(self.backend.last_note_label())

    def stop_timers(self) -> None:
        self._drain_timer.stop()
        self._poll_timer.stop()


def _plain(value: Any) -> Any:
    """A comparable form of a control value (arrays and lists become rounded tuples)."""
    if isinstance(value, np.ndarray | list | tuple):
        return tuple(round(float(v), 4) for v in np.asarray(value, dtype=float).ravel())
    if isinstance(value, float):
        return round(value, 4)
    return value
