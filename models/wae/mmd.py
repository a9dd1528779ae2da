"""Maximum mean discrepancy with a multi-bandwidth RBF kernel, against a Gaussian prior."""

from __future__ import annotations

from collections.abc import Sequence

import torch

DEFAULT_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def rbf_kernel(a: torch.Tensor, b: torch.Tensor, scales: Sequence[float]) -> torch.Tensor:
    """Sum over bandwidths of ``exp(-|a_i - b_j|^2 / (2 * L * s))``. ``(N, L), (M, L) -> (N, M)``.

    Bandwidths scale with the latent size L so that one set of scales suits any L (the
    expected squared distance of two prior samples is 2L).
    """
    d2 = torch.cdist(a, b).pow(2)
    dim = a.shape[1]
    return sum((torch.exp(-d2 / (2.0 * dim * s)) for s in scales), torch.zeros_like(d2))


def mmd_rbf(
    z: torch.Tensor, prior: torch.Tensor, scales: Sequence[float] = DEFAULT_SCALES
) -> torch.Tensor:
    """Unbiased MMD^2 estimate between samples ``z (N, L)`` and ``prior (M, L)``; scalar.

    Diagonal terms are left out of the within-set means, so the estimate is ~0 (and may
    be slightly negative) when both sets come from the same distribution.
    """
    n, m = z.shape[0], prior.shape[0]
    kzz = rbf_kernel(z, z, scales)
    kpp = rbf_kernel(prior, prior, scales)
    kzp = rbf_kernel(z, prior, scales)
    within_z = (kzz.sum() - kzz.diagonal().sum()) / (n * (n - 1))
    within_p = (kpp.sum() - kpp.diagonal().sum()) / (m * (m - 1))
    return within_z + within_p - 2.0 * kzp.mean()
