"""The issue's targets, checked on a report: pass or miss, and by how much.

Targets (for the default wae-fader): generated pitch class and octave accuracy >= 0.90,
style accuracy >= 0.80 and above wae-style's, and MCNN spectral convergence within 1.5x of
100-iteration Griffin-Lim's. A miss carries a hint of why when the numbers show one (the
judges themselves being the limit, the model lacking the condition); a person's analysis
goes into the report's notes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

FADER, STYLE = "wae-fader", "wae-style"


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


def _at_least(name: str, value: float | None, threshold: float | None, judge: float | None
              ) -> Target:
    if value is None or threshold is None:
        return Target(name, value, threshold, None, None, "not measured in this report")
    passed = value >= threshold
    why = ""
    if not passed and judge is not None and judge < threshold:
        why = (f"the judge itself scores {judge:.3f} on real test notes, below the "
               f"{threshold:.2f} target: the generated notes cannot be scored higher reliably")
    return Target(name, value, threshold, passed, value - threshold, why)


def check_targets(report: dict[str, Any]) -> list[Target]:
    models, judges, rend = report["models"], report["judges"], report["renderers"]
    gen = models.get(FADER, {}).get("generation", {})
    style_ref = models.get(STYLE, {}).get("generation", {}).get("style")
    out = [
        _at_least(f"{FADER} generated pitch_class >= 0.90", gen.get("pitch_class"), 0.90,
                  judges.get("pitch_class")),
        _at_least(f"{FADER} generated octave >= 0.90", gen.get("octave"), 0.90,
                  judges.get("octave")),
        _at_least(f"{FADER} generated style >= 0.80", gen.get("style"), 0.80, judges.get("style")),
        _at_least(f"{FADER} generated style > {STYLE}'s", gen.get("style"), style_ref, None),
    ]
    if out[-1].passed and out[-1].margin == 0:  # strictly higher is asked
        out[-1] = Target(out[-1].name, out[-1].value, out[-1].threshold, False, 0.0, "a tie")
    out.append(_mcnn_target(rend))
    return out


def _mcnn_target(rend: dict[str, dict[str, float]]) -> Target:
    name = "MCNN spectral convergence <= 1.5 x Griffin-Lim (100 it.)"
    gla = rend.get("griffin_lim", {}).get("spectral_convergence")
    mcnn = rend.get("mcnn", {}).get("spectral_convergence")
    if gla is None or mcnn is None:
        return Target(name, mcnn, None, None, None, "no MCNN in this evaluation")
    limit = 1.5 * gla
    passed = mcnn <= limit
    why = "" if passed else (f"MCNN reaches {mcnn / gla:.2f}x Griffin-Lim's spectral "
                             "convergence; see the notes for the training budget")
    return Target(name, mcnn, limit, passed, limit - mcnn, why)
