"""``/waefader/transform path [name value ...]``: transform an audio file and play it.

The arguments after the path come in pairs. A style name with its weight sets the target
style mix (``violin 0.5 flute 0.5``); five keywords set the rest:

- ``pitch``: target MIDI pitch (number) or note name (``"A4"``);
- ``transpose``: semitones from the source's pitch;
- ``dynamics``: ``pp`` / ``mf`` / ``ff`` or a velocity 1..127;
- ``latent_scale``: multiplies the encoded z, 0..4;
- ``play``: which sound to play: ``transformed`` (default), ``reconstruction``, ``original``.

The request is checked at once (the sender's mistakes are counted like any bad
message); the transform itself (about a second) runs on :class:`TransformJobs`' thread,
then plays through :func:`realtime.transform.play.play_sound`, whose controls stay set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from realtime.transform.edits import (
    Edits,
    parse_dynamics,
    parse_pitch,
    style_vector,
)
from realtime.transform.errors import TransformError
from realtime.transform.play import SOUNDS

KEYWORDS = ("pitch", "transpose", "dynamics", "latent_scale", "play")


@dataclass(frozen=True)
class TransformRequest:
    """A checked request: the file, the edits and which sound to play."""

    path: Path
    edits: Edits
    which: str = "transformed"
    name: str = ""  # the file as the sender named it (opened through the sandbox)


def parse_request(args: Sequence[Any], style_names: Sequence[str]) -> TransformRequest:
    """OSC arguments -> request; TransformError (a ValueError) naming the bad argument."""
    if not args or not isinstance(args[0], str) or not args[0].strip():
        raise TransformError("transform takes a file path first, then name value pairs")
    pairs = list(args[1:])
    if len(pairs) % 2:
        raise TransformError(f"after the path, name value pairs; {pairs[-1]!r} has no value")
    styles: list[tuple[str, float]] = []
    options: dict[str, Any] = {}
    for name, value in zip(pairs[::2], pairs[1::2], strict=True):
        if not isinstance(name, str):
            raise TransformError(f"expected a style name or {', '.join(KEYWORDS)}, got {name!r}")
        if name in KEYWORDS:
            options[name] = value
        else:
            styles.append((name, _number(name, value)))
    style_vector(styles, style_names)  # unknown names are refused here, not a second later
    edits = Edits(
        style=tuple(styles),
        pitch=parse_pitch(str(options["pitch"])) if "pitch" in options else None,
        transpose=_whole(options.get("transpose", 0)),
        velocity=parse_dynamics(str(options["dynamics"])) if "dynamics" in options else None,
        latent_scale=_number("latent_scale", options.get("latent_scale", 1.0)),
    )
    which = str(options.get("play", "transformed"))
    if which not in SOUNDS:
        raise TransformError(f"play takes one of {', '.join(SOUNDS)}, got {which!r}")
    return TransformRequest(Path(args[0]).expanduser(), edits, which, args[0])


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TransformError(f"{name} takes a number, got {value!r}")
    return float(value)


def _whole(value: Any) -> int:
    x = _number("transpose", value)
    if x != round(x):
        raise TransformError(f"transpose takes whole semitones, got {x:g}")
    return round(x)
