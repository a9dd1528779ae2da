"""``waefader devices``: the audio outputs and MIDI inputs this machine offers."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from realtime.cli.engine_args import run
from realtime.cli.helptext import summary


def collect() -> dict[str, Any]:
    from realtime.engine.stream import output_devices
    from realtime.midi.ports import list_inputs

    try:
        audio = [asdict(d) for d in output_devices()]
        audio_error = None
    except Exception as exc:  # no PortAudio, broken host API
        audio, audio_error = [], str(exc)
    default = None
    if audio:
        import sounddevice as sd

        default = sd.default.device[1]
    return {
        "audio_outputs": audio,
        "default_output": default,
        "audio_error": audio_error,
        "midi_inputs": list_inputs("auto"),
    }


def format_text(d: dict[str, Any]) -> str:
    lines = ["audio outputs:"]
    for o in d["audio_outputs"]:
        mark = "*" if o["index"] == d["default_output"] else " "
        lines.append(
            f" {mark}[{o['index']}] {o['name']} ({o['hostapi']}, {o['max_output_channels']} ch, "
            f"{o['default_samplerate']:.0f} Hz, low latency {o['default_low_latency_ms']:.1f} ms)"
        )
    if not d["audio_outputs"]:
        lines.append("  none" + (f" ({d['audio_error']})" if d["audio_error"] else ""))
    lines.append("MIDI inputs:")
    if not d["midi_inputs"]:
        lines.append("  no MIDI system available (ALSA sequencer or JACK)")
    for api, names in d["midi_inputs"].items():
        lines.append(
            f"  {api}: " + (", ".join(f"[{i}] {n}" for i, n in enumerate(names)) or "none")
        )
    return "\n".join(lines)


def main(argv: list[str], prog: str = "waefader devices") -> int:
    ap = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    def body() -> int:
        d = collect()
        print(json.dumps(d) if args.json else format_text(d))
        return 0

    return run(prog, body)
