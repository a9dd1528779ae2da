"""The manifest's ``modulation`` table: the vibrato and trill of the library's notes that a
model's decoder does not draw, from a ``waefader bench quality`` result.

``bench quality`` tracks the modulated styles (names holding "vibrato", "trill") densely
with torchcrepe and reports, per style and source, the depth (half the 10-90 percentile
range of the cents) and rate of the modulation. For a vibrato the table holds the sine's
amplitude behind that depth (the tracker's 64 ms frames average a fast vibrato down:
:func:`vibrato_amplitude`); for a trill, the depth (half the interval). A style enters the
table when the library's notes are modulated (depth at least ``--min-depth`` cents) and
the model's plain render is not (less than half the library's depth): then the synth puts
the library's modulation back on its notes (:mod:`realtime.dsp.modulation`). Glissandi are
left alone (the decoder draws its sweep itself)::

    waefader bench quality --model MODEL --out Q
    python -m realtime.modulation_info MODEL --quality Q            # print the table
    python -m realtime.modulation_info MODEL --quality Q --write    # add it to manifest.json

Run it on a manifest without the table (the model's measure must be its plain render).
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

KINDS = {"vibrato": "vibrato", "trill": "trill"}  # style-name fragment -> modulation kind
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
        depth, rate = _figure(lib, "vibrato_depth_cents"), _figure(lib, "vibrato_rate_hz")
        drawn = _figure(model, "vibrato_depth_cents") or 0.0
        if kind is None or depth is None or rate is None or depth < min_depth:
            continue
        if drawn >= depth / 2:
            continue  # the decoder draws it already
        true = vibrato_amplitude(depth, rate) if kind == "vibrato" else depth
        table[name] = {"kind": kind, "depth_cents": round(true, 2), "rate_hz": round(rate, 3),
                       "measured_depth_cents": round(depth, 2)}  # fmt: skip
    return {
        "source": f"library notes tracked by bench quality (judge {quality.get('judge')}, "
        f"{quality.get('n_keys')} keys): depth and rate of the library's modulation",
        "styles": table,
    }


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
        if manifest.modulation and args.write:
            raise ModelError(
                f"{args.model} has a modulation table already; its bench quality figures "
                "include it (measure a copy without it)"
            )
        info = modulation_table(read_quality(args.quality), manifest.styles, args.min_depth)
        if args.write:
            write_manifest(args.model, replace(manifest, modulation=info))
    except ModelError as exc:
        print(f"modulation_info: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
