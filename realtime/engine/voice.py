"""One voice: a slot that plays a rendered note into the mix, owned by the audio callback.

Only the callback reads or writes a voice (other threads post messages), so no locks.
Everything here works on preallocated scratch buffers with ``out=``: no allocation.

States: FREE -> PLAYING (sustain segment, gain 1) -> RELEASING (exponential fade to -60 dB
over the release time) -> FREE. A note may be *scheduled*: it sits in PLAYING with a start
frame in a later block and sounds from that exact sample. A voice playing only the first
frames of its note (``awaiting_full``) switches to the whole note with a short crossfade
when it arrives.
"""

from __future__ import annotations

import numpy as np

FREE, PLAYING, RELEASING = 0, 1, 2
SILENT = 1e-4  # -80 dB: a releasing voice below this is done


class Scratch:
    """The callback's preallocated work buffers, ``chunk`` frames each."""

    def __init__(self, chunk: int, crossfade: int) -> None:
        self.tmp = np.zeros(chunk, np.float32)
        self.tmp2 = np.zeros(chunk, np.float32)
        self.env = np.zeros(chunk, np.float32)
        self.steps = np.arange(1, chunk + 1, dtype=np.float32)  # 1, 2, ... for envelopes
        self.xf_in = ((np.arange(crossfade, dtype=np.float32) + 0.5) / crossfade).astype(np.float32)
        self.xf_out = (1.0 - self.xf_in).astype(np.float32)
        self.crossfade = crossfade


class Voice:
    __slots__ = (
        "arrival",
        "awaiting_full",
        "coef",
        "counted",
        "duration",
        "gain",
        "index",
        "level",
        "note_id",
        "off_frame",
        "old",
        "order",
        "pitch",
        "pos",
        "src",
        "start_frame",
        "started",
        "state",
        "sustained",
        "target",
        "xf_left",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.src: np.ndarray | None = None
        self.old: np.ndarray | None = None
        self.free()

    def free(self) -> None:
        self.state = FREE
        self.src = None
        self.old = None
        self.note_id = -1
        self.pitch = -1
        self.pos = 0
        self.start_frame = 0
        self.off_frame = -1
        self.duration = -1
        self.gain = 0.0
        self.level = 1.0
        self.coef = 1.0
        self.arrival = 0.0
        self.target = 0.0
        self.order = 0
        self.started = False
        self.sustained = False
        self.counted = True  # counts toward polyphony (False once stolen)
        self.awaiting_full = False
        self.xf_left = 0

    def start(
        self,
        note_id: int,
        pitch: int,
        audio: np.ndarray,
        *,
        gain: float,
        coef: float,
        start_frame: int,
        duration: int,
        awaiting_full: bool,
        arrival: float,
        order: int,
        target: float = 0.0,
    ) -> None:
        self.free()
        self.state = PLAYING
        self.note_id = note_id
        self.pitch = pitch
        self.src = audio
        self.gain = gain
        self.coef = coef
        self.start_frame = start_frame
        self.duration = duration
        self.awaiting_full = awaiting_full
        self.arrival = arrival
        self.target = target
        self.order = order

    def release_at(self, frame: int) -> None:
        """Begin the release at an absolute frame (sample-accurate)."""
        if self.state == PLAYING and self.off_frame < 0:
            self.off_frame = frame if frame > self.start_frame else self.start_frame

    def fade_out(self, coef: float) -> None:
        """Stolen or panic: a fast release from now, no longer counted as a voice."""
        if self.state == PLAYING:
            self.state = RELEASING
        if coef < self.coef:
            self.coef = coef
        self.counted = False

    def upgrade(self, audio: np.ndarray, crossfade: int) -> None:
        """Switch from the first frames to the whole note at the current position."""
        if self.started:
            self.old = self.src
            self.xf_left = crossfade
        self.src = audio
        self.awaiting_full = False

    def mix(self, out: np.ndarray, frame0: int, s: Scratch) -> int:
        """Add this voice to ``out (n,)`` which holds frames ``frame0 .. frame0 + n``.
        Returns the onset offset in ``out`` when the note starts here, else -1."""
        n = out.shape[0]
        end = frame0 + n
        if self.start_frame >= end:
            return -1  # scheduled for a later chunk
        a = self.start_frame - frame0 if self.start_frame > frame0 else 0
        onset = -1
        if not self.started:
            self.started = True
            onset = a
            if self.duration >= 0 and self.off_frame < 0:
                self.off_frame = self.start_frame + self.duration
        off = self.off_frame
        if self.state == PLAYING and 0 <= off < end:
            r = off - frame0 if off > frame0 else 0
            if r < a:
                r = a
            if r > a:
                self._segment(out, a, r, s)
            self.state = RELEASING
            a = r
        if a < n and self.state != FREE:
            self._segment(out, a, n, s)
        return onset

    def _segment(self, out: np.ndarray, a: int, b: int, s: Scratch) -> None:
        src = self.src
        if src is None:
            self.free()
            return
        m = b - a
        pos = self.pos
        k = src.shape[0] - pos
        if k > m:
            k = m
        releasing = self.state == RELEASING
        if k > 0:
            t = s.tmp[:k]
            if releasing:
                e = s.env[:k]
                np.power(self.coef, s.steps[:k], out=e)
                np.multiply(e, self.level * self.gain, out=e)
                np.multiply(src[pos : pos + k], e, out=t)
            else:
                np.multiply(src[pos : pos + k], self.gain, out=t)
            if self.xf_left > 0:
                self._crossfade(t, pos, k, releasing, s)
            seg = out[a : a + k]
            np.add(seg, t, out=seg)
        self.pos = pos + m
        if releasing:
            self.level *= self.coef**m
            if self.level < SILENT:
                self.free()
                return
        if self.pos >= src.shape[0] and not self.awaiting_full:
            self.free()

    def _crossfade(self, t: np.ndarray, pos: int, k: int, releasing: bool, s: Scratch) -> None:
        """Blend the last frames of the old source out while the new one fades in."""
        j = self.xf_left if self.xf_left < k else k
        off = s.crossfade - self.xf_left
        head = t[:j]
        np.multiply(head, s.xf_in[off : off + j], out=head)
        old = self.old
        if old is not None and pos < old.shape[0]:
            jo = old.shape[0] - pos
            if jo > j:
                jo = j
            o = s.tmp2[:jo]
            np.multiply(old[pos : pos + jo], s.xf_out[off : off + jo], out=o)
            if releasing:
                np.multiply(o, s.env[:jo], out=o)
            else:
                np.multiply(o, self.gain, out=o)
            part = t[:jo]
            np.add(part, o, out=part)
        self.xf_left -= j
        if self.xf_left <= 0:
            self.old = None
