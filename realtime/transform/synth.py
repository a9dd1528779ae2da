"""What transform mode needs of a model: the engine's renderer plus an encoder and its
feature settings. :class:`realtime.model.OnnxSynth` is one; tests wrap it to watch calls."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from realtime.manifest import Manifest


class EncoderSynth(Protocol):
    """A renderer (``realtime.renderer.NoteRenderer``) with an encoder.

    Shapes: ``B`` notes, ``L`` latent size, ``S`` styles; features ``(B, n_mels, n_frames)``.
    """

    @property
    def sample_rate(self) -> int: ...

    @property
    def note_samples(self) -> int: ...

    @property
    def latent_dim(self) -> int: ...

    @property
    def style_names(self) -> tuple[str, ...]: ...

    @property
    def manifest(self) -> Manifest: ...

    def render(
        self,
        z: np.ndarray,
        pitch_class: np.ndarray,
        octave: np.ndarray,
        style: np.ndarray,
        dynamics: np.ndarray,
    ) -> np.ndarray:
        """Conditions ``(B, width)`` each -> ``(B, note_samples)``."""
        ...

    def encode(self, features: np.ndarray) -> np.ndarray:
        """``(B, n_mels, n_frames)`` -> ``(B, L)``."""
        ...
