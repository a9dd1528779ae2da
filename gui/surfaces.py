"""OSC and MIDI beside the window: the same servers ``waefader serve`` runs, on one engine.

They run on their own threads and only post events / set controls on the engine, so a
fader moved over OSC reaches the window through the engine's control subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SurfaceOptions:
    """Where OSC listens and which MIDI input to open."""

    osc: bool = True
    osc_host: str = "127.0.0.1"
    osc_port: int = 9000
    osc_reply_port: int | None = None
    midi: bool = True
    midi_port: str | None = None  # None: a virtual input port named "waefader"


class Surfaces:
    """Starts and stops the OSC server and the MIDI input for one engine."""

    def __init__(self, options: SurfaceOptions) -> None:
        self.options = options
        self.osc_server: Any = None
        self.midi_input: Any = None
        self.errors: list[str] = []

    def start(self, engine: Any) -> None:
        self.errors = []

    def stop(self) -> None:
        pass

    def osc_address(self) -> str | None:
        return None

    def midi_port(self) -> str | None:
        return None
