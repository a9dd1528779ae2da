"""Loss terms: log-Mel reconstruction, Fader discriminator / adversary, MCNN spectral losses.

Reconstruction defaults to L1 on the log-Mel features. The features are a fixed dB scale,
so L1 is an error in decibels; most of a note's time-frequency plane sits near the -100 dB
floor, where MSE gives tiny gradients and lets harmonics blur into their neighbours, while
L1 keeps pulling the few loud harmonic ridges and onsets into place (sharper spectra, the
usual choice for magnitude spectrogram decoders). ``--recon mse`` is available.

``--recon l1+sc`` adds the spectral convergence of the linear Mel magnitudes
(``||A - B||_F / ||A||_F`` per note, the decoder-fidelity figure of the evaluation): L1 in
decibels weighs a -90 dB bin like a -10 dB one, so the loud partials that carry most of what
is heard get no more of the gradient than the floor; this term weighs them by their energy.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from models.config import SC_WEIGHT
from models.features import feature_to_amplitude
from realtime.dsp.features import FeatureConfig


def reconstruction(
    pred: torch.Tensor,
    target: torch.Tensor,
    kind: str = "l1",
    cfg: FeatureConfig | None = None,
    sc_weight: float = SC_WEIGHT,
) -> torch.Tensor:
    """Mean per-element error (feature units, 1.0 = 100 dB). ``(B, n_mels, T)`` each;
    ``l1+sc`` (needs ``cfg``) adds ``sc_weight`` x :func:`spectral_convergence`."""
    if kind == "l1":
        return F.l1_loss(pred, target)
    if kind == "mse":
        return F.mse_loss(pred, target)
    if kind == "l1+sc":
        if cfg is None:
            raise ValueError("l1+sc needs the feature config (dB range and floor)")
        return F.l1_loss(pred, target) + sc_weight * spectral_convergence(pred, target, cfg)
    raise ValueError(f"unknown reconstruction loss {kind!r}")


def spectral_convergence(
    pred: torch.Tensor, target: torch.Tensor, cfg: FeatureConfig
) -> torch.Tensor:
    """Mean over notes of ``||A - B||_F / ||A||_F`` on linear Mel magnitudes (A: target).
    ``(B, n_mels, T)`` features each -> scalar."""
    a = feature_to_amplitude(target, cfg).flatten(1)
    b = feature_to_amplitude(pred, cfg).flatten(1)
    return ((a - b).norm(dim=1) / a.norm(dim=1).clamp_min(1e-8)).mean()


def discriminator_loss(logits: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the latent classifier. ``logits (B, S)``, ``style (B,)`` int64."""
    return F.cross_entropy(logits, style)


def adversarial_loss(logits: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """The encoder's Fader objective: make the classifier pick a wrong style.

    Cross-entropy against a target spread uniformly over the other styles (the expectation
    of Lample et al.'s random label flip, without its sampling noise). Bounded below,
    unlike the negated classifier loss, so alpha = 4 cannot run away.
    """
    n = logits.shape[1]
    if n < 2:
        return logits.sum() * 0.0
    target = torch.full_like(logits, 1.0 / (n - 1))
    target.scatter_(1, style.unsqueeze(1), 0.0)
    return -(target * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return (logits.argmax(dim=1) == labels).float().mean()


# Magnitudes are divided by half the window sum (a full-scale sinusoid reads 1.0), and
# the log-magnitude term adds a -80 dB floor so silent tails do not dominate.
LOG_MAG_FLOOR = 1e-4


def stft_magnitude(x: torch.Tensor, n_fft: int) -> torch.Tensor:
    """``(B, samples)`` -> ``(B, n_fft/2 + 1, frames)``, hop ``n_fft / 4``."""
    window = torch.hann_window(n_fft, device=x.device, dtype=x.dtype)
    spec = torch.stft(
        x, n_fft, hop_length=n_fft // 4, window=window, center=True, return_complex=True
    )
    return spec.abs() / (window.sum() / 2)


def spectral_losses(
    pred: torch.Tensor, target: torch.Tensor, fft_sizes: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multi-resolution spectral convergence and log-magnitude L1, averaged over sizes.

    ``pred``, ``target``: ``(B, samples)``. Spectral convergence is
    ``||S - S_hat||_F / ||S||_F`` over the whole batch (Arik et al. 2018); per example, a
    near-silent crop (a release tail) would divide by almost nothing and drown the batch.
    Log-magnitude is the mean ``|log S - log S_hat|``.
    """
    sc_total = pred.new_zeros(())
    lm_total = pred.new_zeros(())
    for n_fft in fft_sizes:
        s_hat, s = stft_magnitude(pred, n_fft), stft_magnitude(target, n_fft)
        num = torch.linalg.vector_norm(s - s_hat)
        den = torch.linalg.vector_norm(s).clamp_min(1e-3)
        sc_total = sc_total + num / den
        lm_total = lm_total + F.l1_loss(
            torch.log(s_hat + LOG_MAG_FLOOR), torch.log(s + LOG_MAG_FLOOR)
        )
    k = len(fft_sizes)
    return sc_total / k, lm_total / k
