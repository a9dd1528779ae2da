"""The interface between the engine and whatever turns controls into note audio.

The ONNX model loader (``realtime.model``) implements it; the engine depends only on this
protocol, so its tests can also drive it with a small exported model.
Shapes: ``B`` notes per call; ``L`` latent size; ``S`` styles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from realtime.conditions import N_DYNAMICS, N_OCTAVES, N_PITCH_CLASSES


@dataclass(frozen=True)
class NoteControls:
    """Everything that decides one rendered note; hashable key for the render cache."""

    z: tuple[float, ...]
    pitch_class: tuple[float, ...]
    octave: tuple[float, ...]
    style: tuple[float, ...]
    dynamics: tuple[float, ...]
    extra: tuple[tuple[str, float], ...] = field(default=())

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The five condition vectors as float32 arrays, each with a leading batch axis of 1."""
        return tuple(  # type: ignore[return-value]
            np.asarray(v, dtype=np.float32)[None, :]
            for v in (self.z, self.pitch_class, self.octave, self.style, self.dynamics)
        )


class NoteRenderer(Protocol):
    """Renders whole notes (and optionally their first frames) from condition weights."""

    @property
    def sample_rate(self) -> int: ...

    @property
    def note_samples(self) -> int: ...

    @property
    def latent_dim(self) -> int: ...

    @property
    def style_names(self) -> tuple[str, ...]: ...

    def render(
        self,
        z: np.ndarray,
        pitch_class: np.ndarray,
        octave: np.ndarray,
        style: np.ndarray,
        dynamics: np.ndarray,
    ) -> np.ndarray:
        """``z (B, L)``, ``pitch_class (B, 12)``, ``octave (B, 9)``, ``style (B, S)``,
        ``dynamics (B, 3)`` -> waveforms ``(B, note_samples)`` float32 at ``sample_rate``."""
        ...


def check_condition_shapes(
    z: np.ndarray,
    pc: np.ndarray,
    octv: np.ndarray,
    style: np.ndarray,
    dyn: np.ndarray,
    latent_dim: int,
    n_styles: int,
) -> None:
    """Raise ValueError naming the first input whose shape breaks the layout."""
    b = z.shape[0]
    expected = {
        "z": (z, latent_dim),
        "pitch_class": (pc, N_PITCH_CLASSES),
        "octave": (octv, N_OCTAVES),
        "style": (style, n_styles),
        "dynamics": (dyn, N_DYNAMICS),
    }
    for name, (arr, width) in expected.items():
        if arr.ndim != 2 or arr.shape != (b, width):
            raise ValueError(f"{name} must have shape ({b}, {width}), got {tuple(arr.shape)}")
