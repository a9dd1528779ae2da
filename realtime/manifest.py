"""The model manifest: what an exported model folder promises, and its validation (torch-free).

A model folder holds ONNX graphs plus ``manifest.json``. Export writes the manifest
(:func:`write_manifest`); the runtime reads it (:func:`read_manifest`) and checks every graph
against its checksum (:func:`verify_files`) before a session is created. Every failure is one
:class:`ModelError` whose message names the folder and the problem, so a command can print it
without a traceback.

Graph roles and their interfaces (``B`` = dynamic batch, ``L`` = latent size, ``S`` = styles):

- ``synth`` (required): z (B, L), pitch_class (B, 12), octave (B, 9), style (B, S),
  dynamics (B, 3) float32 -> waveform (B, note_samples) at ``sample_rate``.
- ``synth_head`` (optional): the same inputs -> the first ``head_samples`` of the note, for a
  fast start.
- ``encoder`` (optional): features (B, n_mels, n_frames) -> z (B, L).

``sustain`` (optional): which styles sustain when a note is held, measured from the model's
own notes (:mod:`realtime.sustain_info`): ``{"source": "...", "styles": {name: {"sustains":
bool, "decay_db_per_s": float, "held_s": float}}}``. Without it the engine judges each
rendered note by its envelope.

``modulation`` (optional): the pitch modulation a style's library notes carry and the
decoder cannot draw (:mod:`realtime.dsp.modulation`), measured from the library
(:mod:`realtime.modulation_info`): ``{"source": "...", "styles": {name: {"kind": "vibrato"
| "trill" | "glide", "depth_cents": float, "rate_hz": float | "time_s": float}}}``. Without
it notes play as rendered.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from realtime.conditions import MIDI_HIGH, MIDI_LOW, N_DYNAMICS, N_OCTAVES, N_PITCH_CLASSES
from realtime.dsp.features import FeatureConfig

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
BATCH = "batch"  # the symbolic name of the dynamic batch axis in every graph
GRAPH_ROLES = ("synth", "synth_head", "encoder")
REQUIRED_ROLES = ("synth",)
SYNTH_OUTPUT = "waveform"
ENCODER_INPUT = "features"
ENCODER_OUTPUT = "z"


class ModelError(Exception):
    """A model folder that cannot be used: missing, corrupt, truncated or mismatched."""


@dataclass(frozen=True)
class ConditionSlot:
    """One input of the synth graphs, in order: its name and its width."""

    name: str
    size: int


def condition_layout(latent_dim: int, n_styles: int) -> tuple[ConditionSlot, ...]:
    """The synth graphs' inputs, in order: z, pitch_class, octave, style, dynamics."""
    return (
        ConditionSlot("z", latent_dim),
        ConditionSlot("pitch_class", N_PITCH_CLASSES),
        ConditionSlot("octave", N_OCTAVES),
        ConditionSlot("style", n_styles),
        ConditionSlot("dynamics", N_DYNAMICS),
    )


@dataclass(frozen=True)
class GraphSpec:
    """One ONNX graph of the folder. ``samples`` is the output length of synth graphs."""

    file: str
    samples: int = 0


