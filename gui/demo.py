"""A short demo phrase rendered to WAV through the engine's offline (freewheel) path.

Used by ``waefader play`` on a machine without a display, so a headless run still leaves
something to listen to. The phrase is an arpeggio and a chord in the middle of the first
style's playable range, then the same chord with the first two styles mixed (the fader
idea, audible).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from realtime.dsp.audio_io import write_wav
from realtime.engine import Engine, EngineConfig, NoteOn
from realtime.engine.offline import render_offline
from realtime.renderer import NoteRenderer

ARPEGGIO = (0, 4, 7, 12, 7, 4)  # semitones above the root
STEP_S, NOTE_S = 0.25, 0.4


def demo_root(renderer: NoteRenderer) -> int:
    """A C near the middle of the first style's playable range (C4 when no range is known)."""
    ranges = getattr(renderer, "style_ranges", None) or {}
    low, high = ranges.get(renderer.style_names[0], (60, 72)) if ranges else (60, 72)
    middle = (low + high - 12) // 2
    return int(max(low, min(high - 12, middle - middle % 12)))


def demo_phrase(root: int) -> list[tuple[float, NoteOn]]:
    """``(seconds, event)`` pairs: arpeggio, then a held chord."""
    events = [(i * STEP_S, NoteOn(root + k, 90, NOTE_S)) for i, k in enumerate(ARPEGGIO)]
    chord_at = len(ARPEGGIO) * STEP_S + 0.2
    events += [(chord_at, NoteOn(root + k, 80, 1.2)) for k in (0, 4, 7)]
    return events


def render_demo(renderer: NoteRenderer, out: Path, sample_rate: int = 48000) -> dict[str, float]:
    """Render the phrase (first style, then the first two styles mixed) to ``out`` (WAV).

    Returns figures: seconds of audio, peak level."""
    engine = Engine(renderer, EngineConfig(sample_rate=sample_rate, channels=2, seed=0))
    root = demo_root(renderer)
    phrase = demo_phrase(root)
    first = render_offline(engine, phrase, tail_s=1.0)
    parts = [first]
    if len(renderer.style_names) > 1:
        engine.set("style", [0.6, 0.6])
        engine.set("variation", 0.3)
        chord = [(0.0, NoteOn(root + k, 80, 1.5)) for k in (0, 4, 7)]
        parts.append(render_offline(engine, chord, tail_s=1.0))
    audio = np.concatenate(parts)
    write_wav(out, audio, sample_rate)
    return {
        "seconds": round(audio.shape[0] / sample_rate, 3),
        "peak": round(float(np.max(np.abs(audio))) if audio.size else 0.0, 4),
    }
