"""Held notes: a rendered note's envelope, whether it sustains, and its crossfaded loop.

The model renders every note with a fixed length (the corpus notes' attack, about a second
of sustain, then the instrument's own release). A note held longer than that loops, as a
sampler does: the render worker finds the steadiest part of the note's sustain, cuts a loop
there at pitch-synchronous points (the loop start moved, within one longest period, to
where the waveform best matches what follows the loop end: a whole number of periods) and
writes a *looped buffer*::

    [ note[:L1] | loop copy of note[L0:L1] | note[L1:] ]
                A                          B

The loop copy's first ``X`` samples are crossfaded (raised cosine) from the samples that
follow ``L1`` in the note, so every way out of ``B - 1`` is continuous: back to ``A`` while
the key is held, on to the note's own remainder and release once it is let go. Its level
is tilted so that both ends meet at one level (no pumping when the sustain drifts a
little), only ever by lowering a gain (no sample step grows). The voice only moves a read
position: the callback never allocates, and a note held for any length costs the same
memory (at most the note plus one loop).

Shapes: ``y (samples,)`` float32 at ``sample_rate``. Levels in dB re full scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FRAME_S = 0.01  # envelope frame (10 ms)
ATTACK_DB = 6.0  # the sustain starts where the level first comes within this of its peak
RELEASE_DB = 12.0  # ... and ends where it last stays within this of its peak
DECAY_DB_PER_S = -8.0  # a held part falling faster than this decays (piano, decrescendo)
MIN_HELD_S = 0.25  # shorter held part: a decaying note
MIN_LOOP_S = 0.12
MAX_LOOP_S = 0.5
CROSSFADE_S = 0.03
MAX_TILT_DB = 6.0  # the largest level correction across a loop
MIN_HZ = 25.0  # the lowest fundamental a loop start is phase-matched for (below A0)


@dataclass(frozen=True)
class Envelope:
    """A note's level in ``FRAME_S`` frames: ``db (F,)``; ``attack_end`` / ``release_start``
    frame indices of its held part (``release_start`` exclusive)."""

    db: np.ndarray
    frame: int  # samples per frame
    attack_end: int
    release_start: int
    fade_start: int  # after the last frame within RELEASE_DB of the peak

    @property
    def peak_db(self) -> float:
        return float(self.db.max()) if self.db.size else -120.0

    def held_seconds(self, sample_rate: int) -> float:
        return max(0, self.release_start - self.attack_end) * self.frame / sample_rate

    def decay_db_per_s(self, sample_rate: int) -> float:
        """Trend of the held part, from the attack to the last frame within RELEASE_DB of
        the peak (dB per second; a linear fit, so a sforzando's accent hardly counts)."""
        end = self.fade_start
        seg = self.db[self.attack_end : end]
        if seg.size < 3:
            return -math.inf
        t = np.arange(seg.size) * self.frame / sample_rate
        return float(np.polyfit(t, seg, 1)[0])


def envelope(y: np.ndarray, sample_rate: int) -> Envelope:
    """The RMS level of ``y`` in 10 ms frames, lightly smoothed, and its held part."""
    frame = max(1, round(FRAME_S * sample_rate))
    n = y.shape[0] // frame
    if n == 0:
        return Envelope(np.full(1, -120.0), frame, 0, 0, 0)
    power = np.mean(np.square(y[: n * frame].astype(np.float64)).reshape(n, frame), axis=1)
    k = min(5, n)  # 50 ms moving average: the level, not each period's ripple
    power = np.convolve(power, np.ones(k) / k, mode="same")
    return held_part(10 * np.log10(power + 1e-12), frame)


def held_part(db: np.ndarray, frame: int) -> Envelope:
    """The envelope of levels ``db (F,)`` with its attack, held part and release found."""
    peak = float(db.max())
    attack_end = int(np.flatnonzero(db >= peak - ATTACK_DB)[0])
    # the held level: the median of the frames near the peak (a sforzando's is its plateau,
    # not its accent); the release starts after the last frame within 3 dB of it
    near = db >= peak - RELEASE_DB
    held = float(np.median(db[near]))
    release_start = max(int(np.flatnonzero(db >= held - 3.0)[-1]) + 1, attack_end)
    return Envelope(db, frame, attack_end, release_start, int(np.flatnonzero(near)[-1]) + 1)


def sustains(env: Envelope, sample_rate: int) -> bool:
    """A note sustains when its held part lasts and does not fall away (flute: yes;
    piano, pizzicato, staccato, decrescendo: no)."""
    return (
        env.held_seconds(sample_rate) >= MIN_HELD_S
        and env.decay_db_per_s(sample_rate) >= DECAY_DB_PER_S
    )


@dataclass(frozen=True)
class Loop:
    """A looped buffer, its loop ``[start, end)`` (samples of ``audio``) and the pitch
    period in samples (0 when the stretch is not periodic): a voice let go inside the loop
    leaves it for the same phase ``exit`` samples after ``end``, just before the note's own
    release."""

    audio: np.ndarray
    start: int
    end: int
    period: float = 0.0
    exit: float = 0.0  # samples after ``end`` where the note's release nears: whole periods
    tail: int = 0  # samples from that point until the note is 60 dB below its peak


def period_of(x: np.ndarray, sample_rate: int) -> float:
    """The pitch period (samples) of a steady stretch: YIN on one frame (0: aperiodic)."""
    from realtime.transform.pitch import _pick_lag, cmnd

    window = max(8, round(0.046 * sample_rate))
    max_lag = min(round(sample_rate / MIN_HZ), window)
    if x.shape[0] < window + max_lag:
        return 0.0
    row = cmnd(x[None, : window + max_lag], window, max_lag)[0]
    lag, aperiodicity = _pick_lag(row, max(2, sample_rate // 4500), 0.15)
    return float(lag) if aperiodicity < 0.3 else 0.0


def steadiest(env: Envelope, length: int, last: int) -> int | None:
    """Start frame of the ``length``-frame window of the held part (ending by ``last``)
    whose level varies least around its own trend, with a penalty for the trend itself."""
    lo, hi = env.attack_end, min(env.release_start, last) - length
    if hi < lo or length < 3:
        return None
    win = np.lib.stride_tricks.sliding_window_view(env.db[lo : hi + length], length)
    t = np.arange(length, dtype=np.float64)
    t -= t.mean()
    slope = win @ t / float(t @ t)
    resid = win - win.mean(axis=1, keepdims=True) - slope[:, None] * t
    drift = np.abs(slope) * length  # dB across the window
    below = env.peak_db - win.mean(axis=1)  # prefer the louder, fuller part
    rise = np.maximum(slope, 0.0) * length  # a rising loop is lifted at its start: louder steps
    score = resid.std(axis=1) + 0.5 * drift + 1.0 * rise + 0.05 * below
    return lo + int(np.argmin(score))


def best_start(y: np.ndarray, nominal: int, end: int, span: int, width: int) -> int:
    """The loop start within ``nominal +- span`` whose next ``width`` samples best match
    (normalised correlation) the ``width`` samples after the loop ``end``."""
    ref = y[end : end + width].astype(np.float64)
    lo = max(width, nominal - span)
    hi = min(end - width, nominal + span)
    if hi <= lo:
        return max(lo, min(nominal, end - 1))
    seg = y[lo : hi + width].astype(np.float64)
    dots = np.correlate(seg, ref, mode="valid")
    run = np.concatenate([[0.0], np.cumsum(seg * seg)])
    energy = run[width:] - run[:-width]  # each candidate's energy over ``width`` samples
    score = dots / np.sqrt(np.maximum(energy, 1e-12))
    return lo + int(np.argmax(score))


def find_loop(y: np.ndarray, sample_rate: int, env: Envelope | None = None) -> Loop | None:
    """The looped buffer of a sustaining note (None when it has no usable held part)."""
    env = env or envelope(y, sample_rate)
    fr = env.frame
    x = max(8, round(CROSSFADE_S * sample_rate))
    last = (y.shape[0] - x) // fr  # the crossfade reads X samples past the loop end
    longest = min(MAX_LOOP_S, 0.6 * env.held_seconds(sample_rate))
    length = round(longest * sample_rate / fr)
    if length * fr < MIN_LOOP_S * sample_rate:
        return None
    f0 = steadiest(env, length, last)
    if f0 is None:
        return None
    l1 = (f0 + length) * fr
    nominal = f0 * fr
    # searching one longest period either side finds the start in phase with the end:
    # the loop is then a whole number of periods long, whatever pitch the note came out at
    span = round(sample_rate / MIN_HZ)
    width = min(x, (l1 - nominal) // 3)
    l0 = best_start(y, nominal, l1, span, width)
    if l1 - l0 < 2 * x:
        return None
    period = period_of(y[l0:l1], sample_rate)
    # a voice let go joins the note a little before its own release begins, in phase
    room = max(0, env.release_start * fr - l1 - x)
    exit_ = math.floor(room / period) * period if period > 0 else 0.0
    quiet = int(np.flatnonzero(env.db >= env.peak_db - 60.0)[-1]) + 1
    tail = max(0, quiet * fr - l1 - round(exit_))
    return Loop(build_looped(y, l0, l1, x), l1, l1 + (l1 - l0), period, exit_, tail)


def build_looped(y: np.ndarray, l0: int, l1: int, x: int) -> np.ndarray:
    """``[y[:l1] | copy of y[l0:l1] | y[l1:]]``, levelled and crossfaded (module doc).

    The level is only ever lowered, so no step grows: a loop whose level falls from ``a``
    at ``l0`` to ``b`` at ``l1`` has its copy's start lowered to ``b``; one whose level
    rises is held at ``a`` from ``l0`` on (the first pass, the copy and the rest of the
    note lowered alike), so the copy's two ends always meet at one level."""
    n = l1 - l0
    q = max(x, n // 4)
    a, b = _rms(y[l0 : l0 + q]), _rms(y[l1 - q : l1])
    tilt_db = 0.0 if a <= 0 or b <= 0 else 20 * math.log10(b / a)
    tilt_db = max(-MAX_TILT_DB, min(MAX_TILT_DB, tilt_db))
    frac = np.arange(n) / n
    first = y[:l1].astype(np.float64)
    rest = y[l1:].astype(np.float64)
    if tilt_db > 0:  # rising: 1 -> a/b across the loop, a/b after it
        ramp = 10 ** (-tilt_db * frac / 20)
        first[l0:l1] *= ramp
        rest *= 10 ** (-tilt_db / 20)
    else:  # falling (or flat): b/a -> 1 across the copy only
        ramp = 10 ** (tilt_db * (1.0 - frac) / 20)
    copy = y[l0:l1] * ramp
    w = 0.5 - 0.5 * np.cos(np.pi * np.arange(x) / x)  # w[0] = 0: copy[0] == rest[0]
    copy[:x] = rest[:x] * (1 - w) + copy[:x] * w
    return np.ascontiguousarray(np.concatenate([first, copy, rest]), dtype=np.float32)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