@dataclass(frozen=True)
class Manifest:
    """The parsed, validated ``manifest.json`` of a model folder."""

    sample_rate: int
    note_samples: int
    features: FeatureConfig
    styles: tuple[str, ...]
    style_ranges: Mapping[str, tuple[int, int]]
    latent_dim: int
    prior_std: float
    graphs: Mapping[str, GraphSpec]
    sha256: Mapping[str, str]
    sizes: Mapping[str, int]
    provenance: Mapping[str, Any] = field(default_factory=dict)
    evaluation: Mapping[str, Any] = field(default_factory=dict)
    model: Mapping[str, Any] = field(default_factory=dict)
    sustain: Mapping[str, Any] = field(default_factory=dict)
    modulation: Mapping[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @property
    def style_sustain(self) -> dict[str, bool] | None:
        """Style name -> whether its held notes sustain (None: the manifest does not say)."""
        styles = self.sustain.get("styles") if self.sustain else None
        if not styles:
            return None
        return {name: bool(entry["sustains"]) for name, entry in styles.items()}

    @property
    def conditions(self) -> tuple[ConditionSlot, ...]:
        return condition_layout(self.latent_dim, len(self.styles))

    @property
    def head_samples(self) -> int:
        """Samples rendered by ``synth_head`` (0 when the folder has none)."""
        head = self.graphs.get("synth_head")
        return head.samples if head else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; key order is the reading order of the file."""
        return {
            "format_version": self.format_version,
            "sample_rate": self.sample_rate,
            "note_samples": self.note_samples,
            "features": self.features.to_dict(),
            "styles": list(self.styles),
            "style_ranges": {s: list(self.style_ranges[s]) for s in self.styles},
            "latent_dim": self.latent_dim,
            "prior": {"kind": "gaussian", "std": self.prior_std},
            "conditions": [{"name": c.name, "size": c.size} for c in self.conditions],
            "graphs": {
                role: _graph_dict(role, g, self) for role, g in self.graphs.items()
            },
            "sha256": dict(self.sha256),
            "sizes": dict(self.sizes),
            "provenance": dict(self.provenance),
            "evaluation": dict(self.evaluation),
            "model": dict(self.model),
            **({"sustain": dict(self.sustain)} if self.sustain else {}),
            **({"modulation": dict(self.modulation)} if self.modulation else {}),
        }


def _graph_dict(role: str, g: GraphSpec, m: Manifest) -> dict[str, Any]:
    """A graph's entry: its file, and its inputs/outputs as names + shapes (for people)."""
    if role == "encoder":
        inputs = [{"name": ENCODER_INPUT, "shape": [BATCH, m.features.n_mels, m.features.n_frames]}]
        outputs = [{"name": ENCODER_OUTPUT, "shape": [BATCH, m.latent_dim]}]
        return {"file": g.file, "inputs": inputs, "outputs": outputs}
    inputs = [{"name": c.name, "shape": [BATCH, c.size]} for c in m.conditions]
    outputs = [{"name": SYNTH_OUTPUT, "shape": [BATCH, g.samples]}]
    return {"file": g.file, "samples": g.samples, "inputs": inputs, "outputs": outputs}


# --- reading -------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(model_dir: str | Path) -> Manifest:
    """Parse and check ``model_dir/manifest.json``; raises ModelError naming the problem."""
    root = Path(model_dir)
    if not root.is_dir():
        raise ModelError(f"model folder {root} does not exist")
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise ModelError(f"model {root}: {MANIFEST_NAME} is missing")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"model {root}: cannot read {MANIFEST_NAME} ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model {root}: {MANIFEST_NAME} is corrupt or truncated ({exc})") from None
    if not isinstance(raw, dict):
        raise ModelError(f"model {root}: {MANIFEST_NAME} must hold a JSON object")
    try:
        return parse_manifest(raw)
    except ModelError as exc:
        raise ModelError(f"model {root}: {exc}") from None


def parse_manifest(raw: Mapping[str, Any]) -> Manifest:
    """JSON object -> Manifest, checking the version, the types and the consistency."""
    version = raw.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{MANIFEST_NAME} has format_version {version!r}; this waefader reads version "
            f"{FORMAT_VERSION} (re-export the model with this version)"
        )
    features = _features(_get(raw, "features", dict))
    styles = tuple(_get(raw, "styles", list))
    graphs = _graphs(_get(raw, "graphs", dict))
    m = Manifest(
        sample_rate=_positive_int(raw, "sample_rate"),
        note_samples=_positive_int(raw, "note_samples"),
        features=features,
        styles=styles,
        style_ranges=_style_ranges(_get(raw, "style_ranges", dict)),
        latent_dim=_positive_int(raw, "latent_dim"),
        prior_std=_prior_std(_get(raw, "prior", dict)),
        graphs=graphs,
        sha256=_str_map(_get(raw, "sha256", dict), "sha256"),
        sizes=_int_map(raw.get("sizes", {}), "sizes"),
        provenance=_get(raw, "provenance", dict),
        evaluation=_get(raw, "evaluation", dict),
        model=raw.get("model", {}) if isinstance(raw.get("model", {}), dict) else {},
        sustain=_sustain(raw.get("sustain", {}), styles),
        modulation=_modulation(raw.get("modulation", {}), styles),
    )
    _check_consistency(m, raw)
    return m


