"""True Mel -> hpn by analysis-by-synthesis (models/hpn_fit.py): the fitted head parameters
draw the Mel they were fitted to, find the pitch and the partials that made it, and the
vocoder plays them as a note whose own log-Mel is that Mel."""

from __future__ import annotations

import numpy as np
import torch

from models.features import feature_to_amplitude
from models.hpn import HarmonicNoiseVocoder, HpnConfig
from models.hpn_fit import fit_params, render_fitted
from models.wae.harmonic_head import HarmonicMelHead
from realtime.dsp.features import FeatureConfig, log_mel

CFG = FeatureConfig()
K = 40
T = 32


def known_note(midi: float, cents: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Features ``(1, n_mels, T)`` of partials falling 6 dB an octave at ``midi`` bent by
    ``cents``, over a -75 dB noise floor; and the true pitch (Hz) and amplitudes ``(K,)``."""
    head = HarmonicMelHead(CFG, channels=1, partials=K)
    f0 = 440.0 * 2.0 ** ((midi + cents / 100.0 - 69.0) / 12.0)
    k = torch.arange(1, K + 1, dtype=torch.float32)
    amp = 0.3 / k
    freqs = (k * f0).view(1, K, 1).expand(1, K, T)
    noise = torch.full((1, CFG.n_mels, T), 10 ** (-75 / 20))
    with torch.no_grad():
        feats = head.draw(freqs, amp.view(1, K, 1).expand(1, K, T), noise)
    return feats, torch.tensor(f0), amp


def test_the_fit_finds_the_pitch_and_partials_that_drew_the_mel() -> None:
    head = HarmonicMelHead(CFG, channels=1, partials=K)
    feats, f0, amp = known_note(57, 30.0)  # A3 played 30 cents sharp
    got_f0, got_amp, _, loss = fit_params(head, feats, torch.tensor([57.0]))
    assert loss < 0.01  # feature units: 1 dB
    cents = 1200 * torch.log2(got_f0[0, 4:-4] / f0)
    assert cents.abs().max() < 5.0, cents
    # the loud partials within 2 dB of the truth (mid frames)
    db = 20 * torch.log10(got_amp[0, :8, T // 2] / amp[:8])
    assert db.abs().max() < 2.0, db


def test_the_vocoder_plays_the_fitted_note_as_its_mel() -> None:
    head = HarmonicMelHead(CFG, channels=1, partials=K)
    feats, f0, _ = known_note(64, 0.0)
    full = torch.cat([feats, feats[..., -1:].expand(1, CFG.n_mels, CFG.n_frames - T)], dim=2)
    voc = HarmonicNoiseVocoder(HpnConfig(CFG, partials=K))
    audio, loss = render_fitted(head, voc, full.numpy(), np.array([64.0]), steps=80)
    assert audio.shape == (1, CFG.note_samples) and np.isfinite(audio).all() and loss < 0.01
    heard = log_mel(audio[0], CFG)[:, 8:-8]
    want = full[0, :, 8:-8].numpy()
    loud = want > 0.4  # bins above -60 dB: the partials
    assert np.abs(heard - want)[loud].mean() < 0.03  # 3 dB on the partials
    # and its loudest bin is the fundamental's, not a wrong octave
    spec = np.abs(np.fft.rfft(audio[0, 4096:20480] * np.hanning(16384)))
    peak_hz = np.argmax(spec) * CFG.sample_rate / 16384
    assert abs(1200 * np.log2(peak_hz / float(f0))) < 25.0


def test_a_silent_mel_fits_to_silence() -> None:
    head = HarmonicMelHead(CFG, channels=1, partials=K)
    feats = torch.zeros(1, CFG.n_mels, T)  # -100 dB everywhere
    _, amp, noise, loss = fit_params(head, feats, torch.tensor([60.0]), steps=30)
    assert loss < 0.02
    assert float(amp.max()) < float(feature_to_amplitude(torch.tensor(0.1), CFG))
    assert float(noise.max()) < float(feature_to_amplitude(torch.tensor(0.1), CFG))
