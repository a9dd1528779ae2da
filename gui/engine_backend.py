"""``EngineBackend``: the GUI's ``SynthBackend`` over the real engine, OSC and MIDI.

It owns one ``realtime.engine.Engine`` (its render worker and audio stream) plus the OSC
server and MIDI input of ``waefader serve``, so all three surfaces drive the same control
state. Everything the GUI calls here only posts to the engine or sets a control.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gui.bridge import BackendError, EngineStatus, ModelInfo, SampleInfo
from gui.model_bar import resolve_preset
from gui.sample_player import SamplePlayer
from gui.surfaces import SurfaceOptions, Surfaces
from realtime.engine import ControlError, Engine, EngineConfig, PresetError
from realtime.manifest import ModelError
from realtime.model import OnnxSynth, load_model


@dataclass(frozen=True)
class PlayOptions:
    """How ``waefader play`` runs: model, audio device and control surfaces."""

    model: str | None = None  # None: the shipped default model
    engine: EngineConfig = field(default_factory=EngineConfig)
    surfaces: SurfaceOptions = field(default_factory=SurfaceOptions)
    preset: str | None = None


def open_model(path: str | None) -> OnnxSynth:
    """Load a model folder; every problem becomes a BackendError with the loader's message."""
    try:
        return load_model(path)
    except ModelError as exc:
        raise BackendError(str(exc)) from None
    except OSError as exc:
        raise BackendError(f"cannot read model {path}: {exc}") from None


def model_info(synth: OnnxSynth) -> ModelInfo:
    ranges = synth.style_ranges
    return ModelInfo(
        name=synth.root.name,
        path=str(synth.root),
        style_names=tuple(synth.style_names),
        style_ranges=tuple(tuple(ranges[s]) for s in synth.style_names),  # type: ignore[misc]
        latent_dim=synth.latent_dim,
        sample_rate=synth.sample_rate,
    )


