"""The runtime model: an exported folder loaded into onnxruntime (numpy + onnxruntime only).

``load_model(path)`` validates the manifest, checks every graph's checksum, creates one
session per graph and checks each graph's interface against the manifest, then renders a
silent warm-up note (the first run of a session allocates; the engine should not pay it).
Anything wrong is one :class:`realtime.manifest.ModelError` naming the problem.

Shapes: ``B`` notes per call, ``L`` latent size, ``S`` styles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from realtime.conditions import N_DYNAMICS, N_OCTAVES, N_PITCH_CLASSES
from realtime.dsp.modulation import Modulation, modulate, table_to_mods
from realtime.manifest import (
    ENCODER_INPUT,
    Manifest,
    ModelError,
    read_manifest,
    verify_files,
)
from realtime.renderer import check_condition_shapes

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default_model"


@dataclass(frozen=True)
class SessionConfig:
    """onnxruntime settings. One intra-op thread: the render worker shares the CPU with the
    audio callback, and one thread measured fastest for one note at a time."""

    intra_op_threads: int = 1
    optimize: bool = True  # graph optimisation level ALL
    warmup: bool = True


def session_options(cfg: SessionConfig) -> ort.SessionOptions:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = cfg.intra_op_threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if cfg.optimize
        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    opts.log_severity_level = 3  # errors only: the runtime reports its own problems
    return opts


class OnnxSynth:
    """A loaded model folder; implements :class:`realtime.renderer.NoteRenderer`."""

    def __init__(
        self, root: Path, manifest: Manifest, sessions: Mapping[str, ort.InferenceSession]
    ) -> None:
        self.root = root
        self.manifest = manifest
        self._sessions = dict(sessions)
        table = (manifest.modulation or {}).get("styles") or {}
        self._mods: list[Modulation | None] | None = (
            table_to_mods(table, manifest.styles) if table else None
        )

    # -- NoteRenderer properties --------------------------------------------------------
    @property
    def sample_rate(self) -> int:
        return self.manifest.sample_rate

    @property
    def note_samples(self) -> int:
        return self.manifest.note_samples

    @property
    def latent_dim(self) -> int:
        return self.manifest.latent_dim

    @property
    def style_names(self) -> tuple[str, ...]:
        return self.manifest.styles

    # -- extras ---------------------------------------------------------------------------
    @property
    def style_ranges(self) -> Mapping[str, tuple[int, int]]:
        return self.manifest.style_ranges

    @property
    def prior_std(self) -> float:
        return self.manifest.prior_std

    @property
    def head_samples(self) -> int:
        """Samples :meth:`render_head` returns; 0 when the model has no head graph."""
        return self.manifest.head_samples if "synth_head" in self._sessions else 0

    @property
    def style_sustain(self) -> dict[str, bool] | None:
        """Which styles sustain when held (manifest ``sustain``); None: judge each note."""
        return self.manifest.style_sustain

    @property
    def has_encoder(self) -> bool:
        return "encoder" in self._sessions

    # -- inference ------------------------------------------------------------------------
    def render(
        self,
        z: np.ndarray,
        pitch_class: np.ndarray,
        octave: np.ndarray,
        style: np.ndarray,
        dynamics: np.ndarray,
    ) -> np.ndarray:
        """Whole notes: ``z (B, L)``, ``pitch_class (B, 12)``, ``octave (B, 9)``,
        ``style (B, S)``, ``dynamics (B, 3)`` -> ``(B, note_samples)`` float32."""
        audio = self._run_synth("synth", (z, pitch_class, octave, style, dynamics))
        return self._modulated(audio, style)[0]

    def render_head(
        self,
        z: np.ndarray,
        pitch_class: np.ndarray,
        octave: np.ndarray,
        style: np.ndarray,
        dynamics: np.ndarray,
    ) -> np.ndarray:
        """The first ``head_samples`` of the same notes, faster than a whole note:
        inputs as :meth:`render` -> ``(B, head_samples)`` float32. Without a head graph it
        falls back to cutting a whole render. A modulated style (a trill) may return a few
        samples fewer: those its input held."""
        inputs = (z, pitch_class, octave, style, dynamics)
        role = "synth_head" if "synth_head" in self._sessions else "synth"
        audio, valid = self._modulated(self._run_synth(role, inputs), style)
        # a trill reads its input faster than it plays: the head ends where its input does
        # (the whole note, rendered further, takes over from there)
        return audio if role == "synth" else audio[:, :valid]

    def _modulated(self, audio: np.ndarray, style: np.ndarray) -> tuple[np.ndarray, int]:
        """The manifest's vibrato and trill put on the notes of styles that carry them
        (:mod:`realtime.dsp.modulation`); others pass unchanged. Also: the samples read
        inside the input."""
        if self._mods is None:
            return audio, audio.shape[1]
        return modulate(audio, np.asarray(style, dtype=np.float32), self._mods, self.sample_rate)

    def encode(self, features: np.ndarray) -> np.ndarray:
        """``features (B, n_mels, n_frames)`` (the fixed-scale log-Mel of
        :mod:`realtime.dsp.features`) -> ``z (B, L)`` float32."""
        if "encoder" not in self._sessions:
            raise ModelError(f"model {self.root} has no encoder graph (encoder.onnx)")
        f = self.manifest.features
        x = np.ascontiguousarray(features, dtype=np.float32)
        if x.ndim != 3 or x.shape[1:] != (f.n_mels, f.n_frames):
            raise ValueError(
                f"features must have shape (B, {f.n_mels}, {f.n_frames}), got {tuple(x.shape)}"
            )
        out = self._sessions["encoder"].run(None, {ENCODER_INPUT: x})[0]
        return np.asarray(out, dtype=np.float32)

    def _run_synth(self, role: str, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in inputs]
        z, pc, octv, style, dyn = arrays
        check_condition_shapes(z, pc, octv, style, dyn, self.latent_dim, len(self.style_names))
        feeds = {c.name: a for c, a in zip(self.manifest.conditions, arrays, strict=True)}
        out = self._sessions[role].run(None, feeds)[0]
        return np.asarray(out, dtype=np.float32)

    def zeros(self, batch: int = 1) -> tuple[np.ndarray, ...]:
        """Silent-but-valid controls (one-hot C4, first style, mf), for warm-up and tests."""
        z = np.zeros((batch, self.latent_dim), np.float32)
        pc = np.zeros((batch, N_PITCH_CLASSES), np.float32)
        pc[:, 0] = 1
        octv = np.zeros((batch, N_OCTAVES), np.float32)
        octv[:, 4] = 1
        style = np.zeros((batch, len(self.style_names)), np.float32)
        style[:, 0] = 1
        dyn = np.zeros((batch, N_DYNAMICS), np.float32)
        dyn[:, 1] = 1
        return z, pc, octv, style, dyn


# --- loading -----------------------------------------------------------------------------


def load_model(
    path: str | Path | None = None, config: SessionConfig | None = None
) -> OnnxSynth:
    """Load and check a model folder; ``None`` = the shipped default model.

    Raises ModelError (one clear line) for a missing, corrupt, truncated or mismatched model.
    """
    cfg = config or SessionConfig()
    root = Path(path) if path is not None else DEFAULT_MODEL_DIR
    if path is None and not (root / "manifest.json").is_file():
        raise ModelError(
            f"the default model is not installed ({root} has no manifest.json); "
            "pass --model DIR or build it with `make model`"
        )
    manifest = read_manifest(root)
    blobs = verify_files(root, manifest)
    opts = session_options(cfg)
    sessions = {
        role: _session(root, g.file, blobs[g.file], opts) for role, g in manifest.graphs.items()
    }
    for role, sess in sessions.items():
        _check_interface(root, role, sess, manifest)
    synth = OnnxSynth(root, manifest, sessions)
    if cfg.warmup:
        _warm_up(synth)
    return synth


def _session(root: Path, file: str, data: bytes, opts: ort.SessionOptions) -> ort.InferenceSession:
    try:
        return ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several private exception types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"model {root}: {file} is not a loadable ONNX graph ({first})") from None


def expected_interface(role: str, m: Manifest) -> tuple[list[tuple[str, int]], int]:
    """([(input name, width), ...], output width) a graph of this role must declare."""
    if role == "encoder":
        f = m.features
        return [(ENCODER_INPUT, f.n_mels)], m.latent_dim
    return [(c.name, c.size) for c in m.conditions], m.graphs[role].samples


def _check_interface(root: Path, role: str, sess: ort.InferenceSession, m: Manifest) -> None:
    """Names, order, dtype and widths of the graph's inputs and output against the manifest."""
    file = m.graphs[role].file
    want_inputs, want_out = expected_interface(role, m)
    got = sess.get_inputs()
    got_names = [i.name for i in got]
    if got_names != [n for n, _ in want_inputs]:
        raise ModelError(
            f"model {root}: {file} has inputs {got_names}, "
            f"the manifest expects {[n for n, _ in want_inputs]}"
        )
    for inp, (name, width) in zip(got, want_inputs, strict=True):
        if inp.type != "tensor(float)":
            raise ModelError(f"model {root}: {file} input {name!r} is {inp.type}, not float32")
        if len(inp.shape) < 2 or not _matches(inp.shape[1], width):
            raise ModelError(
                f"model {root}: {file} input {name!r} has shape {inp.shape}, the manifest "
                f"expects width {width} (e.g. the style count {len(m.styles)})"
            )
    outs = sess.get_outputs()
    if len(outs) != 1 or len(outs[0].shape) != 2 or not _matches(outs[0].shape[1], want_out):
        shapes = [o.shape for o in outs]
        raise ModelError(
            f"model {root}: {file} outputs {shapes}, the manifest expects one (batch, {want_out})"
        )


