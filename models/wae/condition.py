"""The decoder's condition: four non-negative weight vectors (layout: realtime/conditions.py).

One-hot vectors play plain notes; any non-negative mix (values above 1 included) blends
them, which is what the faders do. The decoder only ever sees :meth:`Condition.vector`,
the concatenation the variant uses, through a linear projection, so a mix of one-hot
conditions embeds as the same mix of their embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from realtime.conditions import N_DYNAMICS, N_OCTAVES, N_PITCH_CLASSES


@dataclass(frozen=True)
class Condition:
    """Shapes: ``pitch_class (B, 12)``, ``octave (B, 9)``, ``style (B, S)``,
    ``dynamics (B, 3)``; float tensors."""

    pitch_class: torch.Tensor
    octave: torch.Tensor
    style: torch.Tensor
    dynamics: torch.Tensor

    @classmethod
    def from_labels(
        cls,
        pitch_class: torch.Tensor,
        octave: torch.Tensor,
        style: torch.Tensor,
        dynamics: torch.Tensor,
        n_styles: int,
    ) -> Condition:
        """One-hot condition from integer labels, each ``(B,)`` int64."""
        return cls(
            F.one_hot(pitch_class.long(), N_PITCH_CLASSES).float(),
            F.one_hot(octave.long(), N_OCTAVES).float(),
            F.one_hot(style.long(), n_styles).float(),
            F.one_hot(dynamics.long(), N_DYNAMICS).float(),
        )

    @classmethod
    def from_midi(
        cls, pitch: torch.Tensor, style: torch.Tensor, dynamics: torch.Tensor, n_styles: int
    ) -> Condition:
        """One-hot condition from MIDI pitches ``(B,)`` (octave clipped to 0..8)."""
        pitch = pitch.long()
        octave = (pitch // 12 - 1).clamp(0, N_OCTAVES - 1)
        return cls.from_labels(pitch % 12, octave, style, dynamics, n_styles)

    def midi(self) -> torch.Tensor:
        """The pitch asked for, in MIDI units ``(B,)`` float: the strongest pitch class in
        the weighted mean octave (a fader mix between octaves lands between them); 0 where
        no pitch class has weight (no pitch known)."""
        pc = self.pitch_class.argmax(dim=1).to(self.pitch_class.dtype)
        idx = torch.arange(N_OCTAVES, dtype=self.octave.dtype, device=self.octave.device)
        total = self.octave.sum(dim=1)
        octave = (self.octave * idx).sum(dim=1) / total.clamp_min(1e-6)
        known = (self.pitch_class.sum(dim=1) > 0) & (total > 0)
        return torch.where(known, 12.0 * (octave + 1.0) + pc, torch.zeros_like(pc))

    @property
    def batch_size(self) -> int:
        return int(self.pitch_class.shape[0])

    def vector(self, note: bool, style: bool) -> torch.Tensor:
        """The concatenated weights a variant reads: ``(B, 12 + 9 + 3 [+ S])`` or ``(B, 0)``."""
        parts: list[torch.Tensor] = []
        if note:
            parts += [self.pitch_class, self.octave, self.dynamics]
        if style:
            parts.append(self.style)
        if not parts:
            return self.pitch_class.new_zeros(self.batch_size, 0)
        return torch.cat(parts, dim=1)

    def to(self, device: torch.device | str) -> Condition:
        return Condition(*(t.to(device) for t in self.tensors()))

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        return (self.pitch_class, self.octave, self.style, self.dynamics)

    def __getitem__(self, idx: slice | torch.Tensor) -> Condition:
        return Condition(*(t[idx] for t in self.tensors()))
