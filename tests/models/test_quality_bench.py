"""``waefader bench quality --quick`` on the tiny exported model: figures and files."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from realtime.dsp.features import FeatureConfig
from tests.models.synth_corpus import make_corpus
from tests.tiny_model import TINY_STYLES

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torchcrepe") is None,
    reason="torchcrepe (the eval extra) is not installed",
)

SOURCE_KEYS = ("judged", "pitch_right", "octave_errors", "median_abs_cents", "hnr_db",
               "mrstft", "lsd_db", "comb_db", "high_band_db")


BUILD = """
import sys, torch
from pathlib import Path
from export.pipeline import ModelInfo, export_model
from models.config import MCNNConfig, ModelConfig
from models.mcnn import MCNN
from models.wae.model import WAE
from tests.tiny_model import TINY_RANGES, TINY_STYLES
torch.manual_seed(0)
cfg = ModelConfig.tiny(n_styles=len(TINY_STYLES), style_names=TINY_STYLES)
wae, mcnn = WAE(cfg).eval(), MCNN(MCNNConfig.tiny(cfg.features)).eval()
with torch.no_grad():  # distinct values: the exporter merges equal initializers (zero biases)
    for p in [*wae.parameters(), *mcnn.parameters()]:
        p.add_(torch.randn_like(p) * 1e-3)
info = ModelInfo(styles=TINY_STYLES, style_ranges=TINY_RANGES, provenance={"training_steps": 0},
                 model={"variant": cfg.variant, "wae": cfg.to_dict(), "mcnn": mcnn.cfg.to_dict()})
export_model(wae.decoder, mcnn, wae.encoder, info, Path(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def tiny_distinct(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with every weight distinct, so its torch modules can be read back
    from the graphs (:mod:`export.recover`); built in a child process."""
    out = tmp_path_factory.mktemp("quality") / "tiny"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", BUILD, str(out)], cwd=root, text=True,
                          capture_output=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(root)})
    if done.returncode != 0:
        pytest.fail(f"building the tiny model failed:\n{done.stderr[-3000:]}")
    return out


def test_quick_run_on_the_tiny_model(tiny_distinct: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from models.evaluation.quality_bench import main

    tiny_model_dir = tiny_distinct

    # A library at the model's rate holding some keys: the rest come from FluidSynth.
    corpus = make_corpus(tmp_path / "corpus", n=30, styles=TINY_STYLES, cfg=FeatureConfig())
    out = tmp_path / "report"
    rc = main(["--model", str(tiny_model_dir), "--data", str(corpus), "--quick", "--json",
               "--out", str(out), "--threads", "1"])
    assert rc == 0
    r = json.loads(capsys.readouterr().out)
    assert r["n_keys"] == 18 and r["n_styles"] == 3 and r["dynamics"] == ["ff", "mf"]
    assert set(r["sources"]) == {"library", "model", "vocoder", "griffin_lim"}
    for name, src in r["sources"].items():
        assert set(SOURCE_KEYS) <= set(src), name
        assert src["judged"] + src["not_judged"] == src["n_notes"]
    assert r["sources"]["griffin_lim"]["n_notes"] == 3  # one key per style in --quick
    lib = r["sources"]["library"]
    assert lib["mrstft"] is None and 0.0 <= lib["pitch_right"] <= 1.0
    assert lib["median_abs_cents_vs_library"] is None  # itself: no figure
    assert r["sources"]["griffin_lim"]["median_abs_cents_vs_library"] >= 0.0
    # True Mel through Griffin-Lim sounds closer to the library than noise would.
    assert 0.0 < r["sources"]["griffin_lim"]["mrstft"] < r["sources"]["model"]["mrstft"]
    assert r["high_band"].startswith("absent")
    assert set(r["styles"]) == set(TINY_STYLES)
    assert set(r["octave_error_keys"]) == set(r["sources"])
    rec = r["reconstruction"]
    assert rec is not None and rec["n_notes"] > 0 and rec["spectral_convergence"] > 0
    assert r["vocoder_recovered_max_abs"] < 1e-3  # the recovered vocoder is the graph's
    assert 0 < r["library_rendered"] < 18
    for name in ("report.md", "per_key.csv", "heatmap.png", "spectrograms.png", "quality.json"):
        assert (out / name).stat().st_size > 0, name
    with open(out / "per_key.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 18 * 3 + 3
    assert {row["source"] for row in rows} == set(r["sources"])
    cents = [float(row["cents"]) for row in rows if row["source"] == "library" and row["cents"]]
    assert np.all(np.isfinite(cents))
    assert "## Per style" in (out / "report.md").read_text()


def test_bad_model_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    from models.evaluation.quality_bench import main

    assert main(["--model", str(tmp_path), "--quick"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("waefader bench quality:") and "\n" not in err


def test_spectrogram_comparison_figure(tiny_distinct: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from models.data.store import CorpusStore
    from models.evaluation.spectrogram_compare import db_image, main

    corpus = make_corpus(tmp_path / "corpus", n=12, styles=TINY_STYLES, cfg=FeatureConfig())
    m = CorpusStore(corpus).meta[0]
    out = tmp_path / "cmp.png"
    argv = ["--data", str(corpus), "--model", f"tiny={tiny_distinct}", "--key",
            f"{m.style}:{m.pitch}", "--dynamics", m.dynamics, "--out", str(out)]
    assert main(argv) == 0 and out.stat().st_size > 0
    assert "2 rows x 1 keys" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="has no"):
        main([*argv[:5], f"{m.style}:20", "--out", str(out)])  # no such note in the library
    # dB under the note's peak, on one time-frequency grid: a 1 kHz sine peaks at 0 dB in
    # its bin (1,024-point window at 22,050 Hz: bin 46), far bands lie 60 dB under
    sr = 22050
    img = db_image(np.sin(2 * np.pi * 1000 * np.arange(sr) / sr).astype(np.float32), sr, 1.0)
    assert img.max() == 0.0 and int(img.mean(axis=1).argmax()) == 46
    assert img[100:, 5:-5].max() < -60.0  # (the edge frames cut the sine: a click)
