"""The issue's targets: pass/miss, margins, and the hints a miss carries."""

from __future__ import annotations

from typing import Any

import pytest

from models.evaluation.targets import check_targets


def _report(fader: dict[str, float], style: float | None, gla: float, mcnn: float | None,
            judges: dict[str, float] | None = None) -> dict[str, Any]:
    models: dict[str, Any] = {"wae-fader": {"generation": fader}}
    if style is not None:
        models["wae-style"] = {"generation": {"style": style}}
    rend = {"griffin_lim": {"spectral_convergence": gla}}
    if mcnn is not None:
        rend["mcnn"] = {"spectral_convergence": mcnn}
    return {"models": models, "renderers": rend,
            "judges": judges or {"pitch_class": 0.99, "octave": 1.0, "style": 0.98}}


def test_all_targets_pass_with_margins() -> None:
    t = check_targets(_report({"pitch_class": 0.95, "octave": 0.92, "style": 0.85}, 0.40,
                              gla=0.10, mcnn=0.14))
    assert [x.passed for x in t] == [True] * 5
    assert t[0].margin == pytest.approx(0.05)
    assert t[3].margin == pytest.approx(0.45)
    assert t[4].threshold == pytest.approx(0.15) and t[4].margin == pytest.approx(0.01)


def test_misses_say_by_how_much_and_why() -> None:
    t = check_targets(_report({"pitch_class": 0.80, "octave": 0.95, "style": 0.50}, 0.50,
                              gla=0.10, mcnn=0.30, judges={"pitch_class": 0.85, "octave": 1.0,
                                                           "style": 0.99}))
    pc, octave, style, versus, mcnn = t
    assert pc.passed is False and pc.margin == pytest.approx(-0.10)
    assert "judge itself scores 0.850" in pc.why
    assert octave.passed is True
    assert style.passed is False and style.why == ""  # the judge is fine: the model is not
    assert versus.passed is False and versus.margin == 0.0  # a tie is not "higher"
    assert mcnn.passed is False and "3.00x" in mcnn.why


def test_missing_parts_are_not_counted_as_passes() -> None:
    t = check_targets(_report({"pitch_class": 0.95, "octave": 0.95, "style": 0.9}, None,
                              gla=0.1, mcnn=None))
    assert t[3].passed is None and t[4].passed is None
