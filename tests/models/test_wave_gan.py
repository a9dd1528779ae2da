"""Adversarial training on the played notes: the discriminators, their losses, the one-backward
split of gradients, and ``train --gan-weight`` end to end (with an exact resume)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import torch
from synth_corpus import make_corpus

from models.config import ModelConfig, TrainConfig
from models.training import cli_train
from models.training.wae_task import WAEObjective
from models.wae.condition import Condition
from models.wae.model import WAE
from models.wave_discriminators import (
    WaveDiscConfig,
    WaveDiscriminator,
    aligned_crops,
    discriminator_loss,
    feature_matching,
    generator_loss,
)

FAST = ["--threads", "1", "--no-progress"]
SMALL = WaveDiscConfig(periods=(2, 3), ffts=(128, 256), channels=8)


def tone(n: int, hz: float = 440.0, sr: int = 22050) -> torch.Tensor:
    t = torch.arange(n) / sr
    return 0.5 * torch.sin(2 * math.pi * hz * t)


def test_every_discriminator_judges_any_length() -> None:
    disc = WaveDiscriminator(SMALL)
    for n in (4096, 4097):  # an odd length is folded with a reflected pad
        judged = disc(torch.randn(3, n))
        assert len(judged) == 4
        for logits, feats in judged:
            assert logits.shape[0] == 3 and torch.isfinite(logits).all()
            assert len(feats) == 4 and all(f.shape[0] == 3 for f in feats)


def test_the_discriminators_learn_to_tell_a_tone_from_noise() -> None:
    torch.manual_seed(0)
    disc = WaveDiscriminator(SMALL)
    opt = torch.optim.Adam(disc.parameters(), 2e-3, betas=(0.8, 0.99))
    real = torch.stack([tone(4096, hz) for hz in (220.0, 330.0, 440.0, 550.0)])
    losses = []
    for _ in range(40):
        fake = 0.3 * torch.randn(4, 4096)
        loss = discriminator_loss(disc(real), disc(fake))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert sum(losses[-5:]) / 5 < 0.3 * sum(losses[:5]) / 5
    # and a generator that plays noise is now told it is far from real
    assert float(generator_loss(disc(0.3 * torch.randn(4, 4096)))) > 0.5


def test_feature_matching_is_zero_for_the_same_notes_and_grows_with_the_difference() -> None:
    disc = WaveDiscriminator(SMALL)
    real = tone(4096).unsqueeze(0)
    assert float(feature_matching(disc(real), disc(real.clone()))) == 0.0
    near = float(feature_matching(disc(real), disc(real + 0.01 * torch.randn_like(real))))
    far = float(feature_matching(disc(real), disc(real + 0.3 * torch.randn_like(real))))
    assert 0 < near < far


def test_aligned_crops_cut_the_same_window_in_the_first_half() -> None:
    x = torch.arange(1000.0).repeat(4, 1)
    g = torch.Generator().manual_seed(0)
    a, b = aligned_crops(x, x + 0.5, 200, g)
    assert a.shape == b.shape == (4, 200)
    assert torch.equal(b - a, torch.full_like(a, 0.5))  # the same samples of both
    assert (a[:, 0] <= 500).all() and torch.equal(a[:, 1:] - a[:, :-1], torch.ones(4, 199))
    whole, _ = aligned_crops(x, x, 5000)  # longer than the note: the whole note
    assert whole.shape == (4, 1000)


def objective_and_batch() -> tuple[WAEObjective, tuple[torch.Tensor, ...]]:
    torch.manual_seed(0)
    model = WAE(ModelConfig.tiny(variant="wae-note", n_styles=2, style_names=("a", "b"),
                                dec_head="harmonic"))
    tcfg = TrainConfig(gan_weight=1.0, gan_crop=1024, wave_batch=2)
    obj = WAEObjective(model, tcfg)
    f = model.cfg.features
    b = 3
    x = torch.rand(b, f.n_mels, f.n_frames) * 0.5
    cond = Condition.from_labels(torch.tensor([0, 4, 7]), torch.tensor([4, 4, 5]),
                                 torch.tensor([0, 1, 0]), torch.tensor([0, 1, 1]), 2)
    audio = torch.stack([tone(f.n_frames * f.hop, hz, f.sample_rate) for hz in (262, 330, 392)])
    prior = torch.randn(b, model.cfg.latent_dim)
    return obj, (x, *cond.tensors(), torch.tensor([0, 1, 0]), prior, 0.0, audio)


def grads(module: torch.nn.Module) -> float:
    return sum(float(p.grad.abs().sum()) for p in module.parameters() if p.grad is not None)


def test_one_backward_gives_each_side_only_its_own_objective() -> None:
    obj, batch = objective_and_batch()
    assert obj.wave_disc is not None
    out = obj(*batch)
    assert {"gan_d", "gan_g", "gan_fm"} <= set(out) and "wave" not in out  # wave_weight 0
    out["gan_g"].backward(retain_graph=True)  # the decoder's objective ...
    assert grads(obj.wave_disc) == 0.0 and grads(obj.model.decoder) > 0
    obj.zero_grad()
    out["gan_d"].backward()  # ... and the discriminators'
    assert grads(obj.wave_disc) > 0 and grads(obj.model.decoder) == 0.0


def rows(run: Path) -> list[dict[str, str]]:
    with open(run / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_gan_training_runs_from_the_cli_and_resumes_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    common = ["--model", "wae-note", "--data", str(corpus), "--tiny", "--dec-head", "harmonic",
              "--steps", "8", "--checkpoint-every", "4", "--gan-weight", "0.5",
              "--gan-crop", "2048", "--wave-weight", "0.1", "--wave-batch", "2", *FAST]
    split, whole = tmp_path / "split", tmp_path / "whole"
    assert cli_train.main([*common, "--out", str(split), "--until", "4"]) == 0
    assert "wave_disc" in torch.load(split / "checkpoint.pt", weights_only=False)
    assert cli_train.main([*common, "--out", str(split), "--resume"]) == 0
    assert cli_train.main([*common, "--out", str(whole)]) == 0
    a, b = rows(split), rows(whole)
    assert len(a) == len(b) == 8
    for ra, rb in zip(a, b, strict=True):
        for term in ("gan_d", "gan_g", "gan_fm", "wave", "recon"):
            assert math.isfinite(float(ra[term]))
            assert float(ra[term]) == float(rb[term]), (ra["step"], term)
    train = json.loads((whole / "config.json").read_text())["train"]
    assert (train["gan_weight"], train["gan_crop"]) == (0.5, 2048)
    # the paper's linear head has nothing to play: one clear line
    bad = ["--model", "wae-note", "--data", str(corpus), "--out", str(tmp_path / "bad"),
           "--tiny", "--steps", "2", "--gan-weight", "1", *FAST]
    assert cli_train.main(bad) == 2
    assert "--dec-head harmonic" in capsys.readouterr().err
