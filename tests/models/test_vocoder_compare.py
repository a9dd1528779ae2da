"""vocoder_compare: bench quality runs of two model folders side by side on their shared keys."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from models.evaluation import vocoder_compare
from models.evaluation.quality_measure import PITCH_MEASURES, SPECTRAL_MEASURES

COLS = ["source", "draw", "style", "midi", "note", "dynamics", "library",
        *PITCH_MEASURES, *SPECTRAL_MEASURES]


def write_bench(folder: Path, vocoder_mrstft: float, vocoder_keys: list[int],
                old: bool = False) -> Path:
    """A per_key.csv: library, model and griffin_lim on keys 60..63, vocoder on some
    (``old``: written before the cents_vs_library column existed)."""
    folder.mkdir()
    cols = [c for c in COLS if not (old and c == "cents_vs_library")]
    with open(folder / "per_key.csv", "w", newline="") as f:
        w = csv.DictWriter(f, cols)
        w.writeheader()
        for source in ("library", "model", "griffin_lim", "vocoder"):
            for midi in (60, 61, 62, 63):
                if source == "vocoder" and midi not in vocoder_keys:
                    continue
                row = {c: "" for c in cols}
                row.update(source=source, draw="0", style="flute", midi=str(midi), note="C4",
                           dynamics="mf", library="corpus", cents="3", right="1",
                           octave_error="0", voiced="1", hnr_db=str(20 + midi - 60))
                if source != "library":
                    row["mrstft"] = str(vocoder_mrstft if source == "vocoder" else 1.0)
                    if not old:
                        row["cents_vs_library"] = "-1"
                w.writerow(row)
    return folder


def test_the_comparison_is_made_on_the_keys_every_run_has(tmp_path: Path) -> None:
    a = write_bench(tmp_path / "a", 1.5, [60, 61, 62])
    b = write_bench(tmp_path / "b", 2.5, [61, 62, 63], old=True)
    out = tmp_path / "out"
    assert vocoder_compare.main(["--bench", f"hpn={a}", "--bench", f"mcnn={b}",
                                 "--out", str(out)]) == 0
    data = json.loads((out / "vocoders.json").read_text())
    assert data["keys"] == [["flute", 61, "mf"], ["flute", 62, "mf"]]
    rows = data["sources"]
    assert rows["hpn, true Mel"]["mrstft"] == 1.5 and rows["mcnn, true Mel"]["mrstft"] == 2.5
    assert rows["library"]["hnr_db"] == 21.5  # the median over the two shared keys only
    assert rows["mcnn, model (decoder + vocoder)"]["n_notes"] == 2
    assert rows["mcnn, true Mel"]["median_abs_cents_vs_library"] is None  # an older run
    md = (out / "vocoders.md").read_text()
    assert "| hpn, true Mel | 1.000 | 0 | 3.0 | 1.0 | 21.5 | 1.500 |" in md
    assert "| mcnn, true Mel | 1.000 | 0 | 3.0 | - | 21.5 | 2.500 |" in md


def test_a_run_without_vocoder_rows_is_a_clear_error(tmp_path: Path) -> None:
    a = write_bench(tmp_path / "a", 1.5, [])
    with pytest.raises(SystemExit, match="no vocoder rows in hpn"):
        vocoder_compare.main(["--bench", f"hpn={a}", "--out", str(tmp_path / "out")])
    with pytest.raises(SystemExit, match=r"per_key\.csv not found"):
        vocoder_compare.main(["--bench", f"x={tmp_path}", "--out", str(tmp_path / "out")])
