"""The OSC address space (prefix ``/waefader``), one table shared by the dispatcher and the
docs. Numbers may be OSC ints or floats alike; on/off values take 0/1 or OSC true/false."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PREFIX = "/waefader"


@dataclass(frozen=True)
class Address:
    path: str  # after the prefix
    args: str  # human-readable argument list
    meaning: str


ADDRESSES: tuple[Address, ...] = (
    Address(
        "note_on",
        "pitch velocity [duration]",
        "play MIDI pitch 0..127 at velocity 1..127 (0 = note off); optional duration in s",
    ),
    Address("note_off", "pitch", "release the oldest held note of that pitch"),
    Address("sustain", "0|1", "sustain pedal"),
    Address("bend", "semitones", "pitch bend of sounding and new notes, -24..24 (0: none)"),
    Address("panic", "", "every voice fades out within 5 ms; pending notes are dropped"),
    Address(
        "style/<slug>",
        "weight",
        "one style's weight 0..4; slug: the name in lowercase, spaces as underscores "
        "(english_horn), the plain name works too (list: /waefader/info/addresses)",
    ),
    Address("style", "w1 ... wS", "all style weights (fewer values set the first ones)"),
    Address("normalise", "0|1", "scale style weights to sum 1 before rendering"),
    Address(
        "note_mix",
        "p0 ... p11 o0 ... o8",
        "pitch-class mix (interval above the played note) then octave mix (offset -4..+4)",
    ),
    Address("pitch_class_mix", "p0 ... p11", "the 12 interval weights 0..4 (p0: the note)"),
    Address("octave_mix", "o0 ... o8", "the 9 octave-offset weights 0..4 (o4: its octave)"),
    Address("latent", "x [y [z ...]]", "the latent point's first axes, -10..10"),
    Address("latent/randomize", "[scale]", "a random latent point (prior std x scale)"),
    Address("variation", "amount", "per-note random latent offset 0..4 (prior std units)"),
    Address("velocity", "v", "velocity of notes played without one, 1..127"),
    Address("velocity_curve", "c", "gain = (velocity / 127) ** c, 0..4"),
    Address("release", "seconds", "release time to -60 dB, 0.005..20"),
    Address("gain", "dB", "output gain -80..12 dB, ramped without clicks"),
    Address("fx", "0|1", "the post-FX chain (compressor, reverb, limiter)"),
    Address(
        "preset",
        "name",
        "load a preset by name from the preset folders (case, spaces and underscores alike; "
        "list: /presets)",
    ),
    Address("presets", "[reply-port]", "reply /waefader/presets with every preset name"),
    Address(
        "preset/save",
        "name [overwrite]",
        "save the controls as the user's preset NAME (an existing one only with overwrite)",
    ),
    Address(
        "transform",
        "path [name value ...]",
        "transform an audio file inside an --allow-dir folder and play it: style weights by "
        "name, pitch, transpose, dynamics, latent_scale, play (transformed / reconstruction "
        "/ original)",
    ),
    Address(
        "info",
        "[reply-port]",
        "reply /waefader/info (JSON), /info/styles (names) and /info/addresses (every "
        "address, one per style included)",
    ),
    Address(
        "status",
        "[reply-port]",
        "reply /waefader/status (JSON), /status/latency p50 p99, /status/voices, "
        "/status/underflows, /status/bad_packets",
    ),
)

# Controls set directly by /waefader/<name> (see realtime.engine.controls).
CONTROL_PATHS = (
    "style",
    "normalise",
    "pitch_class_mix",
    "octave_mix",
    "latent",
    "variation",
    "velocity",
    "velocity_curve",
    "release",
    "gain",
    "fx",
)


def slug(name: str) -> str:
    """A style's address part: ``"English Horn"`` -> ``"english_horn"``."""
    return "_".join(name.lower().split())


def style_for(path: str, styles: Sequence[str]) -> str | None:
    """The style a ``style/<slug or name>`` path names (None: not such a path)."""
    if not path.startswith("style/"):
        return None
    part = path[len("style/") :]
    for name in styles:
        if part == name or part == slug(name):
            return name
    wanted = slug(part.replace("_", " "))
    return next((n for n in styles if slug(n) == wanted), None)


def address_list(prefix: str, styles: Sequence[str]) -> list[str]:
    """Every address, ``style/<slug>`` once per style (what /info/addresses replies)."""
    out = []
    for a in ADDRESSES:
        if a.path == "style/<slug>":
            out += [f"{prefix}/style/{slug(name)}" for name in styles]
        else:
            out.append(f"{prefix}/{a.path}")
    return out


def markdown_table() -> str:
    rows = ["| address | arguments | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{PREFIX}/{a.path}` | {a.args or '-'} | {a.meaning} |" for a in ADDRESSES]
    return "\n".join(rows)
