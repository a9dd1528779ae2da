"""What transform mode needs of a model: the engine's renderer plus an encoder and its
feature settings. :class:`realtime.model.OnnxSynth` is one; tests wrap it to watch calls."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from realtime.manifest import Manifest
from realtime.renderer import NoteRenderer


class EncoderSynth(NoteRenderer, Protocol):
    """A :class:`realtime.renderer.NoteRenderer` with an encoder and its manifest.

    Shapes: ``B`` notes, ``L`` latent size; features ``(B, n_mels, n_frames)``.
    """

    @property
    def manifest(self) -> Manifest: ...

    def encode(self, features: np.ndarray) -> np.ndarray:
        """``(B, n_mels, n_frames)`` -> ``(B, L)``."""
        ...
