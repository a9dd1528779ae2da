"""The manifest's ``modulation`` table: the vibrato and trill of the library's notes that a
model's decoder does not draw, from a ``waefader bench quality`` result.

``bench quality`` tracks the modulated styles (names holding "vibrato", "trill") densely
with torchcrepe and reports, per style and source, the depth (half the 10-90 percentile
range of the cents) and rate of the modulation. For a vibrato the table holds the sine's
amplitude behind that depth (the tracker's 64 ms frames average a fast vibrato down:
:func:`vibrato_amplitude`); for a trill, the depth (half the interval). A style enters the
table when the library's notes are modulated (depth at least ``--min-depth`` cents) and
the model's plain render is not (less than half the library's depth): then the synth puts
the library's modulation back on its notes (:mod:`realtime.dsp.modulation`). For a
glissando ("gliss" in the name) the table holds where the library's notes slide in from
and how long they take (bench quality's ``glide_start_cents`` and ``glide_time_s``), when
the model's notes do not slide::

    waefader bench quality --model MODEL --out Q
    python -m realtime.modulation_info MODEL --quality Q            # print the table
    python -m realtime.modulation_info MODEL --quality Q --write    # add it to manifest.json

On a manifest that has a table, the styles in it keep their entries (the result measured
their notes modulated already) and the others are added.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from realtime.manifest import ModelError, read_manifest, write_manifest

# style-name fragment -> modulation kind
KINDS = {"vibrato": "vibrato", "trill": "trill", "gliss": "glide"}
MIN_DEPTH_CENTS = 10.0
SINE_P90 = math.sin(0.4 * math.pi)  # half the 10-90 percentile range of a unit sine
# torchcrepe's frame: 1024 samples at 16 kHz. Tracked through it, a vibrato's cents are
# averaged over 64 ms: at 8 Hz that shows 0.6 of the depth.
TRACKER_FRAME_S = 1024 / 16000


def vibrato_amplitude(measured_cents: float, rate_hz: float) -> float:
    """The sine amplitude (cents) behind a bench quality depth (half the 10-90 percentile
    range of the tracked cents) at ``rate_hz``."""
    x = math.pi * rate_hz * TRACKER_FRAME_S
    gain = abs(math.sin(x) / x) if x > 0 else 1.0
    return measured_cents / SINE_P90 / max(gain, 0.2)


def _figure(d: dict[str, Any], key: str) -> float | None:
    v = d.get(key)
    return float(v) if isinstance(v, int | float) and math.isfinite(v) else None


def modulation_table(
    quality: dict[str, Any], styles: tuple[str, ...], min_depth: float = MIN_DEPTH_CENTS
) -> dict[str, Any]:
    """The manifest field from a bench quality result (its ``styles`` section)."""
    table: dict[str, Any] = {}
    for name in styles:
        kind = next((k for frag, k in KINDS.items() if frag in name.lower()), None)
        per = quality.get("styles", {}).get(name, {})
        lib, model = per.get("library", {}), per.get("model", {})
        entry = _glide(lib, model, min_depth) if kind == "glide" else _periodic(
            kind, lib, model, min_depth) if kind else None  # fmt: skip
        if entry is not None:
            table[name] = entry
    return {
        "source": f"library notes tracked by bench quality (judge {quality.get('judge')}, "
        f"{quality.get('n_keys')} keys): the library's modulation, where the model's lacks it",
        "styles": table,
    }


def _periodic(kind: str, lib: dict[str, Any], model: dict[str, Any], min_depth: float
              ) -> dict[str, Any] | None:
    """A vibrato or trill entry: the library's depth and rate."""
    depth, rate = _figure(lib, "vibrato_depth_cents"), _figure(lib, "vibrato_rate_hz")
    drawn = _figure(model, "vibrato_depth_cents") or 0.0
    if depth is None or rate is None or depth < min_depth or drawn >= depth / 2:
        return None  # not modulated, or the decoder draws it already
    true = vibrato_amplitude(depth, rate) if kind == "vibrato" else depth
    return {"kind": kind, "depth_cents": round(true, 2), "rate_hz": round(rate, 3),
            "measured_depth_cents": round(depth, 2)}  # fmt: skip


def _glide(lib: dict[str, Any], model: dict[str, Any], min_depth: float) -> dict[str, Any] | None:
    """A glide entry: where the library's notes slide in from and how long they take."""
    start, seconds = _figure(lib, "glide_start_cents"), _figure(lib, "glide_time_s")
    drawn = abs(_figure(model, "glide_start_cents") or 0.0)
    if start is None or seconds is None or abs(start) < min_depth or drawn >= abs(start) / 2:
        return None
    return {"kind": "glide", "depth_cents": round(start, 2), "time_s": round(seconds, 3)}


def read_quality(path: Path) -> dict[str, Any]:
    file = path / "quality.json" if path.is_dir() else path
    try:
        r = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read a bench quality result from {path}: {exc}") from None
    if not isinstance(r, dict) or not isinstance(r.get("styles"), dict):
        raise ModelError(f"{file} is not a bench quality result (no 'styles')")
    return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m realtime.modulation_info", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("model", type=Path, help="model folder")
    ap.add_argument("--quality", type=Path, required=True,
                    help="bench quality --out folder or its quality.json (required)")  # fmt: skip
    ap.add_argument("--min-depth", type=float, default=MIN_DEPTH_CENTS,
                    help="cents of library modulation worth putting back "
                    f"(default {MIN_DEPTH_CENTS:g})")  # fmt: skip
    ap.add_argument("--write", action="store_true",
                    help="add the table to manifest.json (default: print it only)")  # fmt: skip
    args = ap.parse_args(argv)
    try:
        manifest = read_manifest(args.model)
        info = modulation_table(read_quality(args.quality), manifest.styles, args.min_depth)
        # styles already in the table keep their entry: the result measured them modulated
        kept = dict((manifest.modulation or {}).get("styles") or {})
        if kept:
            info["styles"] = {**info["styles"], **kept}
        if args.write:
            write_manifest(args.model, replace(manifest, modulation=info))
    except ModelError as exc:
        print(f"modulation_info: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
