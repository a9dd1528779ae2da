"""Importing the runtime and rendering notes loads no torch module (fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from realtime.model import DEFAULT_MODEL_DIR

PROBE = r"""
import json, sys
import numpy as np
import realtime.model
from realtime.manifest import ModelError

path = sys.argv[1] if len(sys.argv) > 1 else None
result = {}
try:
    synth = realtime.model.load_model(path)
except ModelError as exc:
    result["error"] = str(exc)
else:
    controls = synth.zeros(2)
    result["whole"] = list(synth.render(*controls).shape)
    result["head"] = list(synth.render_head(*controls).shape)
    if synth.has_encoder:
        f = synth.manifest.features
        result["z"] = list(synth.encode(np.zeros((1, f.n_mels, f.n_frames), np.float32)).shape)
result["torch"] = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
print(json.dumps(result))
"""


def probe(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def test_tiny_model_renders_without_torch(tiny_model_dir: Path) -> None:
    out = probe(str(tiny_model_dir))
    assert out["torch"] == []
    assert out["whole"] == [2, 32768]
    assert out["head"] == [2, 2304]
    assert out["z"] == [1, 3]


def test_shipped_model_renders_without_torch() -> None:
    """The default model (no path): renders without torch once shipped; until then the
    loader says clearly that it is not installed."""
    out = probe()
    assert out["torch"] == []
    if (DEFAULT_MODEL_DIR / "manifest.json").is_file():
        assert "error" not in out, out.get("error")
        assert out["whole"][0] == 2 and out["head"][0] == 2
    else:
        assert "default model is not installed" in out["error"]


def test_probe_sees_torch_when_it_is_imported() -> None:
    """The probe's check can fail: importing torch first is seen."""
    code = "import torch, sys; " + PROBE.replace("import json, sys", "import json")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "torch" in json.loads(done.stdout.strip().splitlines()[-1])["torch"]
