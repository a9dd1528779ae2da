"""Pitch modulation of a rendered note: the vibrato, trill and slide the decoder does not draw.

The decoder is deterministic in (z, condition), and a library's vibrato or trill runs at a
phase of its own in every note: trained on many of them, the decoder learns their mean, a
steady pitch (measured on the shipped model: violin-vibrato notes 0.2 cents deep where the
library's are 30.6, violin-trill 7 cents where the library's alternate by a whole tone).
So the modulation the library's notes carry is put back after the render: the note is read
at a varying rate (linear interpolation), so its pitch follows a curve of cents. The depth
and rate per style are the library's own, measured by ``waefader bench quality`` with
torchcrepe and stored in the manifest's ``modulation`` table
(:mod:`realtime.modulation_info`); a mix of styles mixes their curves by weight.

- ``vibrato``: a sine of ``depth_cents`` amplitude, faded in over ``FADE_IN_S`` as players
  do (the table holds the amplitude: :mod:`realtime.modulation_info` undoes the tracker's
  smoothing of the measured depth);
- ``trill``: a square wave between the note and the note ``2 x depth_cents`` above it
  (half the 10-90 range of a square is half its height), rounded to whole semitones, edges
  smoothed over ``TRILL_EDGE_S``;
- ``glide``: a straight line in cents from ``depth_cents`` (below the note: negative) at the
  onset onto the note at ``time_s``, a glissando's slide.

Every curve starts at phase 0 on the note's first sample, so the first frames and the
whole note of the same request agree sample for sample where both exist.
Shapes: audio ``(N,)``, curves ``(N,)`` cents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

KINDS = ("vibrato", "trill", "glide")
FADE_IN_S = 0.15
TRILL_EDGE_S = 0.004


@dataclass(frozen=True)
class Modulation:
    kind: str  # one of KINDS
    # vibrato: the sine's amplitude; trill: half the interval; glide: where it starts (signed)
    depth_cents: float
    rate_hz: float = 0.0  # vibrato, trill
    time_s: float = 0.0  # glide: when it arrives on the note

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"modulation kind {self.kind!r}: one of {', '.join(KINDS)}")
        if self.kind == "glide":
            if not (-1200.0 <= self.depth_cents <= 1200.0 and 0.01 <= self.time_s <= 5.0):
                raise ValueError("a glide starts within 1200 cents and takes 0.01..5 s")
        elif not (0.0 <= self.depth_cents <= 1200.0 and 0.5 <= self.rate_hz <= 30.0):
            raise ValueError("modulation depth must be 0..1200 cents and rate 0.5..30 Hz")

    def curve(self, n: int, sample_rate: int) -> np.ndarray:
        """Cents over ``n`` samples ``(n,)`` float64."""
        t = np.arange(n) / sample_rate
        if self.kind == "glide":  # a straight line in cents onto the note, as the library's
            return self.depth_cents * np.clip(1.0 - t / self.time_s, 0.0, 1.0)
        phase = 2.0 * np.pi * self.rate_hz * t
        if self.kind == "vibrato":
            fade = np.clip(t / FADE_IN_S, 0.0, 1.0)
            return self.depth_cents * np.sin(phase) * fade
        # a square wave from a sine through a steep, smooth step: edges of TRILL_EDGE_S
        # on the note for the first half period, as the library's trill starts; the upper
        # note a whole number of semitones above it (a measured 104 cents is a whole tone)
        height = 100.0 * max(1, round(2.0 * self.depth_cents / 100.0))
        steep = 1.0 / (np.pi * self.rate_hz * TRILL_EDGE_S)
        return 0.5 * height * (1.0 - np.tanh(steep * np.sin(phase)) / np.tanh(steep))


def mixed_curve(
    weights: Sequence[float], mods: Sequence[Modulation | None], n: int, sample_rate: int
) -> np.ndarray | None:
    """The styles' curves mixed by their (non-negative, normalised) weights; None when no
    weighted style modulates."""
    w = np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
    total = w.sum()
    if total <= 0:
        return None
    out = None
    for wi, m in zip(w / total, mods, strict=True):
        if m is None or wi < 1e-3 or m.depth_cents == 0:
            continue
        c = wi * m.curve(n, sample_rate)
        out = c if out is None else out + c
    return out


def apply_curve(audio: np.ndarray, cents: np.ndarray) -> tuple[np.ndarray, int]:
    """``audio (N,)`` read at the rate ``2 ** (cents / 1200)`` -> ``(N,)`` float32 and how
    many of its samples were read inside ``audio`` (past its end: silence; a trill, above
    the note half the time, reads about 6 % faster)."""
    rate = np.exp2(np.asarray(cents, dtype=np.float64) / 1200.0)
    pos = np.concatenate([[0.0], np.cumsum(rate[:-1])])
    n = audio.shape[0]
    valid = int(np.searchsorted(pos, n - 1, side="right"))
    return np.interp(pos, np.arange(n), audio, right=0.0).astype(np.float32), valid


def modulate(
    audio: np.ndarray,
    style: np.ndarray,
    mods: Sequence[Modulation | None],
    sample_rate: int,
) -> tuple[np.ndarray, int]:
    """Notes ``audio (B, N)`` with style weights ``style (B, S)`` -> modulated ``(B, N)``
    and the samples every note read inside its input (see :func:`apply_curve`);
    ``mods[s]``: style s's modulation or None. When no note modulates, ``audio`` itself."""
    out, valid = audio, audio.shape[1]
    for b in range(audio.shape[0]):
        curve = mixed_curve(style[b], mods, audio.shape[1], sample_rate)
        if curve is None:
            continue
        if out is audio:
            out = audio.copy()
        out[b], v = apply_curve(audio[b], curve)
        valid = min(valid, v)
    return out, valid


def table_to_mods(
    table: Mapping[str, Mapping[str, object]], styles: Sequence[str]
) -> list[Modulation | None]:
    """The manifest's ``modulation.styles`` table -> one entry per style (None: none)."""
    out: list[Modulation | None] = []
    for name in styles:
        e = table.get(name)
        out.append(None if e is None else from_entry(e))
    return out


def from_entry(e: Mapping[str, object]) -> Modulation:
    """One entry of the manifest's table (``kind``, ``depth_cents``, and ``rate_hz`` or
    ``time_s``); raises KeyError, TypeError or ValueError when it is not one."""
    num = {k: float(e[k]) for k in ("rate_hz", "time_s") if k in e}  # type: ignore[arg-type]
    return Modulation(str(e["kind"]), float(e["depth_cents"]), **num)  # type: ignore[arg-type]
