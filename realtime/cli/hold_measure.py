"""Measures of a held note's render, for ``waefader bench hold`` and its tests.

A render ``y (samples,)`` at ``sr`` holds one note from its first sample (``onset``) to
its note-off at ``off`` seconds after the onset; ``release`` is the preset's release time.

- *sustain level*: the median level (RMS, 250 ms windows) of the second half of the hold,
  which a held note plays from its loop;
- *attack*: the note's level first comes within ``tolerance`` (3 dB) of it; from then to
  the note-off every window must stay within the tolerance (no dip, swell, drift, pumping);
- *clicks*: the largest sample-to-sample step after the first second must be no larger
  than the largest of the first second (``click_ok``, the Must-show's line). A note still
  rising after its first second (english horn) is louder in its loop than in that second
  without any seam, so ``seam_ok`` also compares with the note as the model renders it:
  its largest step over its held part (``note_jump``, from :func:`note_jump`);
- *release*: after the note-off the level (10 ms windows) falls 40 dB below the sustain
  level, and stays there, within ``release + 0.5`` s, and no step in the 50 ms after the
  note-off is larger than the largest before it (leaving the loop does not click).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

WINDOW_S = 0.25
TOLERANCE_DB = 3.0
RELEASE_DROP_DB = 40.0
RELEASE_SLACK_S = 0.5


def levels_db(x: np.ndarray, frame: int) -> np.ndarray:
    """RMS level of consecutive ``frame``-sample windows, in dB (``(len(x) // frame,)``)."""
    n = x.shape[0] // frame
    if n == 0:
        return np.zeros(0)
    p = np.mean(np.square(x[: n * frame].astype(np.float64)).reshape(n, frame), axis=1)
    return 10 * np.log10(p + 1e-20)


def onset_of(y: np.ndarray, threshold: float = 1e-4) -> int:
    above = np.flatnonzero(np.abs(y) >= threshold)
    return int(above[0]) if above.size else 0


def check_hold(
    y: np.ndarray, sr: int, off: float, release: float, note_jump: float | None = None
) -> dict[str, Any]:
    """The figures of one held note and whether each meets the Must-show line."""
    start = onset_of(y)
    x = y[start:]
    w = round(WINDOW_S * sr)
    held = levels_db(x[: round(off * sr)], w)
    half = held.shape[0] // 2
    sustain = float(np.median(held[half:])) if held.size else -math.inf
    near = np.flatnonzero(np.abs(held - sustain) <= TOLERANCE_DB)
    attack = int(near[0]) if near.size else held.shape[0]
    deviation = float(np.abs(held[attack:] - sustain).max()) if attack < held.shape[0] else math.inf
    one = round(1.0 / WINDOW_S)  # windows in the first second
    first = float(np.abs(np.diff(x[:sr])).max())
    later = float(np.abs(np.diff(x[sr : round(off * sr)])).max(initial=0.0))
    fall = _release_time(x[round(off * sr) :], sr, sustain - RELEASE_DROP_DB)
    i = round(off * sr)
    at_off = float(np.abs(np.diff(x[i - 1 : i + round(0.05 * sr)])).max(initial=0.0))
    return {
        "seconds": off,
        "sustain_db": round(sustain, 2),
        "attack_s": round(attack * WINDOW_S, 2),
        "max_deviation_db": round(deviation, 2),
        # the same from the first second on: the part a held note plays from its loop
        "loop_deviation_db": round(float(np.abs(held[one:] - sustain).max(initial=0.0)), 2),
        "jump_first_s": round(first, 5),
        "jump_sustain": round(later, 5),
        "jump_ratio": round(later / first, 3) if first > 0 else math.inf,
        "release_40db_s": round(fall, 3),
        "release_jump_ratio": round(at_off / later, 3) if later > 0 else math.inf,
        "level_ok": deviation <= TOLERANCE_DB,
        "click_ok": later <= first,
        "seam_ratio": None if not note_jump else round(later / note_jump, 3),
        "seam_ok": note_jump is not None and later <= note_jump,
        "release_ok": fall <= release + RELEASE_SLACK_S and at_off <= max(first, later),
        "levels_db": [round(float(v), 2) for v in held],
        "release_db": [  # 10 ms levels from 0.5 s before the note-off to 1 s after it
            round(float(v), 2)
            for v in levels_db(x[i - sr // 2 : i + sr], max(1, round(0.01 * sr)))
        ],
    }


def _release_time(tail: np.ndarray, sr: int, floor_db: float) -> float:
    """Seconds until the 10 ms level drops below ``floor_db`` for good (a render that ends
    early ended in silence: the voice was done)."""
    lv = levels_db(tail, max(1, round(0.01 * sr)))
    above = np.flatnonzero(lv >= floor_db)
    return (int(above[-1]) + 1) * 0.01 if above.size else 0.0


def note_jump(y: np.ndarray, sr: int) -> float:
    """The largest sample step of a note rendered once (not held), over its attack and
    held part (up to where its own release begins)."""
    from realtime.engine.sustain_loop import envelope

    x = y[onset_of(y) :]
    env = envelope(x, sr)
    return float(np.abs(np.diff(x[: env.release_start * env.frame])).max(initial=0.0))


def natural_end(y: np.ndarray, sr: int, below_db: float = 60.0) -> float:
    """Seconds from the onset until the 10 ms level stays ``below_db`` under its peak."""
    x = y[onset_of(y) :]
    lv = levels_db(x, max(1, round(0.01 * sr)))
    if lv.size == 0:
        return 0.0
    above = np.flatnonzero(lv >= lv.max() - below_db)
    return (int(above[-1]) + 1) * 0.01


BEND_WINDOW_S, BEND_HOP_S = 0.05, 0.025


def _low_pitch(x: np.ndarray, sr: int) -> float | None:
    """The 25th percentile of YIN pitches (Hz) over 50 ms windows of ``x``: the note's
    steady pitch, and under a vibrato or a trill (``realtime.dsp.modulation``) the same
    point of its cycle before and after a bend, where one pitch over the whole stretch
    would land anywhere between a trill's two notes."""
    from realtime.transform.pitch import estimate_pitch

    win, hop = round(BEND_WINDOW_S * sr), round(BEND_HOP_S * sr)
    hz = [p.hz for i in range(0, len(x) - win + 1, hop)
          if (p := estimate_pitch(x[i : i + win], sr)) is not None]  # fmt: skip
    return float(np.percentile(hz, 25)) if len(hz) >= 4 else None


def bend_cents(
    y: np.ndarray, sr: int, before: tuple[float, float], after: tuple[float, float]
) -> float | None:
    """Pitch change in cents between two stretches (seconds from the onset), by YIN."""
    x = y[onset_of(y) :]
    a = _low_pitch(x[round(before[0] * sr) : round(before[1] * sr)], sr)
    b = _low_pitch(x[round(after[0] * sr) : round(after[1] * sr)], sr)
    if a is None or b is None:
        return None
    return 1200.0 * math.log2(b / a)


def bend_step_ratio(y: np.ndarray, sr: int, at: float, semitones: float) -> float:
    """The largest sample step within 50 ms of a bend at ``at`` s, over the largest of the
    second before it scaled by the pitch ratio (a bent waveform's steps grow with it):
    above 1 means a click at the bend."""
    x = y[onset_of(y) :]
    i, d = round(at * sr), round(0.05 * sr)
    near = float(np.abs(np.diff(x[i - d : i + d])).max())
    before = float(np.abs(np.diff(x[i - sr : i - d])).max())
    return near / (before * max(1.0, 2 ** (semitones / 12))) if before > 0 else math.inf
