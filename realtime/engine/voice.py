"""One voice: a slot that plays a rendered note into the mix, owned by the audio callback.

Only the callback reads or writes a voice (other threads post messages), so no locks.
Everything here works on preallocated scratch buffers with ``out=``: no allocation.

States: FREE -> PLAYING (sustain segment, gain 1) -> RELEASING (exponential fade to -60 dB
over the release time) -> FREE. A note may be *scheduled*: it sits in PLAYING with a start
frame in a later block and sounds from that exact sample. A voice playing only the first
frames of its note (``awaiting_full``) switches to the whole note with a short crossfade
when it arrives.

Held notes: a sustaining note comes with a loop ``[loop_a, loop_b)`` in its buffer
(:mod:`realtime.engine.sustain_loop`); while the voice is PLAYING (key or pedal down) its
read position wraps from ``loop_b`` back to ``loop_a``; at the note-off it crossfades (2 ms)
to the same phase just after the loop's end, so the note's own remainder and release follow
at once (under the preset's release envelope). Pitch bend: the position advances by the
mixer's per-sample offsets (:class:`realtime.engine.bend.Bend`) and the samples are read
with linear interpolation; at no bend and a whole-sample position the voice copies samples
as before.
"""

from __future__ import annotations

import math

import numpy as np

from realtime.engine.cache import Loop

FREE, PLAYING, RELEASING = 0, 1, 2
SILENT = 1e-4  # -80 dB: a releasing voice below this is done


class Scratch:
    """The callback's preallocated work buffers, ``chunk`` frames each."""

    def __init__(self, chunk: int, crossfade: int, exit_crossfade: int = 0) -> None:
        self.tmp = np.zeros(chunk, np.float32)
        self.tmp2 = np.zeros(chunk, np.float32)
        self.env = np.zeros(chunk, np.float32)
        self.steps = np.arange(1, chunk + 1, dtype=np.float32)  # 1, 2, ... for envelopes
        self.xf_in = ((np.arange(crossfade, dtype=np.float32) + 0.5) / crossfade).astype(np.float32)
        self.xf_out = (1.0 - self.xf_in).astype(np.float32)
        self.crossfade = crossfade
        self.exit_crossfade = exit_crossfade or crossfade  # leaving a loop at a note-off
        self.ramp32 = np.zeros(chunk, np.float32)  # a crossfade's gains, made per chunk
        self.ramp32_out = np.zeros(chunk, np.float32)
        # bent / fractional reads (float64 throughout: a ufunc mixing float32 and float64
        # allocates a cast buffer): positions, their floor, the fraction, a mask
        self.idx = np.zeros(chunk, np.float64)
        self.flo = np.zeros(chunk, np.float64)
        self.frac = np.zeros(chunk, np.float32)
        self.ramp = np.arange(chunk, dtype=np.float64)  # 0, 1, ... (unbent fractional reads)
        self.ipos = np.zeros(chunk, np.intp)
        self.mask = np.zeros(chunk, np.bool_)


