"""True Mel -> the harmonic-plus-noise vocoder, by analysis-by-synthesis.

The hpn vocoder (:mod:`models.hpn`) plays the harmonic head's parameters (pitch, partials,
noise floor), not a Mel. To read decoder and vocoder errors apart, ``bench quality`` needs
what the vocoder makes of the parameters a perfect decoder would give for the library's
note. They are found per note in two steps:

1. pitch per frame: the MCNN's harmonic-template search on the Mel (:class:`HarmonicSource`,
   guided by the key: the synth always knows it), which follows vibrato, trills and glides;
2. partial amplitudes and noise floor, the pitch fixed: Adam so that the head's own drawing
   (:meth:`HarmonicMelHead.draw`, the features exactly as the decoder is trained on them)
   matches the true log-Mel in L1, the decoder's training loss. Partials start at the Mel
   band they fall in, the noise floor 30 dB under the Mel.

A band's energy can be drawn by a partial or by noise alike; a small pull down on the noise
gives the partials what they can draw (the vocoder plays a partial as a partial and noise as
noise: the harmonic-to-noise ratio depends on the split).

Shapes: features ``(B, n_mels, T)`` in feature units, ``midi (B,)``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import torch

from models.features import feature_to_amplitude
from models.harmonic import HarmonicSource, mel_edges
from models.hpn import HarmonicNoiseVocoder
from models.wae.harmonic_head import HarmonicMelHead
from realtime.dsp.features import FeatureConfig

FIT_STEPS = 150
FIT_LR = 0.03
NOISE_START = 0.3  # feature units under the Mel (30 dB)
NOISE_PULL = 0.03
BATCH = 16


@lru_cache(maxsize=2)
def _source(cfg: FeatureConfig) -> HarmonicSource:
    return HarmonicSource(cfg, partials=1)


def mel_pitch(cfg: FeatureConfig, feats: torch.Tensor, midi: torch.Tensor) -> torch.Tensor:
    """Pitch per frame ``(B, T)`` Hz of true features, searched near the key ``midi (B,)``."""
    with torch.no_grad():
        return _source(cfg).f0(feature_to_amplitude(feats, cfg), midi)


def fit_params(head: HarmonicMelHead, feats: torch.Tensor, midi: torch.Tensor,
               steps: int = FIT_STEPS, lr: float = FIT_LR
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """Head parameters for true features ``(B, n_mels, T)``: pitch ``(B, T)`` Hz, partial
    amplitudes ``(B, K, T)`` and noise floor ``(B, n_mels, T)`` (linear, as
    :meth:`HarmonicMelHead.params`), and the final L1 in feature units."""
    cfg = head.cfg
    f0 = mel_pitch(cfg, feats, midi)  # (B, T)
    freqs = head.k * f0.unsqueeze(1)  # (B, K, T)
    centres = torch.from_numpy(mel_edges(cfg)[1:-1].astype(np.float32))  # the triangles' peaks
    band = torch.bucketize(freqs, centres).clamp(max=cfg.n_mels - 1)
    amp_f = torch.gather(feats, 1, band).clone().requires_grad_(True)
    noise_f = (feats - NOISE_START).clone().requires_grad_(True)
    opt = torch.optim.Adam([amp_f, noise_f], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=lr * 0.1)
    loss = torch.zeros(())
    for _ in range(steps):
        drawn = head.draw(freqs, feature_to_amplitude(amp_f, cfg),
                          feature_to_amplitude(noise_f, cfg))
        loss = (drawn - feats).abs().mean()
        opt.zero_grad()
        (loss + NOISE_PULL * noise_f.mean()).backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        amp = feature_to_amplitude(amp_f, cfg) * (freqs < cfg.fmax).to(feats.dtype)
        return f0, amp, feature_to_amplitude(noise_f, cfg), float(loss)


def render_fitted(head: HarmonicMelHead, vocoder: HarmonicNoiseVocoder, features: np.ndarray,
                  midi: np.ndarray, steps: int = FIT_STEPS,
                  tick: Callable[[int], None] = lambda n: None) -> tuple[np.ndarray, float]:
    """True log-Mel ``(B, n_mels, T)`` -> the vocoder's audio ``(B, T * hop)`` of the fitted
    parameters, and the fit's mean L1 (feature units) over the notes."""
    out, losses = [], []
    for s in range(0, len(features), BATCH):
        f = torch.from_numpy(np.ascontiguousarray(features[s : s + BATCH], dtype=np.float32))
        m = torch.from_numpy(np.asarray(midi[s : s + BATCH], np.float32))
        f0, amp, noise, loss = fit_params(head, f, m, steps)
        with torch.no_grad():
            out.append(vocoder(f0, amp, noise).numpy())
        losses.append(loss * len(f))
        tick(len(f))
    return np.concatenate(out).astype(np.float32), float(sum(losses) / max(1, len(features)))
