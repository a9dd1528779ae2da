"""Reading a model folder's weights back into torch: same output as its graphs, run folders
that the training and export commands accept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from export.cli_recover import main as recover_main
from export.recover import RecoverError, recover
from export.wrapper import SynthWrapper
from models.training.runs import load_mcnn, load_wae
from realtime.conditions import note_weights, one_hot
from realtime.model import load_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with every weight made distinct (a trained model's are; the exporter
    merges equal tensors, which an untrained model has), fp16-compressed as shipped."""
    from export.pipeline import ModelInfo, export_model
    from models.config import MCNNConfig, ModelConfig
    from models.mcnn import MCNN
    from models.wae.model import WAE

    torch.manual_seed(3)
    styles = ("violin", "flute")
    cfg = ModelConfig.tiny(n_styles=2, style_names=styles)
    wae, mcnn = WAE(cfg).eval(), MCNN(MCNNConfig.tiny(cfg.features)).eval()
    with torch.no_grad():
        for p in [*wae.parameters(), *mcnn.parameters()]:
            p.add_(0.01 * torch.randn_like(p))
        for m in wae.encoder.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
    info = ModelInfo(
        styles=styles,
        style_ranges={"violin": (55, 100), "flute": (60, 96)},
        model={"variant": cfg.variant, "wae": cfg.to_dict(), "mcnn": mcnn.cfg.to_dict()},
    )
    out = tmp_path_factory.mktemp("recover") / "model"
    export_model(wae.decoder, mcnn, wae.encoder, info, out, quantization="fp16-weights")
    return out


def inputs(n_styles: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 3)).astype(np.float32)
    pc, octave = (np.stack(v) for v in zip(*(note_weights(m) for m in (40, 62, 81)), strict=True))
    style = np.stack([one_hot(i % n_styles, n_styles) for i in range(3)])
    dyn = np.stack([one_hot(1, 3)] * 3)
    return z, pc, octave, style, dyn


def test_recovered_modules_render_what_the_graph_renders(model_dir: Path) -> None:
    rec = recover(model_dir)
    synth = load_model(model_dir)
    ins = inputs(len(synth.manifest.styles))
    with torch.no_grad():
        ours = SynthWrapper(rec.decoder, rec.mcnn)(*(torch.from_numpy(a) for a in ins)).numpy()
    assert np.abs(ours - synth.render(*ins)).max() < 1e-4
    assert rec.encoder is not None
    feats = np.random.default_rng(2).random((2, 256, 128)).astype(np.float32)
    with torch.no_grad():
        z = rec.encoder(torch.from_numpy(feats)).numpy()
    assert np.abs(z - synth.encode(feats)).max() < 1e-4


def test_recover_writes_run_folders_the_loaders_accept(
    model_dir: Path, tmp_path: Path
) -> None:
    assert recover_main(["--model", str(model_dir), "--out", str(tmp_path / "runs")]) == 0
    wae, cfg = load_wae(tmp_path / "runs" / "wae")
    mcnn, _ = load_mcnn(tmp_path / "runs" / "mcnn")
    rec = recover(model_dir)
    pairs = [(wae.decoder, rec.decoder), (mcnn, rec.mcnn)]
    for ours, theirs in pairs:
        for a, b in zip(ours.state_dict().values(), theirs.state_dict().values(), strict=True):
            assert torch.equal(a, b)
    assert cfg == rec.decoder.cfg


def test_a_folder_without_the_model_description_is_refused(
    model_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(model_dir, broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest.pop("model")
    (broken / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RecoverError, match="does not describe"):
        recover(broken)
    assert recover_main(["--model", str(broken), "--out", str(tmp_path / "x")]) == 2


def test_an_hpn_model_is_read_back_with_its_vocoder(tmp_path: Path) -> None:
    from export.pipeline import ModelInfo, export_model
    from models.config import ModelConfig
    from models.hpn import HarmonicNoiseVocoder, HpnConfig
    from models.wae.model import WAE

    torch.manual_seed(4)
    cfg = ModelConfig.tiny(n_styles=2, style_names=("violin", "flute"), dec_head="harmonic",
                           partials=8)  # fmt: skip
    wae = WAE(cfg).eval()
    with torch.no_grad():
        for p in wae.parameters():
            p.add_(0.01 * torch.randn_like(p))
    hpn = HarmonicNoiseVocoder(HpnConfig(cfg.features, cfg.partials))
    info = ModelInfo(
        styles=("violin", "flute"),
        style_ranges={"violin": (55, 100), "flute": (60, 96)},
        model={"variant": cfg.variant, "wae": cfg.to_dict(), "vocoder": "hpn",
               "hpn": {"features": cfg.features.to_dict(), "partials": 8, "bands": 32}},
    )  # fmt: skip
    out = tmp_path / "model"
    export_model(wae.decoder, hpn, None, info, out)
    rec = recover(out)
    assert isinstance(rec.mcnn, HarmonicNoiseVocoder) and rec.mcnn.cfg.partials == 8
    args = [torch.from_numpy(a) for a in inputs(2)]
    with torch.no_grad():
        got = SynthWrapper(rec.decoder, rec.mcnn).eval()(*args).numpy()
    np.testing.assert_allclose(got, load_model(out).render(*inputs(2)), atol=1e-4)
