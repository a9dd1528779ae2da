"""Pitch bend: every sounding voice plays faster or slower by ``2 ** (semitones / 12)``.

Owned by the audio callback (no locks, no allocation). A bend message sets the target;
the rate then moves to it linearly across one chunk (a few ms), so a jump of the wheel is a
short glide, never a step. ``offsets`` holds, for each frame of the chunk, how far a voice's
read position has advanced since the chunk's start: voices add their own position to it
(see :meth:`realtime.engine.voice.Voice.mix`). With no bend at all, ``advance`` returns
None and voices copy samples exactly as without bend.
"""

from __future__ import annotations

import numpy as np

MAX_SEMITONES = 24.0


def ratio(semitones: float) -> float:
    return float(2.0 ** (semitones / 12.0))


class Bend:
    def __init__(self, chunk: int) -> None:
        self.offsets = np.zeros(chunk + 1, np.float64)
        self._j = np.arange(chunk + 1, dtype=np.float64)
        self._tri = self._j * (self._j - 1) / 2.0 + self._j  # sum of 1..j: the ramp's sum
        self._ramp = np.zeros(chunk + 1, np.float64)
        self.semitones = 0.0  # the target
        self.rate = 1.0  # the playback rate reached at the end of the last chunk
        self.pending = 0.0  # a bend due at ``pending_frame`` (-1: none)
        self.pending_frame = -1

    def set(self, semitones: float, frame: int, block_frame: int) -> None:
        """A bend message: due now, or at ``frame`` when that is later in the stream."""
        if self.pending_frame >= 0:  # two bends in one horizon: the older one is due now
            self.semitones = self.pending
            self.pending_frame = -1
        if frame > block_frame:
            self.pending, self.pending_frame = semitones, frame
        else:
            self.semitones = semitones

    def advance(self, n: int, frame0: int) -> np.ndarray | None:
        """Offsets ``(n + 1,)`` for the chunk of ``n`` frames starting at ``frame0``, or
        None while nothing is bent."""
        if 0 <= self.pending_frame < frame0 + n:
            self.semitones = self.pending
            self.pending_frame = -1
        r0 = self.rate
        r1 = ratio(self.semitones) if self.semitones != 0.0 else 1.0
        if r0 == 1.0 and r1 == 1.0:
            return None
        off = self.offsets[: n + 1]
        # rate r_i = r0 + (r1 - r0) (i + 1) / n at frame i: offset_j = sum_{i<j} r_i
        np.multiply(self._j[: n + 1], r0, out=off)
        if r1 != r0:
            ramp = self._ramp[: n + 1]
            np.multiply(self._tri[: n + 1], (r1 - r0) / n, out=ramp)
            np.add(off, ramp, out=off)
        self.rate = r1
        return off

    def reset(self) -> None:
        self.semitones = 0.0
        self.rate = 1.0
        self.pending_frame = -1
