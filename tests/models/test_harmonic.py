"""The MCNN's harmonic source: pitch from Mel features, in-tune partials, exact prefixes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.config import MCNNConfig
from models.harmonic import HarmonicSource, additive, frame_phase, sine_table
from models.mcnn import MCNN
from realtime.dsp.features import FeatureConfig, log_mel

FC = FeatureConfig()


def tone(f0: float, partials: int = 8, seconds: float | None = None) -> np.ndarray:
    n = FC.note_samples
    t = np.arange(n) / FC.sample_rate
    x = sum(
        0.3 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, partials + 1) if k * f0 < 10000
    )
    return np.asarray(x, dtype=np.float32)


def source(partials: int = 16) -> HarmonicSource:
    return HarmonicSource(FC, partials).eval()


def amp_of(feat: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(feat)[None]
    return torch.pow(10.0, (x * FC.db_range + FC.db_floor) / 20.0)


@pytest.mark.parametrize("midi", [33, 45, 57, 62, 69, 76, 88, 100])
def test_pitch_from_mel_features_within_15_cents(midi: int) -> None:
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    with torch.no_grad():
        est = source().f0(amp_of(log_mel(tone(f0), FC)))[0, 4:-4]
    cents = 1200 * torch.log2(est / f0)
    assert cents.abs().max() < 15, cents


def test_partials_sit_at_the_true_frequencies_not_on_the_hop_comb() -> None:
    """A 440 Hz tone comes back at 440 Hz (an untrained MCNN head stack cannot)."""
    x = tone(440.0)
    feat = log_mel(x, FC)
    with torch.no_grad():
        y = source(16)(amp_of(feat), torch.from_numpy(feat)[None])[0].numpy()
    seg = slice(8192, 8192 + 16384)
    spec = np.abs(np.fft.rfft(y[seg] * np.hanning(16384)))
    peak = np.fft.rfftfreq(16384, 1 / FC.sample_rate)[spec.argmax()]
    assert abs(peak - 440.0) < 3.0
    # Level: unit-height Mel triangles read partial amplitudes, so the RMS is about right.
    assert np.sqrt((y[seg] ** 2).mean()) == pytest.approx(np.sqrt((x[seg] ** 2).mean()), rel=0.35)


def test_wavetable_partials_equal_direct_sines() -> None:
    """The per-frame wavetables used for speed match sin(k * phase) computed directly
    (float64)."""
    torch.manual_seed(0)
    src = source(12)
    feat = torch.rand(1, FC.n_mels, 8) * 0.7
    amp = torch.pow(10.0, (feat * 100 - 100) / 20)
    with torch.no_grad():
        got = src(amp, feat)[0]
        f0 = src.f0(amp)[0].double()
        freqs = src.k[0, :, 0, None].double() * f0  # (K, T)
        a = (
            src.amplitudes(amp, freqs[None].float(), f0[None].float())[0].double()
            * torch.exp(src.gain(feat))[0].double()
        )
    # Direct reference in float64: sample-accurate phase and amplitude interpolation.
    hop, sr = FC.hop, FC.sample_rate
    f_next = torch.cat([f0[1:], f0[-1:]])
    a_next = torch.cat([a[:, 1:], a[:, -1:]], dim=1)
    j = torch.arange(hop, dtype=torch.float64) / hop
    exact = (f0 + f_next) * 0.5 * hop / sr
    per_frame = torch.round(exact * src.quanta) / src.quanta
    start = torch.cumsum(per_frame, 0) - per_frame
    ramp = (f0[:, None] * j + 0.5 * (f_next - f0)[:, None] * j**2) * hop / sr
    phase = start[:, None] + ramp * (per_frame / exact)[:, None]
    k = torch.arange(1, 13, dtype=torch.float64)[:, None, None]
    amp_s = a[:, :, None] + (a_next - a)[:, :, None] * j
    ref = (amp_s * torch.sin(2 * np.pi * k * phase[None])).sum(0).flatten()
    torch.testing.assert_close(got.double(), ref, atol=2e-4 * float(ref.abs().max()), rtol=0)


@pytest.mark.parametrize("k", [1, 20, 80])
def test_the_highest_partials_stay_within_the_tables_interpolation_error(k: int) -> None:
    """Partial k alone, gliding over the note, against sin(2 pi k phase) in float64: off by at
    most (2 pi k / size)^2 / 8 of its amplitude (-42 dB at k = 80), as the docs say."""
    T, quanta = 32, 2.0**10
    f0 = torch.linspace(60.0, 120.0, T).view(1, T)  # partial 80 up to 9.6 kHz < fmax
    a = torch.zeros(1, k, T)
    a[0, k - 1] = torch.linspace(0.2, 1.0, T)
    sines = torch.from_numpy(sine_table(k))
    got = additive(f0, a, FC.hop, FC.sample_rate, quanta, sines)[0].double()
    phase = frame_phase(f0, FC.hop, FC.sample_rate, quanta)[0].double().flatten()
    amp = a[0, k - 1].double()
    ramp = torch.cat([amp[1:], amp[-1:]]) - amp
    amp_s = (amp[:, None] + ramp[:, None] * torch.arange(FC.hop) / FC.hop).flatten()
    ref = amp_s * torch.sin(2 * np.pi * k * phase)
    bound = (2 * np.pi * k / (sines.shape[1] - 1)) ** 2 / 8 + 1e-5
    assert float((got - ref).abs().max()) <= bound


def test_mcnn_with_harmonics_renders_prefixes_exactly() -> None:
    torch.manual_seed(0)
    cfg = MCNNConfig(harmonics=8, channels=(16, 8, 4, 1))
    model = MCNN(cfg).eval()
    feat = torch.from_numpy(log_mel(tone(330.0), FC))[None]
    k, hop = 6, FC.hop
    la = model.lookahead_frames()
    assert la == 2
    with torch.no_grad():
        full = model(feat)
        prefix = model(feat[:, :, : k + la])[:, : k * hop]
        alone = model(feat[:, :, :k])
    # Equal up to float rounding (matrix products of other sizes sum in another order).
    tol = 1e-4 * float(full.abs().max())
    torch.testing.assert_close(prefix, full[:, : k * hop], rtol=0, atol=tol)
    good = k * hop - model.edge_samples()
    torch.testing.assert_close(alone[:, :good], full[:, :good], rtol=0, atol=tol)
    assert (alone[:, good:] - full[:, good : k * hop]).abs().max() > 10 * tol
    assert full.shape == (1, FC.note_samples)


def test_partials_above_fmax_are_muted() -> None:
    src = source(8)
    amp = torch.ones(1, FC.n_mels, 3)
    freqs = torch.tensor([[[100.0] * 3, [FC.fmax + 10.0] * 3]])
    out = src.amplitudes(amp, freqs, torch.full((1, 3), 100.0))
    assert torch.all(out[0, 0] > 0.5) and torch.all(out[0, 1] == 0)


def test_frame_phase_sums_are_exact_whatever_the_order() -> None:
    """Snapped cycles per frame add up exactly in float32 (so onnxruntime = torch)."""
    src = source(4)
    g = torch.Generator().manual_seed(0)
    f0 = 30.0 + 4000.0 * torch.rand(1, FC.n_frames, generator=g)
    step = torch.round(f0 * (FC.hop / FC.sample_rate) * src.quanta) / src.quanta
    forward = torch.cumsum(step, 1)[0, -1]
    backward = torch.cumsum(step.flip(1), 1)[0, -1]
    assert float(forward) == float(backward) == float(step.double().sum())
    # The snap moves the pitch by less than 0.05 Hz.
    assert float((step - f0 * FC.hop / FC.sample_rate).abs().max() * FC.sample_rate / FC.hop) < 0.05
