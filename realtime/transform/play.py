"""Handing a transformed note to the engine: its controls become the synth's controls.

The engine renders notes from controls with the same model, so the transformed note (or the
reconstruction) is played by setting the latent point, the style weights and no variation,
then playing the target pitch at the target velocity (40 / 80 / 120 give exactly pp / mf /
ff). The encoded z stays in the latent controls afterwards: the keyboard then plays the
transformed sound at every pitch. The original is audio, not controls: :func:`play_sound`
plays it as a buffer (``Engine.play_audio``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from realtime.transform.core import TransformResult
from realtime.transform.errors import TransformError
from realtime.transform.synth import EncoderSynth

if TYPE_CHECKING:
    from realtime.engine import Engine

WHICH = ("transformed", "reconstruction")
SOUNDS = ("original", *WHICH)


@dataclass(frozen=True)
class EngineNote:
    """What to set and play: ``controls`` ({name: value} for ``Engine.set``), then
    ``note_on(pitch, velocity)``."""

    controls: dict[str, Any]
    pitch: int
    velocity: float


def engine_note(
    result: TransformResult, which: str = "transformed", latent_limit: float = 10.0
) -> EngineNote:
    """The engine settings that play ``which`` (transformed or reconstruction) of a result.
    z is clipped to +-``latent_limit`` (the engine's latent control range)."""
    if which not in WHICH:
        raise ValueError(f"which must be one of {WHICH}, got {which!r}")
    attrs = result.target if which == "transformed" else result.source.attributes
    z = result.z_target if which == "transformed" else result.z
    latent = np.clip(z.astype(np.float64), -latent_limit, latent_limit)  # float32 would overshoot
    return EngineNote(
        controls={
            "latent": [float(v) for v in latent],
            "style": [float(w) for w in attrs.style],
            "variation": 0.0,
        },
        pitch=attrs.pitch,
        velocity=float(attrs.velocity),
    )


def play_on_engine(
    engine: Engine,
    result: TransformResult,
    which: str = "transformed",
    duration: float | None = None,
) -> int:
    """Set the engine's controls from ``result`` and play it; returns the note id.
    Raises ValueError when the engine plays another model (other styles or latent size)."""
    if tuple(engine.controls.style_names) != result.style_names or (
        engine.controls.latent_dim != result.z.shape[0]
    ):
        raise ValueError("this note was transformed with another model than the engine's")
    spec = engine.controls.specs["latent"]
    note = engine_note(result, which, latent_limit=min(abs(spec.lo), abs(spec.hi)))
    engine.controls.update(note.controls)
    return engine.note_on(note.pitch, note.velocity, duration)


def engine_synth(engine: Engine) -> EncoderSynth:
    """The engine's model, if it can transform (it has an encoder); else TransformError."""
    renderer: Any = engine.renderer
    able = callable(getattr(renderer, "encode", None)) and hasattr(renderer, "manifest")
    if not able or not getattr(renderer, "has_encoder", True):
        raise TransformError("this model has no encoder (encoder.onnx): it cannot transform")
    return renderer  # type: ignore[no-any-return]


def play_sound(engine: Engine, result: TransformResult, which: str = "transformed") -> int:
    """Play one of a result's three sounds: ``original`` as a buffer, ``reconstruction``
    or ``transformed`` through :func:`play_on_engine`; returns the note id."""
    if which == "original":
        return engine.play_audio(result.original, result.sample_rate)
    if which not in WHICH:
        raise ValueError(f"which must be one of {SOUNDS}, got {which!r}")
    return play_on_engine(engine, result, which)
