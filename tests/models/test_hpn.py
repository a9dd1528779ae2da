"""The harmonic-plus-noise vocoder (models/hpn.py) on parameters whose sound is known."""

from __future__ import annotations

import numpy as np
import torch

from models.evaluation import quality as q
from models.hpn import HarmonicNoiseVocoder, HpnConfig
from realtime.dsp.features import FeatureConfig, mel_magnitude

F = FeatureConfig()
T = F.n_frames


def _vocoder(partials: int = 4) -> HarmonicNoiseVocoder:
    return HarmonicNoiseVocoder(HpnConfig(F, partials))


def _render(f0: float, amps: list[float], noise: float = 0.0) -> np.ndarray:
    voc = _vocoder(len(amps))
    pitch = torch.full((1, T), f0)
    a = torch.tensor(amps, dtype=torch.float32).view(1, -1, 1).expand(1, len(amps), T)
    n = torch.full((1, F.n_mels, T), noise)
    with torch.no_grad():
        return voc(pitch, a.contiguous(), n)[0].numpy()


def _peaks(y: np.ndarray, freqs: list[float]) -> list[tuple[float, float]]:
    """(frequency, amplitude) of the strongest component near each of ``freqs``."""
    x = y[4096:-4096]
    w = np.hanning(len(x))
    n = 8 * len(x)  # zero-padded: the peak read within 0.1 Hz, not between two bins
    spec = np.abs(np.fft.rfft(x * w, n)) / (w.sum() / 2)
    hz = np.fft.rfftfreq(n, 1 / F.sample_rate)
    out = []
    for f in freqs:
        near = np.flatnonzero(np.abs(hz - f) < 10)
        k = near[np.argmax(spec[near])]
        out.append((float(hz[k]), float(spec[k])))
    return out


def test_partials_sound_at_whole_multiples_of_the_pitch_with_their_amplitudes() -> None:
    f0 = 220.0 * 2 ** (1 / 12)  # A#3: not a multiple of the frame rate (86.1 Hz)
    y = _render(f0, [0.5, 0.25, 0.1])
    for (hz, amp), k, want in zip(_peaks(y, [f0, 2 * f0, 3 * f0]), (1, 2, 3), (0.5, 0.25, 0.1),
                                  strict=True):  # fmt: skip
        assert abs(hz - k * f0) < 0.5 and abs(amp - want) < 0.02 * want + 0.005, (k, hz, amp)


def test_no_frame_rate_comb() -> None:
    f0 = 233.0
    y = _render(f0, [0.5, 0.25, 0.1, 0.05])
    comb = q.frame_comb_db(y[None], F.sample_rate, F.hop, np.array([58.0]))[0]
    # power at multiples of sample_rate / hop between the partials over the power half way
    # between them: 0 dB for a clean note (the shipped MCNN's notes read +27 dB)
    assert abs(comb) < 2.0, comb


def test_noise_reads_the_floor_it_was_given_in_every_mel_band() -> None:
    floor = 1e-3
    y = _render(220.0, [0.0], noise=floor)
    mel = mel_magnitude(y, F)[:, 8:-8]  # (M, T) away from the edges
    db = 20 * np.log10(np.median(mel, axis=1) / floor)
    assert abs(np.median(db)) < 1.0 and np.percentile(np.abs(db), 90) < 3.0, db

