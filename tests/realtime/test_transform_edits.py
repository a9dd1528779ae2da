"""Edits and source hints: parsing words, validation, applying them to a source note."""

from __future__ import annotations

import numpy as np
import pytest

from realtime.transform.edits import (
    Edits,
    NoteAttributes,
    SourceHints,
    parse_dynamics,
    parse_pitch,
    parse_styles,
)
from realtime.transform.errors import TransformError

NAMES = ("piano", "english horn", "violin")
SOURCE = NoteAttributes(pitch=60, style=(1.0, 0.0, 0.0), velocity=80.0)


def test_parse_words() -> None:
    assert parse_styles(["violin=0.5", "english horn=0.25,piano"]) == (
        ("violin", 0.5),
        ("english horn", 0.25),
        ("piano", 1.0),
    )
    assert parse_pitch("A4") == 69 and parse_pitch("Db3") == 49 and parse_pitch("60") == 60
    assert parse_dynamics("pp") == 40 and parse_dynamics("FF") == 120
    assert parse_dynamics("96") == 96


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: parse_styles(["violin=loud"]), "not a number"),
        (lambda: parse_styles(["=1"]), "NAME=WEIGHT"),
        (lambda: parse_pitch("H2"), "note name"),
        (lambda: parse_dynamics("fff"), "pp, mf, ff"),
        (lambda: parse_dynamics("200"), "outside 1..127"),
        (lambda: Edits(pitch=60, transpose=2), "not both"),
        (lambda: Edits(pitch=130), "outside the model's nine octaves"),
        (lambda: Edits(style=(("violin", 5.0),)), "outside 0..4"),
        (lambda: Edits(style=(("violin", 0.0),)), "all zero"),
        (lambda: Edits(style=(("violin", 1.0), ("violin", 2.0))), "twice"),
        (lambda: Edits(latent_scale=-1.0), "latent scale"),
        (lambda: Edits(latent_scale=float("nan")), "latent scale"),
        (lambda: SourceHints(pitch=5), "source pitch"),
    ],
)
def test_bad_requests_say_what_is_wrong(call, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TransformError, match=words):
        call()


def test_apply_keeps_what_is_not_asked() -> None:
    assert Edits().apply(SOURCE, NAMES) == SOURCE
    up = Edits(transpose=12).apply(SOURCE, NAMES)
    assert up.pitch == 72 and up.style == SOURCE.style and up.velocity == 80
    t = Edits(style=(("violin", 0.5), ("english horn", 0.5)), pitch=50, velocity=40).apply(
        SOURCE, NAMES
    )
    assert t.style == (0.0, 0.5, 0.5) and t.pitch == 50
    np.testing.assert_array_equal(t.dynamics, [1.0, 0.0, 0.0])


def test_apply_refuses_unknown_styles_and_pitches_off_the_layout() -> None:
    with pytest.raises(TransformError, match=r"unknown style 'oboe'.*piano, english horn"):
        Edits(style=(("oboe", 1.0),)).apply(SOURCE, NAMES)
    with pytest.raises(TransformError, match="target pitch 120"):
        Edits(transpose=60).apply(SOURCE, NAMES)


def test_describe_names_the_note() -> None:
    d = NoteAttributes(69, (0.0, 0.0, 1.0), 120.0).describe(NAMES)
    assert d == {"pitch": 69, "note": "A4", "style": {"violin": 1.0}, "velocity": 120.0,
                 "dynamics": "ff"}  # fmt: skip
    assert NoteAttributes(69, (0.0, 0.0, 1.0), 96.0).describe(NAMES)["dynamics"] == "velocity 96"
