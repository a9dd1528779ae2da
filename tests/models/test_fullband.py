"""The full-band preset end to end: a 44.1 kHz corpus from the soundfont, a (tiny) harmonic
model trained on it, exported with the harmonic-plus-noise vocoder, played by the runtime
with partials above 11 kHz (a 22,050 Hz model has nothing there), and judged by bench
quality against the 44.1 kHz library."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from export import cli as export_cli
from models.data.cli import main as dataset_main
from models.data.store import CorpusStore
from models.evaluation.quality_bench import main as quality_main
from models.training import cli_train
from realtime.dsp.features import preset
from realtime.model import load_model

FAST = ["--threads", "1", "--no-progress"]


def high_band_db(x: np.ndarray, sr: int, above: float = 11025.0) -> float:
    """Energy above ``above`` Hz over the whole note's, in dB."""
    power = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(x.shape[-1], 1.0 / sr)
    return float(10 * np.log10(power[freqs > above].sum() / max(power.sum(), 1e-30) + 1e-30))


def test_a_fullband_corpus_trains_and_plays_above_11_khz(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, run, model = tmp_path / "corpus", tmp_path / "run", tmp_path / "model"
    argv = ["build", "--small", "--set", "violin", "--preset", "fullband", "--out", str(corpus)]
    assert dataset_main([*argv, "--no-progress"], "waefader dataset") == 0
    store = CorpusStore(corpus)
    fb = preset("fullband")
    assert store.feature_config == fb and store.audio.shape[1] == fb.note_samples == 65536
    # the soundfont's violin has its air up there (about -40 dB of the note: docs/FEATURES.md)
    library = float(np.median([high_band_db(a, fb.sample_rate) for a in store.audio[:8]]))
    assert library > -60.0

    train = ["--model", "wae-fader", "--data", str(corpus), "--out", str(run), "--tiny"]
    assert cli_train.main([*train, "--dec-head", "harmonic", "--steps", "2", *FAST]) == 0
    assert export_cli.main(["--run", str(run), "--out", str(model), "--no-progress"]) == 0

    synth = load_model(model)
    assert synth.sample_rate == 44100 and synth.manifest.features == fb
    z, pc, octave, style, dyn = synth.zeros(1)
    octave[:] = 0
    octave[0, 5] = 1  # C5: 523 Hz, partials 22..42 lie between 11 and 22 kHz
    whole = synth.render(z, pc, octave, style, dyn)[0]
    assert whole.shape == (65536,) and np.isfinite(whole).all()
    assert high_band_db(whole, synth.sample_rate) > -60.0


    # bench quality on it: the hpn vocoder's "true Mel" source (fitted head parameters) and
    # the band above 11 kHz, against the 44.1 kHz library (torchcrepe: the eval extra)
    if importlib.util.find_spec("torchcrepe") is not None:
        argv = ["--model", str(model), "--data", str(corpus), "--quick", "--json",
                "--threads", "1"]
        capsys.readouterr()
        assert quality_main(argv) == 0
        r = json.loads(capsys.readouterr().out)
        assert r["sample_rate"] == 44100 and r["high_band"].startswith("measured")
        voc = r["sources"]["vocoder"]
        assert voc["n_notes"] == r["sources"]["griffin_lim"]["n_notes"] >= 1
        assert voc["mrstft"] is not None and voc["high_band_db"] is not None
        assert 0.0 <= r["vocoder_fit_l1"] < 0.05  # the fitted parameters draw the true Mel
