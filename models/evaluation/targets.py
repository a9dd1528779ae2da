"""Targets checked on a report: pass or miss, and by how much.

The default targets are the default corpus's (DEFAULT_TARGETS): generated pitch class and
octave accuracy >= 0.90, style accuracy >= 0.80 and above wae-style's, and MCNN spectral
convergence within 1.5x of 100-iteration Griffin-Lim's. They mean nothing on another
library, so ``waefader evaluate`` checks them only on the default corpus, or checks the
thresholds of a file the user passes (``--targets FILE``, JSON or TOML, any of the keys of
DEFAULT_TARGETS). A miss carries a hint of why when the numbers show one (the judges
themselves being the limit, the model lacking the condition).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FADER, STYLE = "wae-fader", "wae-style"
DEFAULT_TARGETS: dict[str, float | bool] = {
    "pitch_class": 0.90,  # wae-fader generated accuracy, at least
    "octave": 0.90,
    "style": 0.80,
    "style_above_wae_style": True,  # wae-fader's generated style strictly above wae-style's
    "mcnn_vs_griffin_lim": 1.5,  # MCNN spectral convergence at most this x Griffin-Lim's
}


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None
    threshold: float | None
    passed: bool | None  # None: not measurable in this report (a part is missing)
    margin: float | None  # value - threshold for ">=" targets, threshold - value for "<="
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _at_least(
    name: str, value: float | None, threshold: float | None, judge: float | None
) -> Target:
    if value is None or threshold is None:
        return Target(name, value, threshold, None, None, "not measured in this report")
    passed = value >= threshold
    why = ""
    if not passed and judge is not None and judge < threshold:
        why = (
            f"the judge itself scores {judge:.3f} on real test notes, below the "
            f"{threshold:.2f} target: the generated notes cannot be scored higher reliably"
        )
    return Target(name, value, threshold, passed, value - threshold, why)


def check_targets(
    report: dict[str, Any], targets: dict[str, Any] | None = None, notes: bool = False
) -> list[Target]:
    """The targets of ``targets`` (default: DEFAULT_TARGETS) checked on ``report``; only the
    keys present are checked. ``notes``: the report has notes a miss may point to."""
    t = DEFAULT_TARGETS if targets is None else targets
    models, judges, rend = report["models"], report["judges"], report["renderers"]
    gen = models.get(FADER, {}).get("generation", {})
    out = [
        _at_least(f"{FADER} generated {a} >= {t[a]:.2f}", gen.get(a), float(t[a]), judges.get(a))
        for a in ("pitch_class", "octave", "style")
        if a in t
    ]
    if t.get("style_above_wae_style"):
        style_ref = models.get(STYLE, {}).get("generation", {}).get("style")
        versus = _at_least(
            f"{FADER} generated style > {STYLE}'s", gen.get("style"), style_ref, None
        )
        if versus.passed and versus.margin == 0:  # strictly higher is asked
            versus = Target(versus.name, versus.value, versus.threshold, False, 0.0, "a tie")
        out.append(versus)
    if "mcnn_vs_griffin_lim" in t:
        out.append(_mcnn_target(rend, float(t["mcnn_vs_griffin_lim"]), notes))
    return out


def _mcnn_target(
    rend: dict[str, dict[str, float]], factor: float = 1.5, notes: bool = False
) -> Target:
    name = f"MCNN spectral convergence <= {factor:g} x Griffin-Lim (100 it.)"
    gla = rend.get("griffin_lim", {}).get("spectral_convergence")
    mcnn = rend.get("mcnn", {}).get("spectral_convergence")
    if gla is None or mcnn is None:
        return Target(name, mcnn, None, None, None, "no MCNN in this evaluation")
    limit = factor * gla
    passed = mcnn <= limit
    why = (
        ""
        if passed
        else (
            f"MCNN reaches {mcnn / gla:.2f}x Griffin-Lim's spectral "
            "convergence" + ("; see the notes" if notes else "")
        )
    )
    return Target(name, mcnn, limit, passed, limit - mcnn, why)


def read_targets(path: Path) -> dict[str, Any]:
    """Thresholds from a JSON or TOML file (keys: those of DEFAULT_TARGETS); ValueError."""
    try:
        text = path.read_text()
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except OSError as exc:
        raise ValueError(f"cannot read --targets {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"--targets {path} is not valid JSON/TOML: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise ValueError(f"--targets {path} must hold a table of thresholds")
    unknown = sorted(set(data) - set(DEFAULT_TARGETS))
    if unknown:
        raise ValueError(
            f"--targets {path}: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(DEFAULT_TARGETS)}"
        )
    for k, v in data.items():
        if not isinstance(v, int | float) or (k != "style_above_wae_style" and isinstance(v, bool)):
            raise ValueError(f"--targets {path}: {k} must be a number")
    return data
