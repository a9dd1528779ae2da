"""Export of a tiny untrained model: manifest contents, onnxruntime/torch parity, quantisation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from export.parity import (
    SPEC_ATOL,
    WAVE_ATOL,
    ParityError,
    check_parity,
    parity_inputs,
    wave_parity,
)
from export.pipeline import ExportError, ModelInfo, export_model
from export.wrapper import EncoderWrapper, SynthWrapper
from models.config import MCNNConfig, ModelConfig
from models.mcnn import MCNN
from models.wae.model import WAE
from realtime.manifest import FORMAT_VERSION, file_sha256
from realtime.model import load_model

STYLES = ("oboe", "horn")
RANGES = {"oboe": (58, 91), "horn": (34, 77)}


def tiny_modules(seed: int = 1) -> tuple[WAE, MCNN]:
    torch.manual_seed(seed)
    cfg = ModelConfig.tiny(n_styles=len(STYLES), style_names=STYLES)
    return WAE(cfg).eval(), MCNN(MCNNConfig.tiny(cfg.features)).eval()


def export_tiny(out: Path, **kw: object) -> tuple[WAE, MCNN, Path]:
    wae, mcnn = tiny_modules()
    info = ModelInfo(STYLES, RANGES, prior_std=1.0, evaluation={"generation": {"style": 0.5}})
    export_model(wae.decoder, mcnn, wae.encoder, info, out, **kw)  # type: ignore[arg-type]
    return wae, mcnn, out


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[WAE, MCNN, Path]:
    return export_tiny(tmp_path_factory.mktemp("exp") / "model")


def test_manifest_has_the_contract_keys(exported: tuple[WAE, MCNN, Path]) -> None:
    _, _, out = exported
    m = json.loads((out / "manifest.json").read_text())
    assert m["format_version"] == FORMAT_VERSION
    assert (m["sample_rate"], m["note_samples"], m["latent_dim"]) == (22050, 32768, 3)
    assert m["styles"] == list(STYLES) and m["style_ranges"]["horn"] == [34, 77]
    assert m["prior"] == {"kind": "gaussian", "std": 1.0}
    names = [c["name"] for c in m["conditions"]]
    assert names == ["z", "pitch_class", "octave", "style", "dynamics"]
    assert m["conditions"][3]["size"] == 2
    for name in ("synth.onnx", "synth_head.onnx", "encoder.onnx"):
        assert m["sha256"][name] == file_sha256(out / name)
    assert m["graphs"]["synth_head"]["samples"] * 1000 / 22050 >= 100  # at least 100 ms
    assert m["evaluation"] == {"generation": {"style": 0.5}}
    assert m["model"]["parity"]["synth_max_abs"] <= WAVE_ATOL
    assert m["features"]["n_mels"] == 256


def test_onnxruntime_matches_torch(exported: tuple[WAE, MCNN, Path]) -> None:
    wae, mcnn, out = exported
    synth = load_model(out)
    inputs = parity_inputs(3, STYLES, RANGES, 1.0, seed=7)
    with torch.no_grad():
        ref = SynthWrapper(wae.decoder, mcnn)(*(torch.from_numpy(a) for a in inputs)).numpy()
    got = synth.render(*inputs)
    assert got.shape == (inputs[0].shape[0], 32768)
    assert np.max(np.abs(got - ref)) <= WAVE_ATOL
    head = synth.render_head(*inputs)
    assert np.max(np.abs(head - got[:, : head.shape[1]])) <= WAVE_ATOL
    assert np.std(got) > 0, "a silent graph would pass parity trivially"
    whole, enc = SynthWrapper(wae.decoder, mcnn), EncoderWrapper(wae.encoder)
    report = check_parity(synth, whole, enc, inputs)
    assert report.synth_max_abs <= WAVE_ATOL and report.encoder_max_abs <= 1e-4


def test_parity_catches_a_different_model(exported: tuple[WAE, MCNN, Path]) -> None:
    _, _, out = exported
    other_wae, other_mcnn = tiny_modules(seed=2)
    inputs = parity_inputs(3, STYLES, RANGES, 1.0)
    with pytest.raises(ParityError, match="parity failed for synth"):
        check_parity(load_model(out), SynthWrapper(other_wae.decoder, other_mcnn), None, inputs)


def test_parity_catches_a_head_that_drifts_from_the_whole_note(
    exported: tuple[WAE, MCNN, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    wae, mcnn, out = exported
    synth = load_model(out)
    inputs = parity_inputs(3, STYLES, RANGES, 1.0)
    whole = SynthWrapper(wae.decoder, mcnn)
    assert check_parity(synth, whole, None, inputs).head_max_abs <= WAVE_ATOL
    render_head = synth.render_head
    monkeypatch.setattr(synth, "render_head", lambda *a: render_head(*a) * 1.01)
    with pytest.raises(ParityError, match=r"synth_head \(vs the whole note\)"):
        check_parity(synth, whole, None, inputs)


def test_dynamic_batch(exported: tuple[WAE, MCNN, Path]) -> None:
    synth = load_model(exported[2])
    one = synth.render(*synth.zeros(1))
    five = synth.render(*synth.zeros(5))
    assert five.shape == (5, 32768)
    assert np.allclose(five, one, atol=1e-6)


def test_fp16_weights_halve_the_graphs(exported: tuple[WAE, MCNN, Path], tmp_path: Path) -> None:
    _, _, out = export_tiny(tmp_path / "fp16", quantization="fp16-weights")
    base = exported[2]
    m = json.loads((out / "manifest.json").read_text())
    q = m["model"]["quantization"]
    assert q["kind"] == "fp16-weights" and 0 <= q["spectral_convergence"] < 0.05
    ratio = (out / "synth.onnx").stat().st_size / (base / "synth.onnx").stat().st_size
    assert ratio < 0.7
    load_model(out)


def test_export_refuses_mismatched_styles(tmp_path: Path) -> None:
    wae, mcnn = tiny_modules()
    info = ModelInfo(("oboe",), {"oboe": (58, 91)})
    with pytest.raises(ExportError, match="1 style names for a decoder with 2 styles"):
        export_model(wae.decoder, mcnn, None, info, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_a_note_a_phase_quantum_apart_passes_on_its_magnitudes_a_louder_one_does_not() -> None:
    """The harmonic synthesis snaps each frame's phase advance to 1/2048 cycle; a pitch one
    float rounding off at a snapping boundary moves the rest of the note by that quantum.
    That passes on the magnitude spectrogram; a level error of 1 % does not."""
    n, sr = 32768, 22050
    t = np.arange(n) / sr
    phase = 2 * np.pi * 220.0 * t
    ref = 0.3 * np.sin(phase) + 0.1 * np.sin(3 * phase)
    shifted = np.where(np.arange(n) >= 5000, 2 * np.pi / 2048, 0.0)
    moved = 0.3 * np.sin(phase + shifted) + 0.1 * np.sin(3 * (phase + shifted))
    got = np.stack([ref, moved]).astype(np.float32)
    worst, exact, phase_only, sc = wave_parity(got, np.stack([ref, ref]).astype(np.float32))
    assert worst > WAVE_ATOL and exact <= WAVE_ATOL and phase_only == 1 and 0 < sc <= SPEC_ATOL
    louder = np.stack([ref, 1.01 * ref]).astype(np.float32)
    worst, exact, phase_only, sc = wave_parity(louder, np.stack([ref, ref]).astype(np.float32))
    assert exact == worst > WAVE_ATOL and phase_only == 0 and sc > SPEC_ATOL
