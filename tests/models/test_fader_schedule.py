"""The Fader alpha schedule at its edges, the adversarial losses, gradient routing."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from synth_corpus import TINY_FEATURES

from models.config import ModelConfig, TrainConfig
from models.training.losses import adversarial_loss, discriminator_loss
from models.training.schedule import alpha_at, lr_factor
from models.training.wae_task import WAEObjective
from models.wae import WAE, Condition


def test_alpha_is_zero_during_pre_classification() -> None:
    assert alpha_at(0, 1000) == 0.0
    assert alpha_at(99, 1000, pre_fraction=0.1) == 0.0


def test_alpha_rises_linearly_to_4_at_half_of_training() -> None:
    assert alpha_at(100, 1000, pre_fraction=0.1) == 0.0  # the rise starts from 0
    assert alpha_at(300, 1000, pre_fraction=0.1) == pytest.approx(2.0)
    assert alpha_at(499, 1000, pre_fraction=0.1) == pytest.approx(4.0 * 399 / 400)
    assert alpha_at(500, 1000, pre_fraction=0.1) == 4.0


def test_alpha_stays_at_4_until_the_end() -> None:
    assert alpha_at(750, 1000) == 4.0
    assert alpha_at(999, 1000) == 4.0
    steps = [alpha_at(s, 1000) for s in range(1000)]
    assert all(b >= a for a, b in itertools.pairwise(steps))


def test_alpha_without_pre_classification_and_custom_max() -> None:
    assert alpha_at(0, 100, alpha_max=2.0, pre_fraction=0.0) == 0.0
    assert alpha_at(25, 100, alpha_max=2.0, pre_fraction=0.0) == pytest.approx(1.0)
    assert alpha_at(50, 100, alpha_max=2.0, pre_fraction=0.0) == 2.0


def test_lr_factor_warms_up_then_decays_to_the_final_fraction() -> None:
    assert lr_factor(0, 100, 10, 0.1) == pytest.approx(0.1)
    assert lr_factor(9, 100, 10, 0.1) == pytest.approx(1.0)
    assert lr_factor(10, 100, 10, 0.1) == pytest.approx(1.0)
    assert lr_factor(100, 100, 10, 0.1) == pytest.approx(0.1)


def test_adversarial_loss_is_lowest_when_the_classifier_is_wrong() -> None:
    style = torch.tensor([0, 1])
    right = torch.tensor([[9.0, 0, 0], [0, 9.0, 0]])
    wrong = torch.tensor([[0, 4.5, 4.5], [4.5, 0, 4.5]])
    uniform = torch.zeros(2, 3)
    assert (
        adversarial_loss(wrong, style)
        < adversarial_loss(uniform, style)
        < adversarial_loss(right, style)
    )
    assert discriminator_loss(right, style) < discriminator_loss(wrong, style)
    assert adversarial_loss(wrong, style) >= math.log(2) - 1e-3  # bounded below


def test_each_network_gets_only_its_own_objective() -> None:
    """The discriminator learns from z.detach(); the encoder fools a detached copy."""
    torch.manual_seed(0)
    cfg = ModelConfig.tiny(
        variant="wae-fader", n_styles=3, style_names=("a", "b", "c"), features=TINY_FEATURES
    )
    wae = WAE(cfg)
    obj = WAEObjective(wae, TrainConfig(mmd_weight=0.0))
    x = torch.rand(6, TINY_FEATURES.n_mels, TINY_FEATURES.n_frames)
    lab = torch.tensor([0, 1, 2, 0, 1, 2])
    c = Condition.from_labels(lab, lab + 3, lab, lab, 3)
    out = obj(x, *c.tensors(), lab, torch.randn(6, 3), 4.0)
    # Discriminator loss alone: no gradient reaches the encoder.
    disc_grads = torch.autograd.grad(
        out["disc"], [*wae.encoder.parameters()], allow_unused=True, retain_graph=True
    )
    assert all(g is None for g in disc_grads)
    # Adversarial term alone: no gradient reaches the discriminator, some reaches the encoder.
    adv_d = torch.autograd.grad(
        out["adv"], [*wae.discriminator.parameters()], allow_unused=True, retain_graph=True
    )
    assert all(g is None for g in adv_d)
    adv_e = torch.autograd.grad(out["adv"], [*wae.encoder.parameters()], allow_unused=True)
    assert any(g is not None and g.abs().sum() > 0 for g in adv_e)
