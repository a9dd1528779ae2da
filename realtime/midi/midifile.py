"""A standard MIDI file -> timed actions for the freewheel renderer (tempo changes honoured)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from realtime.engine.offline import Action
from realtime.midi.handler import MidiHandler
from realtime.midi.mapping import MidiError


def read_midi_file(path: str | Path) -> list[tuple[float, Any]]:
    """(seconds, mido message) for every channel message, in order."""
    import mido

    try:
        mid = mido.MidiFile(str(path))
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise MidiError(f"cannot read MIDI file {path}: {_reason(exc)}") from None
    t = 0.0
    out = []
    for msg in mid:  # iterating a MidiFile yields messages with delta times in seconds
        t += msg.time
        if not msg.is_meta and hasattr(msg, "channel"):
            out.append((t, msg))
    return out


def _reason(exc: Exception) -> str:
    """mido's exceptions often carry no text (a truncated file is a bare EOFError)."""
    if isinstance(exc, EOFError):
        return "truncated (the file ends inside a chunk)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else f"malformed ({type(exc).__name__})"


def midi_actions(handler: MidiHandler, path: str | Path) -> list[tuple[float, Action]]:
    """Timed actions that send each message through ``handler`` at its frame."""

    def action(msg: Any) -> Action:
        return lambda frame: handler.handle(msg, frame=frame)

    return [(t, action(msg)) for t, msg in read_midi_file(path)]
