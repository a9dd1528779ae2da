"""The harmonic decoder head: Mel of sinusoids as the features see them, the asked pitch,
bends with a gradient; and the pitch guide of the vocoder's harmonic source."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.config import ModelConfig
from models.harmonic import HarmonicSource
from models.wae.condition import Condition
from models.wae.decoder import Decoder
from models.wae.harmonic_head import HarmonicMelHead, sinusoid_table
from realtime.dsp.features import FeatureConfig, log_mel, mel_magnitude

FC = FeatureConfig()


def comb(f0: float, amps: np.ndarray) -> np.ndarray:
    t = np.arange(FC.note_samples) / FC.sample_rate
    return sum(  # partials below Nyquist only (no aliases)
        a * np.cos(2 * np.pi * f0 * k * t) for k, a in enumerate(amps, 1) if k * f0 < FC.fmax
    )


@pytest.mark.parametrize("freq", [41.2, 77.8, 440.0, 2637.0, 9000.0])
def test_table_is_the_mel_of_a_unit_cosine(freq: float) -> None:
    start, resp = sinusoid_table(FC)
    g = round(freq)
    t = np.arange(FC.note_samples) / FC.sample_rate
    measured = mel_magnitude(np.cos(2 * np.pi * g * t), FC)[:, 64]
    row = np.zeros(FC.n_mels)
    row[start[g] : start[g] + resp.shape[1]] = resp[g]
    assert np.abs(measured - row).max() < 2e-3  # leakage below -60 dB is left out
    assert measured.max() > 0.5


def head_with(amps: np.ndarray, bend: float = 0.0) -> HarmonicMelHead:
    head = HarmonicMelHead(FC, channels=4, partials=len(amps))
    with torch.no_grad():
        for conv in (head.amp, head.noise, head.bend):
            conv.weight.zero_()
        head.amp.bias.copy_(torch.from_numpy((20 * np.log10(amps) + 100) / 100).float())
        head.noise.bias.fill_(-1.0)  # -200 dB: no noise
        head.bend.bias.fill_(float(np.arctanh(bend / head.max_bend)))
    return head


@pytest.mark.parametrize("midi", [40, 57, 76])
def test_head_draws_the_features_of_a_harmonic_note(midi: int) -> None:
    amps = 0.4 / np.arange(1, 25)
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    truth = log_mel(comb(f0, amps), FC)[:, 8:-8]
    with torch.no_grad():
        out = head_with(amps)(torch.zeros(1, 4, FC.n_frames), torch.tensor([float(midi)]))
    err = np.abs(out[0].numpy()[:, 8:-8] - truth)
    assert np.median(err) < 0.01  # 1 dB
    # Above -70 dB the partials are drawn within 2 dB; below, the dropped window leakage
    # (< -60 dB re the partial) is the noise floor's job.
    assert np.percentile(err[truth > 0.3], 90) < 0.02


def test_head_cannot_lose_the_fundamental_of_a_low_key() -> None:
    """The bug it fixes: octave-2 keys came out as the comb of the octave above."""
    midi = 40  # E2, 82.4 Hz
    with torch.no_grad():
        out = head_with(np.full(16, 0.1))(torch.zeros(1, 4, 16), torch.tensor([float(midi)]))
    start, resp = sinusoid_table(FC)
    band_f0 = start[82] + int(resp[82].argmax())
    band_half = start[41] + int(resp[41].argmax())
    spectrum = out[0, :, 8].numpy()
    assert spectrum[band_f0] > 0.75  # -25 dB or louder at f0
    assert spectrum[band_half] < spectrum[band_f0] - 0.3  # 30 dB quieter an octave below


def test_bend_moves_the_partials_and_has_a_gradient() -> None:
    head = head_with(np.full(4, 0.3), bend=1.0)
    midi = torch.tensor([57.0])
    freqs = head.frequencies(torch.zeros(1, 4, 8), midi)
    assert float(freqs[0, 0, 0].detach()) == pytest.approx(220.0 * 2 ** (1 / 12), rel=1e-4)
    x = torch.zeros(1, 4, 8)
    head.bend.bias.requires_grad_(True)
    head(x, midi).sum().backward()
    assert head.bend.bias.grad is not None and float(head.bend.bias.grad.abs()) > 0


def test_decoder_with_harmonic_head_follows_the_condition() -> None:
    cfg = ModelConfig.tiny(dec_head="harmonic", partials=8)
    dec = Decoder(cfg).eval()
    zero, one = torch.tensor([0, 0]), torch.tensor([1, 1])
    cond = Condition.from_midi(torch.tensor([45, 69]), zero, one, 1)
    with torch.no_grad():
        out = dec(torch.zeros(2, cfg.latent_dim), cond)
    assert out.shape == (2, FC.n_mels, FC.n_frames)
    assert torch.isfinite(out).all()
    with pytest.raises(ValueError, match="note condition"):
        ModelConfig.tiny(variant="wae-mmd", dec_head="harmonic")


def test_condition_midi_one_hot_mix_and_none() -> None:
    zero = torch.tensor([0, 0])
    cond = Condition.from_midi(torch.tensor([40, 84]), zero, zero, 1)
    assert cond.midi().tolist() == [40.0, 84.0]
    mixed = Condition(cond.pitch_class[:1], torch.tensor([[0, 0, 0.5, 0.5, 0, 0, 0, 0, 0]]),
                      cond.style[:1], cond.dynamics[:1])
    assert float(mixed.midi()[0]) == pytest.approx(46.0)  # E between octaves 2 and 3
    none = Condition(torch.zeros(1, 12), torch.zeros(1, 9), cond.style[:1], cond.dynamics[:1])
    assert float(none.midi()[0]) == 0.0


def test_pitch_guide_keeps_the_search_near_the_key() -> None:
    """On an ambiguous spectrum (even partials only) the guide decides within its window."""
    f0 = 82.41  # E2
    amps = np.array([0.0 if k % 2 else 0.3 for k in range(1, 31)])  # odd partials missing
    feat = torch.from_numpy(log_mel(comb(f0, amps), FC))[None]
    amp = torch.pow(10.0, (feat * FC.db_range + FC.db_floor) / 20.0)
    src = HarmonicSource(FC, 8).eval()
    with torch.no_grad():
        guided = float(src.f0(amp, torch.tensor([52.0]))[0, 64])  # asked: E3 (2 f0)
        guided_low = float(src.f0(amp, torch.tensor([40.0]))[0, 64])
    assert abs(1200 * np.log2(guided / (2 * f0))) < 30
    assert abs(1200 * np.log2(guided_low / f0)) <= 500 + 1  # never leaves the window
