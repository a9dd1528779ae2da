"""``--style NAME[=WEIGHT]`` (repeatable) and ``--list-styles`` of render, serve and play."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STYLE_MAX = 4.0  # the style control's range (realtime/engine/controls.py)


class StyleError(ValueError):
    """A bad --style: printed as one line by the command."""


def add_style_options(g: Any) -> None:
    """The two options, on a parser or an argument group."""
    g.add_argument(
        "--style",
        action="append",
        metavar="NAME[=WEIGHT]",
        help="the style to play, weight 1 unless given; repeat to mix "
        "(--style violin=0.7 --style flute=0.3); replaces the preset's style mix "
        "(default: the preset's mix, else the model's first style)",
    )
    g.add_argument("--list-styles", action="store_true", help="print the model's styles and exit")


def parse_style(text: str) -> tuple[str, float]:
    """``"violin"`` -> ``("violin", 1.0)``; ``"flute=0.3"`` -> ``("flute", 0.3)``."""
    name, sep, weight = text.partition("=")
    name = name.strip()
    if not name:
        raise StyleError(f"--style {text!r}: expected NAME or NAME=WEIGHT")
    if not sep:
        return name, 1.0
    try:
        value = float(weight)
    except ValueError:
        raise StyleError(f"--style {text!r}: the weight must be a number") from None
    if not 0.0 <= value <= STYLE_MAX:
        raise StyleError(f"--style {text!r}: the weight must be between 0 and {STYLE_MAX:g}")
    return name, value


def style_weights(style_names: Sequence[str], specs: Sequence[str]) -> list[float]:
    """One weight per style of the model from the --style values (unnamed styles: 0)."""
    weights = [0.0] * len(style_names)
    for text in specs:
        name, value = parse_style(text)
        if name not in style_names:
            raise StyleError(
                f"--style {name!r}: this model has no such style; its styles: "
                f"{', '.join(style_names)} (--list-styles)"
            )
        weights[list(style_names).index(name)] = value
    if not any(weights):
        raise StyleError("--style: every weight is 0, nothing would sound")
    return weights


def describe_mix(style_names: Sequence[str], weights: Sequence[float]) -> str:
    """``"violin"`` for one style at weight 1, else ``"violin 0.7 + flute 0.3"``."""
    active = [(n, float(w)) for n, w in zip(style_names, weights, strict=False) if w > 0]
    if not active:
        return "none"
    if len(active) == 1 and active[0][1] == 1.0:
        return active[0][0]
    return " + ".join(f"{n} {w:g}" for n, w in active)


def styles_text(renderer: Any) -> str:
    """The model's styles, one a line, with the MIDI range each plays."""
    ranges = getattr(renderer, "style_ranges", None) or {}
    lines = []
    for name in renderer.style_names:
        low_high = ranges.get(name)
        lines.append(f"{name}  (MIDI {low_high[0]}-{low_high[1]})" if low_high else name)
    return "\n".join(lines)


def list_styles_if_asked(argv: Sequence[str], prog: str) -> int | None:
    """``--list-styles`` anywhere in ``argv``: print the styles of ``--model`` and return the
    exit code; ``None`` when not asked (other required options are then not needed)."""
    if "--list-styles" not in argv:
        return None
    from realtime.cli.engine_args import add_model, load_renderer, run

    pre = argparse.ArgumentParser(prog=prog, add_help=False)
    add_model(pre)
    known, _ = pre.parse_known_args(list(argv))
    model: Path | None = known.model

    def body() -> int:
        print(styles_text(load_renderer(model)))
        return 0

    return run(prog, body)
