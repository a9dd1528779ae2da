"""Per-note measures of one source against the library's notes, and their summaries.

A "table" here is a dict of per-note arrays ``(B,)`` keyed by measure name (NaN where a
measure does not apply): the rows of per_key.csv and the input of every summary.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.evaluation import quality as q
from models.evaluation.pitch_judge import PitchTrack, note_pitch
from models.evaluation.quality_notes import Key
from models.evaluation.quality_pitch import (
    KEY_TIMES_S,
    MOD_TIMES_S,
    Crepe,
    glide,
    is_modulated,
    judged,
    modulation,
    track_notes,
)

PITCH_MEASURES = ("cents", "cents_vs_library", "right", "octave_error", "voiced",
                  "spread_cents", "vibrato_depth_cents", "vibrato_rate_hz", "glide_start_cents",
                  "glide_time_s")
SPECTRAL_MEASURES = ("hnr_db", "mrstft", "mrstft_sc", "mrstft_log_mag", "lsd_db", "comb_db",
                     "high_band_db", "level_diff_db")


def frame_times(keys: list[Key]) -> list[np.ndarray | None]:
    """Where the judge looks in each note (None: outside CREPE's range, not judged)."""
    return [None if not judged(k.midi) else MOD_TIMES_S if is_modulated(k.style)
            else KEY_TIMES_S for k in keys]


def pitch_table(crepe: Crepe, audio: np.ndarray, sample_rate: int, keys: list[Key]
                ) -> dict[str, np.ndarray]:
    """Pitch measures of every note (see :data:`PITCH_MEASURES`)."""
    tracks = track_notes(crepe, audio, sample_rate, frame_times(keys))
    out = {m: np.full(len(keys), np.nan) for m in PITCH_MEASURES}
    for i, (k, tr) in enumerate(zip(keys, tracks, strict=True)):
        if tr is None:
            continue
        _pitch_row(out, i, k, tr)
    return out


def against_library(t: dict[str, np.ndarray], library_cents: np.ndarray) -> None:
    """Fill ``t["cents_vs_library"]``: each note's pitch minus the library note's of the same
    key ``(B,)``, both read by the same judge. A faithful vocoder scores 0 here even where
    the library note itself sits a few cents off its key (FluidR3's samples do: a median
    of 5.5 cents through CREPE full), which ``cents`` cannot show."""
    t["cents_vs_library"] = t["cents"] - library_cents


def _pitch_row(out: dict[str, np.ndarray], i: int, k: Key, tr: PitchTrack) -> None:
    p = note_pitch(tr, k.midi)
    out["cents"][i], out["voiced"][i] = p.cents, p.voiced
    out["right"][i], out["octave_error"][i] = float(p.right), float(p.octave_error)
    out["spread_cents"][i] = p.spread
    if is_modulated(k.style):
        out["vibrato_depth_cents"][i], out["vibrato_rate_hz"][i] = modulation(tr, k.midi)
        if "gliss" in k.style.lower():
            out["glide_start_cents"][i], out["glide_time_s"][i] = glide(tr)


def spectral_table(audio: np.ndarray, library: np.ndarray | None, sample_rate: int, hop: int,
                   keys: list[Key], library_comb: np.ndarray | None = None,
                   library_high: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """HNR, comb and high band of ``audio``; with ``library`` also the distances to it
    (MR-STFT, LSD) and the differences from it (comb, high band, level)."""
    midi = np.array([k.midi for k in keys], dtype=np.float64)
    n = len(keys)
    out = {m: np.full(n, np.nan) for m in SPECTRAL_MEASURES}
    out["hnr_db"] = q.hnr_db(audio, sample_rate, midi)
    comb = q.frame_comb_db(audio, sample_rate, hop, midi)
    high = q.high_band_db(audio, sample_rate)
    if library is None:
        out["comb_db"], out["high_band_db"] = comb, high
        return out
    mr = q.mr_stft(library, audio)
    out["mrstft"], out["mrstft_sc"], out["mrstft_log_mag"] = mr["total"], mr["sc"], mr["log_mag"]
    out["lsd_db"] = q.log_spectral_distance(library, audio)
    out["comb_db"] = comb - (library_comb if library_comb is not None else 0.0)
    out["high_band_db"] = high - (library_high if library_high is not None else 0.0)
    out["level_diff_db"] = q.level_db(audio) - q.level_db(library)
    return out


def _nanmedian(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if len(x) else None


def _nanmean(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if len(x) else None


def summary(t: dict[str, np.ndarray], n_keys: int | None = None) -> dict[str, Any]:
    """One source's figures over the notes of table ``t``: plain floats (None: no data)."""
    right = t["right"]
    judged_mask = np.isfinite(t["voiced"])  # tracked (an unvoiced note counts as wrong)
    n_j = int(judged_mask.sum())
    cents = t["cents"]
    out: dict[str, Any] = {
        "n_notes": len(right) if n_keys is None else n_keys,
        "judged": n_j,
        "not_judged": int(len(right) - n_j),
        "pitch_right": float(np.nansum(right[judged_mask]) / n_j) if n_j else None,
        "octave_errors": int(np.nansum(t["octave_error"])),
        "unvoiced": int(np.sum(judged_mask & ~np.isfinite(cents))),
        "median_abs_cents": _nanmedian(np.abs(cents)),
        "median_abs_cents_vs_library": _nanmedian(np.abs(t["cents_vs_library"])),
        "hnr_db": _nanmedian(t["hnr_db"]),
        "mrstft": _nanmean(t["mrstft"]),
        "mrstft_sc": _nanmean(t["mrstft_sc"]),
        "mrstft_log_mag": _nanmean(t["mrstft_log_mag"]),
        "lsd_db": _nanmean(t["lsd_db"]),
        "comb_db": _nanmedian(t["comb_db"]),
        "high_band_db": _nanmedian(t["high_band_db"]),
        "level_diff_db_median_abs": _nanmedian(np.abs(t["level_diff_db"])),
    }
    if np.isfinite(t["vibrato_depth_cents"]).any():
        out["vibrato_depth_cents"] = _nanmedian(t["vibrato_depth_cents"])
        out["vibrato_rate_hz"] = _nanmedian(t["vibrato_rate_hz"])
        out["spread_cents"] = _nanmedian(t["spread_cents"])
    if np.isfinite(t["glide_start_cents"]).any():
        out["glide_start_cents"] = _nanmedian(t["glide_start_cents"])
        out["glide_time_s"] = _nanmedian(t["glide_time_s"])
    return out


STYLE_COLUMNS = ("pitch_right", "octave_errors", "median_abs_cents", "hnr_db", "mrstft",
                 "lsd_db", "comb_db", "spread_cents", "vibrato_depth_cents", "vibrato_rate_hz",
                 "glide_start_cents", "glide_time_s")


def style_table(t: dict[str, np.ndarray], keys: list[Key]) -> dict[str, dict[str, Any]]:
    """:func:`summary` per style, reduced to :data:`STYLE_COLUMNS`."""
    out = {}
    for s in dict.fromkeys(k.style for k in keys):
        m = np.array([k.style == s for k in keys])
        full = summary({name: v[m] for name, v in t.items()})
        full.setdefault("spread_cents", _nanmedian(t["spread_cents"][m]))
        out[s] = {c: full.get(c) for c in STYLE_COLUMNS}
    return out


def octave_error_keys(t: dict[str, np.ndarray], keys: list[Key]) -> list[dict[str, Any]]:
    """The keys judged an octave off: style, midi, dynamics, cents."""
    from realtime.conditions import midi_name

    return [
        {"style": k.style, "midi": k.midi, "note": midi_name(k.midi), "dynamics": k.dynamics,
         "cents": float(t["cents"][i])}
        for i, k in enumerate(keys) if t["octave_error"][i] == 1.0
    ]
