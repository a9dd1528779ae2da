"""Transform mode for the window: one loaded sample, encoded once, played three ways.

``load`` prepares and encodes the file (``realtime.transform``: about a second with the
shipped model, so the window calls it on a pool thread), renders its reconstruction, and
hands the note's z, style mix and velocity to the engine's controls: the faders and the
latent pad then show the sample as the model heard it, and every key plays it at its own
pitch. ``play`` sounds the original or the reconstruction as a buffer (no control moves) or
the transformed version: a note with the controls of this moment (the user's faders) at
the sample's pitch + transpose.
"""

from __future__ import annotations

import threading
from pathlib import Path

from gui.bridge import SAMPLE_SOUNDS, BackendError, SampleInfo
from realtime.conditions import midi_name
from realtime.engine import Engine
from realtime.transform import TransformError, TransformResult, encode_file, transform_encoded
from realtime.transform.edits import dynamics_name
from realtime.transform.play import engine_note, engine_synth


class SamplePlayer:
    """The loaded sample of one window (``result`` None until a load succeeds)."""

    def __init__(self) -> None:
        self.result: TransformResult | None = None
        self.path = ""
        self._engine: Engine | None = None  # the engine (model) that encoded it
        self._lock = threading.Lock()  # a load on a pool thread, plays on the GUI thread

    def load(self, engine: Engine, path: str) -> SampleInfo:
        """Encode ``path`` with the engine's model and set the engine's controls from it."""
        name = Path(path).name or path
        try:
            synth = engine_synth(engine)
            result = transform_encoded(synth, encode_file(synth, path))
        except TransformError as exc:
            raise BackendError(f"{name}: {exc}") from None
        spec = engine.controls.specs["latent"]
        note = engine_note(result, "reconstruction", min(abs(spec.lo), abs(spec.hi)))
        engine.controls.update({**note.controls, "velocity": note.velocity})
        with self._lock:
            self.result, self.path, self._engine = result, path, engine
        return sample_info(result, path)

    def play(self, engine: Engine, which: str, transpose: int = 0) -> int:
        """Sound one version (see the module docstring); returns the engine's note id."""
        if which not in SAMPLE_SOUNDS:
            raise BackendError(f"no such version {which!r}; one of {', '.join(SAMPLE_SOUNDS)}")
        with self._lock:
            result, owner = self.result, self._engine
        if result is None:
            raise BackendError("load a sample first (button or drop a file on the panel)")
        if owner is not engine:
            raise BackendError("the sample was encoded by the previous model: load it again")
        if which == "original":
            return engine.play_audio(result.original, result.sample_rate)
        if which == "reconstruction":
            return engine.play_audio(result.reconstruction, result.sample_rate)
        pitch = result.source.attributes.pitch + int(transpose)
        if not 0 <= pitch <= 127:
            raise BackendError(f"transposed pitch {pitch} is outside MIDI 0..127")
        return engine.note_on(pitch)


def sample_info(result: TransformResult, path: str) -> SampleInfo:
    attrs = result.source.attributes
    mix = attrs.style_mix(result.style_names)
    style = " + ".join(n if len(mix) == 1 else f"{n} {w:g}" for n, w in mix.items())
    return SampleInfo(
        path=path,
        pitch=attrs.pitch,
        note=midi_name(attrs.pitch),
        style=style,
        dynamics=dynamics_name(attrs.velocity),
        z=tuple(round(float(v), 4) for v in result.z),
    )
