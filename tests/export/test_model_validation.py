"""The runtime refuses a bad model folder with one clear ModelError naming the problem."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from realtime.manifest import FORMAT_VERSION, ModelError
from realtime.model import load_model


@pytest.fixture
def model_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "model"
    shutil.copytree(tiny_model_dir, dst)
    return dst


def edit_manifest(root: Path, change: Callable[[dict], None]) -> None:
    path = root / "manifest.json"
    m = json.loads(path.read_text())
    change(m)
    path.write_text(json.dumps(m))


def refused(root: Path) -> str:
    with pytest.raises(ModelError) as info:
        load_model(root)
    message = str(info.value)
    assert "\n" not in message, "one line, so a command can print it as is"
    return message


def test_intact_copy_loads(model_copy: Path) -> None:
    synth = load_model(model_copy)
    assert synth.style_names == ("violin", "flute", "cello")


def test_corrupted_graph_bytes(model_copy: Path) -> None:
    path = model_copy / "synth.onnx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    msg = refused(model_copy)
    assert "synth.onnx" in msg and "corrupt" in msg


def test_truncated_graph(model_copy: Path) -> None:
    path = model_copy / "synth_head.onnx"
    path.write_bytes(path.read_bytes()[:1000])
    msg = refused(model_copy)
    assert "synth_head.onnx" in msg and "truncated" in msg and "1000 bytes" in msg


def test_other_format_version(model_copy: Path) -> None:
    edit_manifest(model_copy, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    msg = refused(model_copy)
    assert f"format_version {FORMAT_VERSION + 1}" in msg and f"version {FORMAT_VERSION}" in msg


def test_missing_graph_file(model_copy: Path) -> None:
    (model_copy / "encoder.onnx").unlink()
    msg = refused(model_copy)
    assert "encoder.onnx" in msg and "missing" in msg


def test_missing_folder_and_manifest(tmp_path: Path, model_copy: Path) -> None:
    assert "does not exist" in refused(tmp_path / "nowhere")
    (model_copy / "manifest.json").unlink()
    assert "manifest.json is missing" in refused(model_copy)


def test_truncated_manifest(model_copy: Path) -> None:
    path = model_copy / "manifest.json"
    path.write_text(path.read_text()[:200])
    assert "manifest.json is corrupt or truncated" in refused(model_copy)


def test_extra_style_breaks_the_manifest_layout(model_copy: Path) -> None:
    def add_style(m: dict) -> None:
        m["styles"].append("oboe")
        m["style_ranges"]["oboe"] = [58, 91]

    edit_manifest(model_copy, add_style)
    msg = refused(model_copy)
    assert "condition layout" in msg and "4 styles" in msg


def test_style_count_differs_from_the_graph(model_copy: Path) -> None:
    """A self-consistent manifest with one style too many still fails: against the graph."""

    def add_style(m: dict) -> None:
        m["styles"].append("oboe")
        m["style_ranges"]["oboe"] = [58, 91]
        m["conditions"][3]["size"] = 4

    edit_manifest(model_copy, add_style)
    msg = refused(model_copy)
    assert "synth.onnx" in msg and "'style'" in msg and "style count 4" in msg


def test_style_without_range(model_copy: Path) -> None:
    edit_manifest(model_copy, lambda m: m["style_ranges"].pop("flute"))
    assert "style_ranges" in refused(model_copy)


def test_garbage_graph_with_matching_checksum(model_copy: Path) -> None:
    """Someone rewrote the checksum too: onnxruntime's refusal becomes a ModelError."""
    garbage = b"not an onnx graph at all" * 10
    (model_copy / "encoder.onnx").write_bytes(garbage)

    def fix_sums(m: dict) -> None:
        m["sha256"]["encoder.onnx"] = hashlib.sha256(garbage).hexdigest()
        m["sizes"]["encoder.onnx"] = len(garbage)

    edit_manifest(model_copy, fix_sums)
    msg = refused(model_copy)
    assert "encoder.onnx is not a loadable ONNX graph" in msg


def test_graph_swapped_for_another_role(model_copy: Path) -> None:
    """encoder.onnx renamed to synth.onnx (checksums updated): its inputs are wrong."""
    shutil.copy(model_copy / "encoder.onnx", model_copy / "synth.onnx")
    data = (model_copy / "synth.onnx").read_bytes()

    def fix_sums(m: dict) -> None:
        m["sha256"]["synth.onnx"] = hashlib.sha256(data).hexdigest()
        m["sizes"]["synth.onnx"] = len(data)

    edit_manifest(model_copy, fix_sums)
    msg = refused(model_copy)
    assert "synth.onnx has inputs ['features']" in msg


def test_cli_prints_the_message_without_traceback(
    model_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from realtime.cli import bench_render

    edit_manifest(model_copy, lambda m: m.update(format_version=99))
    code = bench_render.main(["--model", str(model_copy), "--json"], prog="waefader bench render")
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("waefader bench render: model ") and "format_version 99" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_sustain_table_is_written_by_export_and_checked(model_copy: Path) -> None:
    from realtime.sustain_info import main as sustain_main

    synth = load_model(model_copy)
    table = synth.style_sustain
    assert table is not None and set(table) == {"violin", "flute", "cello"}
    entry = synth.manifest.sustain["styles"]["violin"]
    assert {"sustains", "decay_db_per_s", "held_s"} <= set(entry)

    edit_manifest(model_copy, lambda m: m.pop("sustain"))
    assert load_model(model_copy).style_sustain is None  # older manifests: judged per note
    assert sustain_main([str(model_copy), "--write"]) == 0  # added back, graphs untouched
    assert load_model(model_copy).style_sustain == table

    edit_manifest(model_copy, lambda m: m["sustain"]["styles"].update(oboe={"sustains": True}))
    assert "unknown style 'oboe'" in refused(model_copy)
    edit_manifest(model_copy, lambda m: m["sustain"]["styles"].pop("oboe"))
    edit_manifest(model_copy, lambda m: m["sustain"]["styles"]["violin"].update(sustains="yes"))
    assert "sustains" in refused(model_copy)
