"""A recording stand-in for the synth backend, for widget-level GUI tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gui.bridge import BackendError, EngineStatus, ModelInfo, SampleInfo

STYLES = ("violin", "flute", "trumpet")


class RecordingBackend:
    """Implements gui.bridge.SynthBackend in memory and records every call."""

    def __init__(self, styles: tuple[str, ...] = STYLES, running: bool = True) -> None:
        self.model = ModelInfo(
            name="recording", path="/nowhere", style_names=styles,
            style_ranges=tuple((40 + 5 * i, 90 - 5 * i) for i in range(len(styles))),
            latent_dim=8, sample_rate=22050,
        )
        self.state: dict[str, Any] = {
            "style": [1.0] + [0.0] * (len(styles) - 1), "normalise": False,
            "pitch_class_mix": [1.0] + [0.0] * 11, "octave_mix": [0.0] * 4 + [1.0] + [0.0] * 4,
            "latent": (0.0, 0.0, 0.0), "variation": 0.0, "velocity": 100, "velocity_curve": 1.0,
            "release": 0.3, "gain": -6.0, "fx": False,
        }
        self.notes: list[tuple[str, int, int]] = []
        self.subscribers: list[Callable[[str, Any], None]] = []
        self.running = running
        self.panics = 0
        self.rendered = 0
        self.shut = False
        self.sample: SampleInfo | None = None
        self.sample_plays: list[tuple[str, int]] = []

    def start(self) -> None:
        pass

    def shutdown(self) -> None:
        self.shut = True

    def note_on(self, pitch: int, velocity: int) -> None:
        self.notes.append(("on", pitch, velocity))
        self.rendered += 1

    def note_off(self, pitch: int) -> None:
        self.notes.append(("off", pitch, 0))

    def panic(self) -> None:
        self.panics += 1

    def set_control(self, name: str, value: Any) -> None:
        self.state[name] = value
        for cb in self.subscribers:
            cb(name, value)

    def randomise_latent(self) -> None:
        self.set_control("latent", tuple(np.random.default_rng().standard_normal(3)))

    def controls(self) -> dict[str, Any]:
        return dict(self.state)

    def subscribe(self, callback: Callable[[str, Any], None]) -> None:
        self.subscribers.append(callback)

    def status(self) -> EngineStatus:
        return EngineStatus(
            running=self.running, audio_error=None if self.running else "no device",
            device="dummy", block_size=256, sample_rate=48000, latency_p50_ms=4.0,
            latency_p99_ms=7.5, callback_load=0.1, underflows=2, server_xruns=2,
            callback_worst_ms=1.2, callback_worst=0.225, stalls=1, voices=1, max_voices=32,
            osc="127.0.0.1:9000", midi="waefader in", notes_rendered=self.rendered,
        )

    def last_note_label(self) -> str:
        return "A4 · violin 1.00"

    def last_note(self) -> tuple[np.ndarray, int] | None:
        t = np.arange(22050) / 22050
        return (np.sin(2 * np.pi * 440 * t) * np.exp(-3 * t)).astype(np.float32), 22050

    def load_model(self, path: str) -> ModelInfo:
        raise BackendError(f"model {path} does not exist")

    def save_preset(self, path: Path) -> None:
        path.write_text(json.dumps(self.state))

    def load_preset(self, path: Path) -> list[str]:
        for name, value in json.loads(path.read_text()).items():
            self.set_control(name, value)
        return []

    def load_sample(self, path: str) -> SampleInfo:
        """Files named *.bad fail; others 'encode' to z = (0.5, -0.5, 1.0), style flute."""
        if path.endswith(".bad"):
            raise BackendError(f"{Path(path).name}: not readable as audio")
        self.set_control("latent", (0.5, -0.5, 1.0))
        self.set_control("style", [0.0, 1.0, 0.0])
        self.sample = SampleInfo(path, 57, "A3", "flute", "mf", (0.5, -0.5, 1.0))
        return self.sample

    def play_sample(self, which: str, transpose: int = 0) -> None:
        if self.sample is None:
            raise BackendError("load a sample first")
        self.sample_plays.append((which, transpose))
