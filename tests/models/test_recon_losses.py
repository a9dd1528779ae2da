"""The reconstruction losses: ``l1+sc`` adds the evaluation's decoder-fidelity figure
(spectral convergence of linear Mel magnitudes) to L1 in decibels, and weighs loud bins by
their energy where L1 weighs every bin alike."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.config import TrainConfig
from models.evaluation.metrics import mel_spectral_convergence
from models.training import losses
from realtime.dsp.features import FeatureConfig

CFG = FeatureConfig()


def _pair(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    target = torch.rand(3, 16, 20, generator=g) * 0.6
    pred = target + 0.05 * torch.randn(3, 16, 20, generator=g)
    return pred, target


def test_the_sc_term_is_the_evaluations_figure() -> None:
    pred, target = _pair()
    got = float(losses.spectral_convergence(pred, target, CFG))
    want = mel_spectral_convergence(target.numpy(), pred.numpy(), CFG)
    assert got == pytest.approx(want, rel=1e-5)
    assert float(losses.spectral_convergence(target, target, CFG)) == 0.0


def test_l1_plus_sc_is_l1_plus_the_weighted_term() -> None:
    pred, target = _pair(1)
    l1 = float(losses.reconstruction(pred, target, "l1"))
    sc = float(losses.spectral_convergence(pred, target, CFG))
    both = float(losses.reconstruction(pred, target, "l1+sc", CFG, sc_weight=0.5))
    assert both == pytest.approx(l1 + 0.5 * sc, rel=1e-6)
    with pytest.raises(ValueError, match="feature config"):
        losses.reconstruction(pred, target, "l1+sc")


def test_the_sc_term_pulls_loud_bins_harder_than_quiet_ones() -> None:
    """The same 10 dB error on a loud bin (0 dB) and on a quiet one (-80 dB): L1 gives both
    the same gradient, the SC term almost all of it to the loud one."""
    target = torch.full((1, 2, 1), 0.2)
    target[0, 0, 0] = 1.0
    pred = (target - 0.1).requires_grad_(True)
    losses.spectral_convergence(pred, target, CFG).backward()
    g = pred.grad.abs().numpy().ravel()  # type: ignore[union-attr]
    assert g[0] > 1e3 * g[1]
    pred.grad = None
    losses.reconstruction(pred, target, "l1").backward()
    g = pred.grad.abs().numpy().ravel()  # type: ignore[union-attr]
    assert np.isclose(g[0], g[1])


def test_an_unknown_loss_is_refused_by_the_config() -> None:
    with pytest.raises(ValueError, match="recon_loss"):
        TrainConfig(recon_loss="l2")
    assert TrainConfig(recon_loss="l1+sc").sc_weight > 0
