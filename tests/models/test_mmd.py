"""MMD with the multi-bandwidth RBF kernel: ~0 for prior samples, grows with a shift."""

from __future__ import annotations

import itertools

import torch

from models.wae import mmd_rbf


def test_mmd_is_about_zero_for_samples_of_the_prior() -> None:
    g = torch.Generator().manual_seed(0)
    values = [
        float(mmd_rbf(torch.randn(256, 3, generator=g), torch.randn(256, 3, generator=g)))
        for _ in range(5)
    ]
    assert max(abs(v) for v in values) < 0.02


def test_mmd_grows_with_the_shift_of_the_distribution() -> None:
    g = torch.Generator().manual_seed(1)
    prior = torch.randn(256, 3, generator=g)
    base = torch.randn(256, 3, generator=g)
    shifts = (0.0, 0.5, 1.0, 2.0, 4.0)
    values = [float(mmd_rbf(base + s, prior)) for s in shifts]
    assert values[0] < 0.02
    assert all(b > a for a, b in itertools.pairwise(values)), values
    assert values[-1] > 1.0


def test_mmd_sees_a_wrong_scale_too() -> None:
    g = torch.Generator().manual_seed(2)
    prior = torch.randn(256, 3, generator=g)
    assert float(mmd_rbf(0.1 * torch.randn(256, 3, generator=g), prior)) > 0.2
    assert float(mmd_rbf(3.0 * torch.randn(256, 3, generator=g), prior)) > 0.2


def test_mmd_is_differentiable() -> None:
    z = torch.randn(32, 3, requires_grad=True)
    mmd_rbf(z + 1.0, torch.randn(32, 3)).backward()
    assert z.grad is not None and torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0
