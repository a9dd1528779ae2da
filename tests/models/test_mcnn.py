"""MCNN: output length, prefix (chunked) rendering, geometry, the scaled softsign."""

from __future__ import annotations

import pytest
import torch
from synth_corpus import TINY_FEATURES

from models.config import MCNNConfig
from models.mcnn import MCNN, transposed_padding
from realtime.dsp.features import FeatureConfig

# Head geometry only (harmonics=0); the harmonic source is tested in test_harmonic.py.
CONFIGS = {
    "default": MCNNConfig(harmonics=0),
    "tiny": MCNNConfig.tiny(TINY_FEATURES, harmonics=0),
    "stride2": MCNNConfig(
        strides=(2,) * 8,
        kernels=(4,) * 8,
        channels=(16, 16, 8, 8, 4, 4, 2, 1),
        n_heads=1,
        harmonics=0,
    ),
    "odd": MCNNConfig(
        strides=(4, 4, 4, 4), kernels=(7, 9, 4, 5), channels=(8, 8, 4, 1), harmonics=0
    ),
}


@pytest.mark.parametrize("frames", [1, 9, 16])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_output_length_is_hop_times_frames(name: str, frames: int) -> None:
    cfg = CONFIGS[name]
    with torch.no_grad():
        y = MCNN(cfg)(torch.rand(2, cfg.features.n_mels, frames))
    assert y.shape == (2, frames * cfg.features.hop)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_prefix_plus_lookahead_renders_exactly_the_full_render(name: str) -> None:
    torch.manual_seed(0)
    cfg = CONFIGS[name]
    model = MCNN(cfg).eval()
    x = torch.rand(1, cfg.features.n_mels, 16)
    hop, k = cfg.features.hop, 5
    la = model.lookahead_frames()
    with torch.no_grad():
        full = model(x)
        exact = model(x[:, :, : k + la])[:, : k * hop]
        alone = model(x[:, :, :k])
    torch.testing.assert_close(exact, full[:, : k * hop], rtol=0, atol=1e-6)
    # Alone, only the documented edge region at the end may differ.
    good = k * hop - model.edge_samples()
    torch.testing.assert_close(alone[:, :good], full[:, :good], rtol=0, atol=1e-6)
    if model.edge_samples():
        assert (alone[:, good:] - full[:, good : k * hop]).abs().max() > 0


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_geometry_matches_the_measured_receptive_field(name: str) -> None:
    """Perturb one frame; the samples that move tell lookahead and left context."""
    torch.manual_seed(1)
    cfg = CONFIGS[name]
    model = MCNN(cfg).eval()
    hop, t, j = cfg.features.hop, 12, 6
    x = torch.rand(1, cfg.features.n_mels, t)
    y = x.clone()
    y[:, :, j] += 1.0
    with torch.no_grad():
        moved = ((model(x) - model(y)).abs() > 0)[0].nonzero().flatten()
    first_frame, last_frame = int(moved.min()) // hop, int(moved.max()) // hop
    assert j - first_frame == model.lookahead_frames()  # frame j changes earlier frames' audio
    assert last_frame - j == model.left_context_frames()
    # The earliest sample frame j reaches starts the edge region of a j-frame prefix.
    assert int(moved.min()) == j * hop - model.edge_samples()


def test_transposed_padding_keeps_the_length() -> None:
    for k in range(4, 17):
        pad, out_pad = transposed_padding(k, 4)
        assert (10 - 1) * 4 - 2 * pad + k + out_pad == 40


def test_scaled_softsign_bounds_the_output() -> None:
    model = MCNN(CONFIGS["tiny"])
    with torch.no_grad():
        model.softsign_a.fill_(0.5)
        model.softsign_b.fill_(2.0)
        y = model(1.0 + torch.rand(1, TINY_FEATURES.n_mels, 4))  # up to +100 dB: saturates
    assert y.abs().max() <= 0.5 / 2.0 + 1e-6
    assert {n for n, _ in model.named_parameters()} >= {"head_scale", "softsign_a", "softsign_b"}


def test_config_checks_and_round_trip() -> None:
    assert MCNNConfig.from_dict(CONFIGS["odd"].to_dict()) == CONFIGS["odd"]
    with pytest.raises(ValueError, match="product of strides"):
        MCNNConfig(features=FeatureConfig(hop=128))
    with pytest.raises(ValueError, match="1 channel"):
        MCNNConfig(channels=(8, 8, 8, 2))