def _get(raw: Mapping[str, Any], key: str, kind: type) -> Any:
    if key not in raw:
        raise ModelError(f"{MANIFEST_NAME} lacks the field {key!r}")
    value = raw[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ModelError(f"{MANIFEST_NAME} field {key!r} must be a {kind.__name__}")
    return value


def _positive_int(raw: Mapping[str, Any], key: str) -> int:
    value = _get(raw, key, int)
    if value <= 0:
        raise ModelError(f"{MANIFEST_NAME} field {key!r} must be positive, got {value}")
    return int(value)


def _features(d: dict[str, Any]) -> FeatureConfig:
    try:
        cfg = FeatureConfig.from_dict(d)
    except TypeError as exc:
        raise ModelError(f"{MANIFEST_NAME} field 'features' is malformed ({exc})") from None
    for name in ("sample_rate", "n_fft", "hop", "n_frames", "n_mels"):
        value = getattr(cfg, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ModelError(f"{MANIFEST_NAME} features.{name} must be a positive int")
    return cfg


def _style_ranges(d: dict[str, Any]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for style, rng in d.items():
        ok = (
            isinstance(rng, list)
            and len(rng) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in rng)
        )
        if not ok or not (MIDI_LOW <= rng[0] <= rng[1] <= MIDI_HIGH):
            raise ModelError(
                f"{MANIFEST_NAME} style_ranges[{style!r}] must be [low, high] MIDI pitches "
                f"within {MIDI_LOW}..{MIDI_HIGH}, got {rng!r}"
            )
        out[str(style)] = (int(rng[0]), int(rng[1]))
    return out


def _sustain(d: Any, styles: tuple[str, ...]) -> dict[str, Any]:
    """The optional ``sustain`` field: every entry names a style and says ``sustains``."""
    if d == {}:
        return {}
    where = f"{MANIFEST_NAME} field 'sustain'"
    if not isinstance(d, dict) or not isinstance(d.get("styles"), dict):
        raise ModelError(f'{where} must be {{"styles": {{style: {{"sustains": bool}}}}}}')
    for name, entry in d["styles"].items():
        if name not in styles:
            raise ModelError(f"{where} names an unknown style {name!r}")
        if not isinstance(entry, dict) or not isinstance(entry.get("sustains"), bool):
            raise ModelError(f"{where}: styles[{name!r}] must give 'sustains': true/false")
    return dict(d)


def _modulation(d: Any, styles: tuple[str, ...]) -> dict[str, Any]:
    """The optional ``modulation`` field: every entry names a style and is a valid
    :class:`realtime.dsp.modulation.Modulation`."""
    from realtime.dsp.modulation import from_entry

    if d == {}:
        return {}
    where = f"{MANIFEST_NAME} field 'modulation'"
    if not isinstance(d, dict) or not isinstance(d.get("styles"), dict):
        raise ModelError(f'{where} must be {{"styles": {{style: {{"kind": ..., ...}}}}}}')
    for name, e in d["styles"].items():
        if name not in styles:
            raise ModelError(f"{where} names an unknown style {name!r}")
        try:
            from_entry(e)
        except (TypeError, KeyError, ValueError) as exc:
            raise ModelError(f"{where}: styles[{name!r}]: {exc}") from None
    return dict(d)


def _prior_std(d: dict[str, Any]) -> float:
    if d.get("kind") != "gaussian":
        raise ModelError(f"{MANIFEST_NAME} prior.kind must be 'gaussian', got {d.get('kind')!r}")
    std: Any = d.get("std")
    number = isinstance(std, int | float) and not isinstance(std, bool)
    if not number or not math.isfinite(std) or std <= 0:
        raise ModelError(f"{MANIFEST_NAME} prior.std must be a positive number, got {std!r}")
    return float(std)


def _graphs(d: dict[str, Any]) -> dict[str, GraphSpec]:
    out: dict[str, GraphSpec] = {}
    for role, entry in d.items():
        if role not in GRAPH_ROLES:
            raise ModelError(f"{MANIFEST_NAME} names an unknown graph role {role!r}")
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise ModelError(f"{MANIFEST_NAME} graphs.{role} must give its 'file'")
        samples = entry.get("samples", 0)
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 0:
            raise ModelError(f"{MANIFEST_NAME} graphs.{role}.samples must be an int >= 0")
        out[role] = GraphSpec(file=entry["file"], samples=samples)
    for role in REQUIRED_ROLES:
        if role not in out:
            raise ModelError(f"{MANIFEST_NAME} lacks the required graph {role!r}")
    return out


def _str_map(d: dict[str, Any], key: str) -> dict[str, str]:
    if not all(isinstance(v, str) for v in d.values()):
        raise ModelError(f"{MANIFEST_NAME} field {key!r} must map file names to strings")
    return {str(k): v for k, v in d.items()}


def _int_map(d: Any, key: str) -> dict[str, int]:
    if not isinstance(d, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in d.values()
    ):
        raise ModelError(f"{MANIFEST_NAME} field {key!r} must map file names to sizes in bytes")
    return {str(k): int(v) for k, v in d.items()}


def _check_consistency(m: Manifest, raw: Mapping[str, Any]) -> None:
    """Cross-field checks: the promises of the manifest must agree with each other."""
    if not m.styles or not all(isinstance(s, str) and s for s in m.styles):
        raise ModelError(f"{MANIFEST_NAME} styles must be a non-empty list of names")
    if len(set(m.styles)) != len(m.styles):
        raise ModelError(f"{MANIFEST_NAME} styles has duplicate names")
    if set(m.style_ranges) != set(m.styles):
        raise ModelError(
            f"{MANIFEST_NAME} style_ranges must give a range for each of the {len(m.styles)} "
            f"styles exactly (styles: {list(m.styles)}, ranges: {sorted(m.style_ranges)})"
        )
    if m.sample_rate != m.features.sample_rate:
        raise ModelError(
            f"{MANIFEST_NAME} sample_rate {m.sample_rate} differs from "
            f"features.sample_rate {m.features.sample_rate}"
        )
    _check_conditions(m, raw.get("conditions"))
    synth = m.graphs["synth"]
    if synth.samples != m.note_samples:
        raise ModelError(
            f"{MANIFEST_NAME} graphs.synth.samples {synth.samples} differs from "
            f"note_samples {m.note_samples}"
        )
    head = m.graphs.get("synth_head")
    if head is not None and not 0 < head.samples <= m.note_samples:
        raise ModelError(f"{MANIFEST_NAME} graphs.synth_head.samples must be in 1..note_samples")
    for g in m.graphs.values():
        if Path(g.file).name != g.file:
            raise ModelError(f"{MANIFEST_NAME} graph file {g.file!r} must be a plain file name")
        if g.file not in m.sha256:
            raise ModelError(f"{MANIFEST_NAME} gives no sha256 for {g.file}")


def _check_conditions(m: Manifest, conditions: Any) -> None:
    """The declared input layout must be exactly the one the runtime will feed."""
    expected = [{"name": c.name, "size": c.size} for c in m.conditions]
    if conditions != expected:
        raise ModelError(
            f"{MANIFEST_NAME} condition layout {conditions!r} does not match the expected "
            f"{expected!r} (latent_dim {m.latent_dim}, {len(m.styles)} styles)"
        )


def verify_files(model_dir: str | Path, m: Manifest) -> dict[str, bytes]:
    """Read every graph, check its size and sha256; returns {file: bytes}.

    The bytes are handed to onnxruntime as they were checked, so the file cannot change
    between the check and the load.
    """
    root = Path(model_dir)
    blobs: dict[str, bytes] = {}
    for role, g in m.graphs.items():
        path = root / g.file
        if not path.is_file():
            raise ModelError(f"model {root}: {g.file} (graph {role!r}) is missing")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"model {root}: cannot read {g.file} ({exc.strerror})") from None
        want = m.sizes.get(g.file)
        if want is not None and len(data) != want:
            raise ModelError(
                f"model {root}: {g.file} is truncated or altered "
                f"({len(data)} bytes, the manifest says {want})"
            )
        got = hashlib.sha256(data).hexdigest()
        if got != m.sha256[g.file]:
            raise ModelError(
                f"model {root}: {g.file} is corrupt (sha256 {got[:12]}... does not match the "
                f"manifest's {m.sha256[g.file][:12]}...)"
            )
        blobs[g.file] = data
    return blobs


# --- writing -------------------------------------------------------------------------------


def write_manifest(model_dir: str | Path, m: Manifest) -> Path:
    """Write ``manifest.json`` atomically (a half-written manifest never replaces a good one)."""
    path = Path(model_dir) / MANIFEST_NAME
    parse_manifest(json.loads(json.dumps(m.to_dict())))  # never write what we would refuse
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(m.to_dict(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def checksums(model_dir: str | Path, files: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    """(sha256, size) of each named file of the folder, for a new manifest."""
    root = Path(model_dir)
    sha = {f: file_sha256(root / f) for f in files}
    sizes = {f: (root / f).stat().st_size for f in files}
    return sha, sizes