class EngineBackend:
    """Implements ``gui.bridge.SynthBackend``."""

    def __init__(self, options: PlayOptions, synth: OnnxSynth | None = None) -> None:
        self.options = options
        synth = synth if synth is not None else open_model(options.model)
        self._listeners: list[Callable[[str, Any], None]] = []
        self._lock = threading.Lock()
        self.engine = self._make_engine(synth)
        self.model = model_info(synth)
        self.surfaces = Surfaces(options.surfaces)
        self.audio_error: str | None = None
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.started = False
        self.sample = SamplePlayer()

    def _make_engine(self, synth: OnnxSynth) -> Engine:
        engine = Engine(synth, self.options.engine)
        engine.subscribe(self._forward)
        return engine

    def _forward(self, name: str, value: Any) -> None:
        """Engine subscriber (any thread): hand the change to our own subscribers."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(name, value)

    # ---- life cycle --------------------------------------------------------------------
    def start(self) -> None:
        """Worker, audio stream, OSC, MIDI (serve's machinery). Nothing here is fatal: a
        missing audio device shows in ``status()``; an unreadable --preset or an OSC port in
        use is listed in ``problems``; lesser news (no MIDI here, preset styles this model
        lacks) in ``notes``."""
        self.problems, self.notes = [], []
        if self.options.preset:
            try:
                warnings = self.load_preset(resolve_preset(self.options.preset))
                self.notes += [f"preset: {w}" for w in warnings]
            except BackendError as exc:
                self.problems.append(str(exc))
        self._start_surfaces()
        for error in self.surfaces.errors:
            (self.notes if error.startswith("MIDI") else self.problems).append(error)

    def _start_surfaces(self) -> None:
        self.surfaces.start(self.engine)
        self.started = True
        if not self.options.surfaces.audio:
            self.audio_error = "audio off (--no-audio)"
        else:
            self.audio_error = self.engine.audio_error

    def shutdown(self) -> None:
        """Stop MIDI, OSC, the stream and the render worker."""
        self.surfaces.stop()
        self.engine.stop()
        self.started = False

    # ---- playing and controls -----------------------------------------------------------
    def note_on(self, pitch: int, velocity: int) -> None:
        self.engine.note_on(pitch, velocity)

    def note_off(self, pitch: int) -> None:
        self.engine.note_off(pitch)

    def panic(self) -> None:
        self.engine.panic()

    def set_control(self, name: str, value: Any) -> None:
        try:
            self.engine.set(name, value)
        except ControlError as exc:
            raise BackendError(str(exc)) from None

    def controls(self) -> dict[str, Any]:
        return dict(self.engine.controls.values())

    def randomise_latent(self) -> None:
        self.engine.randomize_latent()

    def subscribe(self, callback: Callable[[str, Any], None]) -> None:
        with self._lock:
            self._listeners.append(callback)

    # ---- reporting ------------------------------------------------------------------------
    def status(self) -> EngineStatus:
        s = self.engine.stats()
        return EngineStatus(
            running=bool(s.get("running")),
            audio_error=s.get("audio_error") or self.audio_error,
            device=s.get("device"),
            block_size=s.get("blocksize"),
            sample_rate=s.get("samplerate"),
            latency_p50_ms=s.get("latency_ms_p50"),
            latency_p99_ms=s.get("latency_ms_p99"),
            render_ms=s.get("render_ms_p50"),
            callback_load=s.get("callback_load_mean"),
            underflows=s.get("underflows"),
            server_xruns=s.get("server_xruns"),
            callback_worst_ms=s.get("callback_worst_ms"),
            callback_worst=s.get("callback_worst_budget"),
            stalls=s.get("stalls"),
            voices=s.get("voices"),
            max_voices=s.get("max_voices"),
            osc=self.surfaces.osc_address() if self.options.surfaces.osc else None,
            midi=self.surfaces.midi_port(),
            notes_rendered=int(s.get("notes_rendered") or 0),
        )

    def last_note_label(self) -> str:
        return self.engine.last_note_label()

    def last_note(self) -> tuple[np.ndarray, int] | None:
        note = self.engine.last_note()
        if note is None:
            return None
        audio = np.asarray(note[0], dtype=np.float32)
        return (audio.mean(axis=1) if audio.ndim == 2 else audio), int(note[1])

    # ---- model and presets ----------------------------------------------------------------
    def load_model(self, path: str) -> ModelInfo:
        """Swap to another model folder: the old engine keeps playing until the new model
        has loaded and checked out; then audio, OSC and MIDI move to the new engine."""
        synth = open_model(path)
        controls = self.controls()
        self.surfaces.stop()
        self.engine.stop()
        self.engine = self._make_engine(synth)
        self.model = model_info(synth)
        for name in ("normalise", "pitch_class_mix", "octave_mix", "variation", "velocity",
                     "velocity_curve", "release", "gain", "fx"):
            with contextlib.suppress(ControlError, KeyError):
                self.engine.set(name, controls[name])  # else the new model's default
        if self.started:
            self._start_surfaces()
        for name, value in self.engine.controls.values().items():
            self._forward(name, value)  # the window shows the new model's controls
        return self.model

    def save_preset(self, path: Path) -> None:
        try:
            self.engine.save_preset(path)
        except OSError as exc:
            raise BackendError(f"cannot save preset {path}: {exc}") from None

    def load_preset(self, path: Path) -> list[str]:
        try:
            return self.engine.load_preset(path)
        except PresetError as exc:
            raise BackendError(str(exc)) from None

    # ---- transform mode (gui.sample_player) ------------------------------------------------
    def load_sample(self, path: str) -> SampleInfo:
        return self.sample.load(self.engine, path)

    def play_sample(self, which: str, transpose: int = 0) -> None:
        try:
            self.sample.play(self.engine, which, transpose)
        except ValueError as exc:  # the engine's own refusals (e.g. pitch)
            raise BackendError(str(exc)) from None