def _matches(dim: Any, width: int) -> bool:
    """A static dimension must equal the width; a symbolic one is checked at warm-up."""
    return not isinstance(dim, int) or dim == width


def _warm_up(synth: OnnxSynth) -> None:
    """One silent render per graph: pays the first-run cost and checks output lengths."""
    controls = synth.zeros(1)
    checks = [("synth", synth.note_samples)]
    if synth.head_samples:
        checks.append(("synth_head", synth.head_samples))
    for role, samples in checks:
        try:
            out = synth._run_synth(role, controls)  # the graph itself, before any modulation
        except Exception as exc:
            raise ModelError(f"model {synth.root}: {role} graph fails to run ({exc})") from None
        if out.shape != (1, samples):
            raise ModelError(
                f"model {synth.root}: {role} graph renders {out.shape[1:]} samples, "
                f"the manifest says {samples}"
            )
        if not np.all(np.isfinite(out)):
            raise ModelError(f"model {synth.root}: {role} graph renders non-finite samples")
    if synth.has_encoder:
        f = synth.manifest.features
        z = synth.encode(np.zeros((1, f.n_mels, f.n_frames), np.float32))
        if z.shape != (1, synth.latent_dim):
            raise ModelError(f"model {synth.root}: encoder gives {z.shape}, not (1, L)")
