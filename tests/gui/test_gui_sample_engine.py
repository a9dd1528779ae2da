"""Transform mode in the window's real backend (tiny exported model, no audio stream): a
loaded file's z, style and velocity become the engine's controls; the three sounds reach
the engine as two buffers and one note; bad files and stale samples are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gui.bridge import BackendError
from gui.engine_backend import EngineBackend, PlayOptions
from gui.surfaces import SurfaceOptions
from realtime.engine.events import ReadyNote
from realtime.engine.resample import resample

QUIET = SurfaceOptions(audio=False, osc=False, midi=False)


@pytest.fixture
def backend(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    b = EngineBackend(PlayOptions(model=str(tiny_model_dir), surfaces=QUIET))
    b.start()
    yield b
    b.shutdown()


@pytest.fixture(scope="module")
def a3_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 220 Hz harmonic note at 44.1 kHz stereo, 0.2 s of silence before it."""
    sr = 44100
    t = np.arange(int(1.2 * sr)) / sr
    x = sum(np.sin(2 * np.pi * 220.0 * k * t) / k for k in range(1, 8)) * np.exp(-2 * t)
    x = np.concatenate([np.zeros(int(0.2 * sr)), 0.2 * x / np.max(np.abs(x))])
    path = tmp_path_factory.mktemp("sample") / "a3.wav"
    sf.write(path, np.stack([x, x], axis=1).astype(np.float32), sr)
    return path


def test_loading_sets_the_controls_from_the_sample(backend: EngineBackend, a3_file: Path) -> None:
    info = backend.load_sample(str(a3_file))
    result = backend.sample.result
    assert result is not None
    assert (info.pitch, info.note) == (57, "A3")  # the estimate, not the model's guess
    values = backend.engine.controls.values()
    np.testing.assert_allclose(values["latent"], result.z, atol=1e-6)
    assert values["style"] == pytest.approx(result.source.attributes.style)
    assert values["velocity"] == pytest.approx(result.source.attributes.velocity)
    assert info.z == pytest.approx(tuple(result.z), abs=1e-4)


def test_three_sounds_reach_the_engine(backend: EngineBackend, a3_file: Path) -> None:
    backend.load_sample(str(a3_file))
    result = backend.sample.result
    assert result is not None
    for which in ("original", "reconstruction", "transformed"):
        backend.play_sample(which, transpose=12)
    assert backend.engine.wait_idle(10.0)
    # no stream: the callback takes nothing (a head-first note also posts its whole upgrade)
    inbox = [m for m in backend.engine.mixer.inbox if isinstance(m, ReadyNote)]
    assert [m.pitch for m in inbox] == [-1, -1, 69]
    rate = backend.engine.config.sample_rate
    for msg, sound in zip(inbox, (result.original, result.reconstruction), strict=False):
        np.testing.assert_allclose(msg.audio, resample(sound, result.sample_rate, rate))


def test_refusals_are_backend_errors(
    backend: EngineBackend, a3_file: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(BackendError, match="load a sample first"):
        backend.play_sample("original")
    text = tmp_path / "take 1.wav"
    text.write_text("not audio")
    with pytest.raises(BackendError, match=r"take 1\.wav: not readable as audio"):
        backend.load_sample(str(text))
    short = tmp_path / "click.wav"
    sf.write(short, np.r_[np.ones(100), np.zeros(10)].astype(np.float32), 22050)
    with pytest.raises(BackendError, match="too short"):
        backend.load_sample(str(short))
    backend.load_sample(str(a3_file))
    with pytest.raises(BackendError, match="outside MIDI"):
        backend.play_sample("transformed", transpose=100)
    backend.load_model(str(tiny_model_dir))
    with pytest.raises(BackendError, match="previous model"):
        backend.play_sample("transformed")
