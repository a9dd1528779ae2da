"""The WAE family: shapes, determinism, and the decoder's conditioning."""

from __future__ import annotations

import pytest
import torch
from synth_corpus import TINY_FEATURES

from models.config import VARIANTS, ModelConfig
from models.wae import WAE, Condition

STYLES = ("a", "b", "c")


def tiny(variant: str) -> ModelConfig:
    return ModelConfig.tiny(variant=variant, n_styles=3, style_names=STYLES, features=TINY_FEATURES)


def cond(pc: int = 0, octv: int = 4, style: int = 0, dyn: int = 1, b: int = 2) -> Condition:
    full = torch.full((b,), 1, dtype=torch.long)
    return Condition.from_labels(full * pc, full * octv, full * style, full * dyn, len(STYLES))


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_builds_with_the_right_shapes(variant: str) -> None:
    torch.manual_seed(0)
    model = WAE(tiny(variant))
    x = torch.rand(4, TINY_FEATURES.n_mels, TINY_FEATURES.n_frames)
    rec, z = model(x, cond(b=4))
    assert rec.shape == x.shape
    assert z.shape == (4, 3)
    assert (model.discriminator is not None) == (variant == "wae-fader")
    if model.discriminator is not None:
        assert model.discriminator(z).shape == (4, len(STYLES))


def test_encoder_is_deterministic_in_eval_mode() -> None:
    model = WAE(tiny("wae-fader")).eval()
    x = torch.rand(3, TINY_FEATURES.n_mels, TINY_FEATURES.n_frames)
    assert torch.equal(model.encoder(x), model.encoder(x))
    # BatchNorm in eval: one example's z does not depend on its batch mates.
    assert torch.allclose(model.encoder(x[:1]), model.encoder(x)[:1], atol=1e-6)


@pytest.mark.parametrize(
    ("variant", "change"),
    [
        ("wae-note", {"pc": 5}),
        ("wae-note", {"octv": 2}),
        ("wae-note", {"dyn": 2}),
        ("wae-style", {"style": 2}),
        ("wae-fader", {"style": 1}),
        ("wae-fader", {"pc": 7}),
    ],
)
def test_changing_the_condition_changes_the_output_with_z_fixed(
    variant: str, change: dict[str, int]
) -> None:
    torch.manual_seed(0)
    dec = WAE(tiny(variant)).eval().decoder
    z = torch.randn(2, 3)
    with torch.no_grad():
        a, b = dec(z, cond()), dec(z, cond(**change))
    assert (a - b).abs().max() > 1e-4


def test_wae_note_ignores_the_style_and_wae_mmd_ignores_everything() -> None:
    torch.manual_seed(0)
    z = torch.randn(2, 3)
    note = WAE(tiny("wae-note")).eval().decoder
    mmd = WAE(tiny("wae-mmd")).eval().decoder
    with torch.no_grad():
        assert torch.equal(note(z, cond(style=0)), note(z, cond(style=2)))
        assert torch.equal(mmd(z, cond(pc=0)), mmd(z, cond(pc=9, style=2)))
        assert torch.equal(mmd(z, None), mmd(z, cond()))
    with pytest.raises(ValueError, match="needs a condition"):
        note(z, None)


def test_fader_mixes_are_accepted_and_move_between_the_pure_styles() -> None:
    """Non-negative mixes (also above 1) decode; a 50/50 mix lies between the pure styles."""
    torch.manual_seed(0)
    dec = WAE(tiny("wae-fader")).eval().decoder
    z = torch.randn(1, 3)
    base = cond(b=1)

    def with_style(w: list[float]) -> torch.Tensor:
        c = Condition(base.pitch_class, base.octave, torch.tensor([w]), base.dynamics)
        with torch.no_grad():
            return dec(z, c)

    a, b = with_style([1, 0, 0]), with_style([0, 1, 0])
    mix = with_style([0.5, 0.5, 0])
    loud = with_style([2.0, 0, 0])
    assert torch.isfinite(loud).all() and (loud - a).abs().max() > 1e-4
    assert (mix - a).abs().mean() < (b - a).abs().mean()
    assert (mix - b).abs().mean() < (b - a).abs().mean()


def test_condition_helpers() -> None:
    c = Condition.from_midi(
        torch.tensor([60, 21, 127]), torch.tensor([0, 1, 2]), torch.tensor([0, 1, 2]), 3
    )
    assert c.pitch_class.argmax(1).tolist() == [0, 9, 7]
    assert c.octave.argmax(1).tolist() == [4, 0, 8]  # 127 -> octave 9, clipped to 8
    assert c.vector(note=True, style=True).shape == (3, 12 + 9 + 3 + 3)
    assert c.vector(note=True, style=False).shape == (3, 24)
    assert c.vector(note=False, style=False).shape == (3, 0)
    assert c[1:].batch_size == 2


def test_model_config_round_trips_through_json() -> None:
    cfg = tiny("wae-style")
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown variant"):
        ModelConfig(variant="wae-vae")
    with pytest.raises(ValueError, match="unknown keys"):
        ModelConfig.from_dict({**cfg.to_dict(), "colour": 1})