class Voice:
    __slots__ = (
        "arrival",
        "awaiting_full",
        "coef",
        "counted",
        "duration",
        "exit_at",
        "exit_tail",
        "frac",
        "gain",
        "index",
        "level",
        "loop_a",
        "loop_b",
        "note_id",
        "off_frame",
        "old",
        "order",
        "period",
        "pitch",
        "pos",
        "src",
        "start_frame",
        "started",
        "state",
        "sustained",
        "target",
        "xf_left",
        "xf_len",
        "xf_pos",
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
        self.frac = 0.0  # fractional part of the read position (bent playback)
        self.loop_a = -1
        self.loop_b = -1
        self.period = 0.0  # the loop's pitch period in samples (0: unknown)
        self.exit_at = 0.0  # where a note-off joins the note after the loop (whole periods)
        self.exit_tail = 0  # the note's own release from there, to -60 dB (frames)
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
        self.xf_pos = -1  # the old source's read position in a crossfade (-1: same as pos)
        self.xf_len = 0  # the crossfade's length (frames)

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
        loop: Loop | None = None,
    ) -> None:
        self.free()
        self._set_loop(loop)
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

    def _set_loop(self, loop: Loop | None) -> None:
        """``(start, end, period, exit, tail)`` of a held note's loop, or None."""
        if loop is not None and 0 <= loop[0] < loop[1]:
            self.loop_a, self.loop_b = int(loop[0]), int(loop[1])
            self.period, self.exit_at, self.exit_tail = float(loop[2]), float(loop[3]), loop[4]
        else:
            self.loop_a = self.loop_b = -1
            self.period = self.exit_at = 0.0
            self.exit_tail = 0

    def upgrade(
        self, audio: np.ndarray, crossfade: int, loop: Loop | None = None
    ) -> None:
        """Switch from the first frames to the whole note at the current position."""
        if self.started:
            self.old = self.src
            self.xf_left = self.xf_len = crossfade
        self.src = audio
        self._set_loop(loop)
        self.awaiting_full = False

    def mix(
        self, out: np.ndarray, frame0: int, s: Scratch, offsets: np.ndarray | None = None
    ) -> int:
        """Add this voice to ``out (n,)`` which holds frames ``frame0 .. frame0 + n``.
        ``offsets (n + 1,)``: the read position's advance at each frame of the chunk (pitch
        bend), None for one sample per frame. Returns the onset offset in ``out`` when the
        note starts here, else -1."""
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
                self._segment(out, a, r, s, offsets)
            self.state = RELEASING
            if offsets is None:
                self._leave_loop(s.exit_crossfade)
            a = r
        if a < n and self.state != FREE:
            self._segment(out, a, n, s, offsets)
        return onset

    def _segment(
        self, out: np.ndarray, a: int, b: int, s: Scratch, offsets: np.ndarray | None
    ) -> None:
        src = self.src
        if src is None:
            self.free()
            return
        m = b - a
        pos = self.pos
        releasing = self.state == RELEASING
        t = s.tmp[:m]
        env = None
        if releasing:  # the release envelope of this stretch, from the current level
            env = s.env[:m]
            np.power(self.coef, s.steps[:m], out=env)
            np.multiply(env, self.level * self.gain, out=env)
        if offsets is None and self.frac == 0.0:
            k = self._copy(t, m, env)  # copies and scales in one pass
        else:
            k = self._interpolate(t, m, s, offsets, a)
            if k > 0:
                np.multiply(t[:k], self.gain if env is None else env[:k], out=t[:k])
        if k > 0:
            t = s.tmp[:k]
            if self.xf_left > 0:
                self._crossfade(t, pos, k, releasing, s)
            seg = out[a : a + k]
            np.add(seg, t, out=seg)
        if releasing:
            self.level *= self.coef**m
            if self.level < SILENT:
                self.free()
                return
        if self.pos >= src.shape[0] and not self.awaiting_full:
            self.free()

    def _leave_loop(self, crossfade: int) -> None:
        """Note-off inside the loop: go on at the same phase in the note after the loop's
        end, just before its own release, with a short crossfade (the loop and ``exit_at``
        are whole numbers of periods, so ``loop_b + exit_at + (pos - loop_a) mod period``
        is in phase). A preset release more than twice as long as the note's own keeps
        the loop, faded by the release envelope: long releases stay the player's choice."""
        src = self.src
        if (
            src is None
            or self.period <= 0.0
            or (0.0 < self.coef < 1.0 and -3.0 / math.log10(self.coef) > 2.0 * self.exit_tail)
            or not self.loop_a <= self.pos < self.loop_b
            or self.xf_left > 0
        ):
            return
        target = self.loop_b + round(self.exit_at + (self.pos - self.loop_a) % self.period)
        if target + crossfade >= src.shape[0]:
            return
        self.old = src
        self.xf_pos = self.pos
        self.pos = target
        self.xf_left = self.xf_len = crossfade

    def _looping(self) -> bool:
        return self.loop_b > 0 and self.state == PLAYING and self.src is not None

    def _copy(self, t: np.ndarray, m: int, env: np.ndarray | None) -> int:
        """The next ``m`` samples times the gain (or ``env (m,)``) into ``t``, wrapping at
        the loop while held; returns how many the buffer had (fewer at its end). Advances
        ``pos`` by ``m``."""
        src = self.src
        if src is None:
            return 0
        n = src.shape[0]
        looping = self.loop_b > 0 and self.state == PLAYING
        p = self.pos
        filled = 0
        while filled < m:
            limit = self.loop_b if looping and p < self.loop_b else n
            c = limit - p
            if c > m - filled:
                c = m - filled
            if c <= 0:
                break
            scale = self.gain if env is None else env[filled : filled + c]
            np.multiply(src[p : p + c], scale, out=t[filled : filled + c])
            filled += c
            p += c
            if looping and p >= self.loop_b:
                p -= self.loop_b - self.loop_a
        self.pos = p + (m - filled)  # past the end: time still runs (head awaiting its note)
        return filled

    def _interpolate(
        self, t: np.ndarray, m: int, s: Scratch, offsets: np.ndarray | None, a: int
    ) -> int:
        """Read ``m`` samples at the bent positions into ``t`` (linear interpolation),
        wrapping at the loop while held; returns how many lie inside the buffer."""
        src = self.src
        if src is None:
            return 0
        n = src.shape[0]
        start = self.pos + self.frac
        idx = s.idx[:m]
        if offsets is None:
            np.add(s.ramp[:m], start, out=idx)
            advance = float(m)
        else:
            np.subtract(offsets[a : a + m], offsets[a] - start, out=idx)
            advance = float(offsets[a + m] - offsets[a])
        end = start + advance
        if self._looping() and start < self.loop_b:  # (a late whole note: past its loop)
            span = float(self.loop_b - self.loop_a)
            if idx[m - 1] >= self.loop_b:  # src[loop_b] == src[loop_a]: reading across is exact
                # idx -= span * floor(max(idx - a, 0) / span): positions before the loop
                # and inside it stay, those past its end come back (no masked ufuncs: they
                # allocate)
                flo = s.flo[:m]
                np.subtract(idx, self.loop_a, out=flo)
                np.maximum(flo, 0.0, out=flo)
                np.divide(flo, span, out=flo)
                np.floor(flo, out=flo)
                np.multiply(flo, span, out=flo)
                np.subtract(idx, flo, out=idx)
            if end >= self.loop_b:
                end = self.loop_a + (end - self.loop_a) % span
        k = m
        if idx[m - 1] >= n - 1:  # the end of the buffer (not looping: positions rise)
            mask = s.mask[:m]
            np.greater_equal(idx, n - 1, out=mask)
            k = m - int(np.count_nonzero(mask))
        if k > 0:
            flo, ip, pos = s.flo[:k], s.ipos[:k], idx[:k]
            np.floor(pos, out=flo)
            np.copyto(ip, flo, casting="unsafe")
            np.subtract(pos, flo, out=pos)
            frac = s.frac[:k]
            np.copyto(frac, pos, casting="same_kind")
            tk, t2 = t[:k], s.tmp2[:k]
            np.take(src, ip, out=tk, mode="clip")
            np.add(ip, 1, out=ip)
            np.take(src, ip, out=t2, mode="clip")
            np.subtract(t2, tk, out=t2)
            np.multiply(t2, frac, out=t2)
            np.add(tk, t2, out=tk)
        whole = int(end)
        self.pos = whole
        self.frac = end - whole
        return k

    def _crossfade(self, t: np.ndarray, pos: int, k: int, releasing: bool, s: Scratch) -> None:
        """Blend the last frames of the old source out while the new one fades in."""
        j = self.xf_left if self.xf_left < k else k
        off = self.xf_len - self.xf_left
        if self.xf_len == s.crossfade:
            w_in, w_out = s.xf_in[off : off + j], s.xf_out[off : off + j]
        else:  # another length (leaving a loop): its gains (off + i + 0.5) / len, made here
            w_in, w_out = s.ramp32[:j], s.ramp32_out[:j]
            np.add(s.steps[:j], off - 0.5, out=w_in)
            np.multiply(w_in, 1.0 / self.xf_len, out=w_in)
            np.subtract(1.0, w_in, out=w_out)
        head = t[:j]
        np.multiply(head, w_in, out=head)
        old = self.old
        if self.xf_pos >= 0:  # leaving a loop: the old read goes on from its own place
            pos = self.xf_pos
            self.xf_pos += j
        if old is not None and pos < old.shape[0]:
            jo = old.shape[0] - pos
            if jo > j:
                jo = j
            o = s.tmp2[:jo]
            np.multiply(old[pos : pos + jo], w_out[:jo], out=o)
            if releasing:
                np.multiply(o, s.env[:jo], out=o)
            else:
                np.multiply(o, self.gain, out=o)
            part = t[:jo]
            np.add(part, o, out=part)
        self.xf_left -= j
        if self.xf_left <= 0:
            self.old = None
            self.xf_pos = -1
