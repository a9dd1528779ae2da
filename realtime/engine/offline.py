"""Freewheel: the engine's own worker and callback driven block by block, as fast as the
CPU goes, for offline renders (``waefader render``) and offline latency checks.

Events carry frames on the audio clock, so every note starts at its exact sample. Before
each block the driver posts the events that fall inside it (in time order, so control
changes apply to the notes after them), lets the worker handle them in this thread (the
same code as the live worker thread), then calls the callback.

An action may also be a callable ``f(frame)`` (a control change, an OSC message through
the dispatcher): it is called, in order, when its block comes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

import numpy as np

from realtime.engine.engine import Engine
from realtime.engine.events import Event, NoteOff, NoteOn, Panic, PitchBend, Sustain

Action = Event | Callable[[int], object]


def at_frame(event: Event, frame: int) -> Event:
    """The same event placed at an audio-clock frame."""
    if isinstance(event, Panic):
        return event
    return replace(event, frame=int(frame), time=None, arrival=0.0)  # type: ignore[call-overload]


def freewheel(
    engine: Engine,
    events: Iterable[tuple[float, Action]],
    *,
    blocksize: int = 256,
    tail_s: float = 3.0,
    channels: int | None = None,
) -> Iterator[np.ndarray]:
    """Yield output blocks ``(blocksize, channels)`` float32 (fresh arrays) until every
    event has played and the voices are silent (at most ``tail_s`` after the last event or
    the last note-off a duration set).

    ``events``: ``(seconds from the start, event or callable)`` in any order (ties keep
    their order)."""
    sr = engine.config.sample_rate
    ch = channels or engine.config.channels
    worker, mixer = engine.worker, engine.mixer
    origin = mixer.frame
    timed = sorted(
        ((origin + round(t * sr), i, ev) for i, (t, ev) in enumerate(events)), key=lambda x: x[:2]
    )
    last = timed[-1][0] if timed else origin
    limit = last + round(tail_s * sr)
    k = 0
    frame = mixer.frame
    while True:
        while k < len(timed) and timed[k][0] < frame + blocksize:
            f, _, action = timed[k]
            if callable(action):
                action(max(f, frame))
            else:
                engine.post(at_frame(action, max(f, frame)))
            k += 1
        worker.drain(frame)
        block = np.zeros((blocksize, ch), np.float32)
        engine.process(block)
        yield block
        frame = mixer.frame
        done = k == len(timed) and not mixer.inbox and worker.scheduled == 0
        # a note held by its duration keeps the render going until its release has rung
        held = mixer.pool.last_off()
        if held >= 0:
            limit = max(limit, held + round(tail_s * sr))
        if done and (mixer.pool.count() == 0 or frame >= limit):
            return


def render_offline(
    engine: Engine, events: Iterable[tuple[float, Action]], **kwargs: object
) -> np.ndarray:
    """The whole freewheel render as one ``(frames, channels)`` array."""
    blocks = list(freewheel(engine, events, **kwargs))  # type: ignore[arg-type]
    return np.concatenate(blocks) if blocks else np.zeros((0, engine.config.channels), np.float32)


__all__ = ["NoteOff", "NoteOn", "PitchBend", "Sustain", "at_frame", "freewheel", "render_offline"]
