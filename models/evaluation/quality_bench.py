"""``waefader bench quality``: does every key play its note, and sound like the library?

    waefader bench quality [--model DIR] [--data CORPUS] [--quick] [--json] [--out DIR]
                           [--threads N] [--judge tiny|full] [--draws N] [--gl-keys N]

For every key of every style's range (mf and ff), four sources are measured against the
library's own note for that key (docs/EVALUATION.md, "bench quality"):

- ``library``: the library's note itself through the pitch judge (its pitch-right fraction
  is the bar a model can reach with this judge);
- ``model``: the synth graph at z = 0 (the engine's default latent point): what plays;
- ``model_prior``: the same at ``--draws`` prior draws of z per key (mf keys);
- ``vocoder``: the library note's true log-Mel through the model's own vocoder (for the
  harmonic-plus-noise vocoder, which plays head parameters, the parameters fitted to the
  true log-Mel by :mod:`models.hpn_fit`, on the Griffin-Lim keys);
- ``griffin_lim``: the true log-Mel through 100 iterations of fast Griffin-Lim
  (``--gl-keys`` keys per style, mf: it costs about a second a note).

Plus the decoder's reconstruction (encoder -> z -> decoder log-Mel against the true one)
on the corpus's test notes. ``--json`` prints the figures; ``--out DIR`` writes report.md,
per_key.csv, heatmap.png and spectrograms.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.evaluation import quality_measure as qm
from models.evaluation.metrics import feature_metrics
from models.evaluation.pitch_judge import JudgeUnavailable
from models.evaluation.quality_notes import (
    Key,
    Library,
    gl_subset,
    key_grid,
    library_notes,
    render_griffin_lim,
    render_model,
    render_vocoder,
    vocoder_guidance,
)
from models.evaluation.quality_pitch import Crepe
from models.hpn import HarmonicNoiseVocoder
from models.hpn_fit import render_fitted
from realtime.cli.helptext import summary
from realtime.manifest import ModelError
from realtime.model import OnnxSynth, SessionConfig, load_model

PROG = "waefader bench quality"
DEFAULT_CORPUS = Path("data/corpus")
SOURCES = ("library", "model", "model_prior", "vocoder", "griffin_lim")


@dataclass
class Settings:
    model: Path | None = None
    data: Path | None = None
    quick: bool = False
    # CREPE "full": on the library's own notes it reads 0 octave errors where "tiny" reads
    # 9 (low bassoon keys with a weak fundamental), so it is the judge a key can trust;
    # "tiny" is 17x cheaper for a quick look (docs/EVALUATION.md, "bench quality").
    judge: str = "full"
    threads: int = 2
    draws: int = 2
    gl_keys: int = 3
    seed: int = 0
    progress: bool = False


@dataclass
class Source:
    """One source's notes: which keys (indices into the bench's keys), audio, table."""

    idx: np.ndarray
    audio: np.ndarray
    table: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class BenchRun:
    keys: list[Key]
    library: Library
    sources: dict[str, Source]
    sample_rate: int
    result: dict[str, Any]


def corpus_path(s: Settings, synth: OnnxSynth) -> Path | None:
    """``--data``, else the corpus the model was trained on when it is here, else the
    default corpus folder."""
    if s.data is not None:
        return s.data
    named = synth.manifest.provenance.get("dataset")
    if named and (Path(named) / "card.json").is_file():
        return Path(named)
    return DEFAULT_CORPUS if (DEFAULT_CORPUS / "card.json").is_file() else None


class Progress:
    """A tqdm bar over the notes rendered and judged (silent off a terminal)."""

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc="bench quality", unit="note", disable=not enabled,
                        file=sys.stderr)

    def tick(self, n: int) -> None:
        self.bar.update(n)

    def stage(self, name: str) -> None:
        self.bar.set_postfix_str(name)


def _recover(root: Path, notes: list[str]) -> Any:
    """The folder's torch modules, or None (with the reason in ``notes``): then the
    vocoder source and the reconstruction are left out."""
    from export.recover import RecoverError, recover

    try:
        return recover(root)
    except (RecoverError, KeyError, OSError, ValueError) as exc:
        notes.append(f"no vocoder source and no reconstruction: {exc}")
        return None


def render_sources(s: Settings, synth: OnnxSynth, keys: list[Key], lib: Library,
                   recovered: Any, bar: Progress, stages: dict[str, float]) -> dict[str, Source]:
    """Audio of every source (see the module doc)."""
    sr_cfg = synth.manifest.features
    n, dim = len(keys), synth.latent_dim
    every = np.arange(n)
    out: dict[str, Source] = {"library": Source(every, lib.audio)}
    t0 = time.perf_counter()
    bar.stage("model")
    out["model"] = Source(every, render_model(synth, keys, np.zeros((n, dim), np.float32),
                                              bar.tick))
    if s.draws > 0:  # on the mf keys: the spread over z, at half the cost
        rng = np.random.default_rng(s.seed)
        idx = np.tile(np.array([i for i, k in enumerate(keys) if k.dynamics == "mf"]), s.draws)
        z = (rng.standard_normal((len(idx), dim)) * synth.prior_std).astype(np.float32)
        out["model_prior"] = Source(idx, render_model(synth, [keys[i] for i in idx], z, bar.tick))
    stages["render_model_s"] = time.perf_counter() - t0
    gl = np.array(gl_subset(keys, 1 if s.quick else s.gl_keys), dtype=np.int64)
    t0 = time.perf_counter()
    midi = np.array([k.midi for k in keys], np.float64)
    if recovered is not None and isinstance(recovered.mcnn, HarmonicNoiseVocoder):
        # hpn plays head parameters, not a Mel: those of the true Mel, fitted (on the
        # Griffin-Lim keys: the fit costs about half a second a note)
        bar.stage("vocoder (fit)")
        audio, fit_l1 = render_fitted(recovered.decoder.out, recovered.mcnn, lib.features[gl],
                                      midi[gl], tick=bar.tick)
        out["vocoder"] = Source(gl, audio)
        stages["vocoder_fit_l1"] = fit_l1
    elif recovered is not None:
        bar.stage("vocoder")
        guided = bool(stages.get("vocoder_pitch_guided", True))
        out["vocoder"] = Source(every, render_vocoder(recovered.mcnn, lib.features, midi, guided,
                                                      s.threads, bar.tick))
    stages["render_vocoder_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    bar.stage("griffin-lim")
    gl_audio = render_griffin_lim(lib.features[gl], sr_cfg, 100, tick=bar.tick)
    out["griffin_lim"] = Source(gl, gl_audio)
    stages["render_griffin_lim_s"] = time.perf_counter() - t0
    return out


def measure_sources(s: Settings, sources: dict[str, Source], keys: list[Key], lib: Library,
                    sample_rate: int, hop: int, bar: Progress, stages: dict[str, float]) -> None:
    """Fill every source's table: pitch (one batched judge per source) and spectra."""
    t0 = time.perf_counter()
    crepe = Crepe(s.judge, s.threads)
    stages["judge_backend"] = 1.0 if crepe.session is not None else 0.0
    for name, src in sources.items():
        bar.stage(f"pitch: {name}")
        src.table = qm.pitch_table(crepe, src.audio, sample_rate, [keys[i] for i in src.idx])
        bar.tick(len(src.idx))
    lib_cents = sources["library"].table["cents"]
    for name, src in sources.items():
        if name != "library":
            qm.against_library(src.table, lib_cents[src.idx])
    stages["pitch_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    lib_keys = keys
    lib_spec = qm.spectral_table(lib.audio, None, sample_rate, hop, lib_keys)
    sources["library"].table.update(lib_spec)
    for name, src in sources.items():
        if name == "library":
            continue
        bar.stage(f"spectra: {name}")
        sub = [keys[i] for i in src.idx]
        for a in range(0, len(src.idx), 128):  # bounded memory: STFTs of 128 notes at once
            sl = slice(a, a + 128)
            ii = src.idx[sl]
            part = qm.spectral_table(src.audio[sl], lib.audio[ii], sample_rate, hop, sub[sl],
                                     lib_spec["comb_db"][ii], lib_spec["high_band_db"][ii])
            for m, v in part.items():
                src.table.setdefault(m, np.full(len(src.idx), np.nan))[sl] = v
    stages["spectra_s"] = time.perf_counter() - t0


def reconstruction(recovered: Any, corpus: Path | None, synth: OnnxSynth,
                   limit: int | None) -> dict[str, Any] | None:
    """Decoder reconstruction on the corpus test split: encoder -> z -> decoder log-Mel
    against the true log-Mel (spectral convergence, LSD, Mel L1; Mel domain)."""
    if recovered is None or recovered.encoder is None or corpus is None:
        return None
    from models.data.store import CorpusStore
    from models.wae.condition import Condition

    try:
        store = CorpusStore(corpus)
    except (FileNotFoundError, ValueError):
        return None
    cfg = synth.manifest.features
    if store.feature_config.to_dict() != cfg.to_dict():
        return None
    styles = synth.style_names
    idx = [int(i) for i in store.split_indices("test") if store.meta[i].style in styles]
    if limit is not None:
        idx = idx[:: max(1, len(idx) // limit)][:limit]
    if not idx:
        return None
    true = np.asarray(store.features[idx], np.float32)
    pitch = torch.tensor([store.meta[i].pitch for i in idx])
    style = torch.tensor([styles.index(store.meta[i].style) for i in idx])
    dyn = torch.tensor([["pp", "mf", "ff"].index(store.meta[i].dynamics) for i in idx])
    outs = []
    with torch.no_grad():
        for a in range(0, len(idx), 32):
            sl = slice(a, a + 32)
            x = torch.from_numpy(true[sl])
            cond = Condition.from_midi(pitch[sl], style[sl], dyn[sl], len(styles))
            outs.append(recovered.decoder(recovered.encoder(x), cond).clamp_min(0.0).numpy())
    m = feature_metrics(true, np.concatenate(outs), cfg)
    return {**m, "n_notes": len(idx), "split": "test"}


def run(s: Settings) -> BenchRun:
    """The whole bench; raises ModelError / JudgeUnavailable with one clear line."""
    start, cpu = time.perf_counter(), time.process_time()
    torch.set_num_threads(max(1, s.threads))
    # One thread, a few notes a call: the synth graph's cheapest way (a second thread
    # spins more than it helps); the judge and the vocoder use --threads.
    synth = load_model(s.model, SessionConfig(intra_op_threads=1))
    cfg = synth.manifest.features
    all_keys = key_grid(dict(synth.style_ranges), synth.style_names, s.quick)
    corpus = corpus_path(s, synth)
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    lib = library_notes(all_keys, cfg, corpus)
    have = lib.have
    keys = [k for k, h in zip(all_keys, have, strict=True) if h]
    if not keys:
        raise ModelError("no key of this model has a library note to compare with "
                         f"({'; '.join(lib.notes) or 'no corpus and no recipe for its styles'})")
    lib = Library(lib.audio[have], lib.features[have], [o for o in lib.origin if o], lib.notes)
    stages["library_s"] = time.perf_counter() - t0
    recovered = _recover(synth.root, lib.notes)
    guided, err = (True, float("nan"))
    fitted = recovered is not None and isinstance(recovered.mcnn, HarmonicNoiseVocoder)
    if fitted:
        lib.notes.append("vocoder source: the hpn vocoder plays head parameters fitted to the "
                         "true Mel (models/hpn_fit.py), on the Griffin-Lim keys")
    elif recovered is not None:
        guided, err = vocoder_guidance(recovered, synth, keys)
        stages["vocoder_pitch_guided"] = float(guided)
    draws = 0 if s.quick else s.draws
    s = Settings(**{**s.__dict__, "draws": draws})
    n_gl = len(gl_subset(keys, 1 if s.quick else s.gl_keys))
    n_mf = sum(k.dynamics == "mf" for k in keys)
    n_voc = n_gl if fitted else (len(keys) if recovered is not None else 0)
    total = (len(keys) * 2 + n_voc + n_mf * draws + n_gl) * 2
    bar = Progress(total, s.progress)
    sources = render_sources(s, synth, keys, lib, recovered, bar, stages)
    measure_sources(s, sources, keys, lib, synth.sample_rate, cfg.hop, bar, stages)
    bar.stage("reconstruction")
    recon = reconstruction(recovered, corpus, synth, 40 if s.quick else None)
    bar.bar.close()
    elapsed = time.perf_counter() - start
    stages["cpu_s"] = time.process_time() - cpu
    result = assemble(s, synth, keys, lib, sources, recon, stages, elapsed, corpus,
                      len(all_keys) - len(keys), (guided, err))
    return BenchRun(keys, lib, sources, synth.sample_rate, result)


def assemble(s: Settings, synth: OnnxSynth, keys: list[Key], lib: Library,
             sources: dict[str, Source], recon: dict[str, Any] | None,
             stages: dict[str, float], elapsed: float, corpus: Path | None, no_library: int,
             guidance: tuple[bool, float]) -> dict[str, Any]:
    """The figures (DESIGN.md figures contract: plain floats and ints, lists, dicts)."""
    nyq = synth.sample_rate / 2
    per_source = {n: qm.summary(src.table) for n, src in sources.items()}
    lib_right = per_source["library"]["pitch_right"]
    styles: dict[str, dict[str, Any]] = {}
    for name, src in sources.items():
        for st, row in qm.style_table(src.table, [keys[i] for i in src.idx]).items():
            styles.setdefault(st, {})[name] = row
    return {
        "model": _shown(synth.root),
        "sample_rate": synth.sample_rate,
        "corpus": str(corpus) if corpus else None,
        "judge": f"torchcrepe-{s.judge}",
        "quick": s.quick,
        "threads": s.threads,
        "n_keys": len(keys),
        "n_styles": len({k.style for k in keys}),
        "dynamics": sorted({k.dynamics for k in keys}),
        "no_library_note": no_library,
        "library_rendered": int(sum(o == "rendered" for o in lib.origin)),
        "draws": s.draws,
        "pitch_right": per_source["model"]["pitch_right"],
        "library_pitch_right": lib_right,
        "octave_errors": per_source["model"]["octave_errors"],
        "sources": per_source,
        "styles": styles,
        "octave_error_keys": {n: qm.octave_error_keys(src.table, [keys[i] for i in src.idx])
                              for n, src in sources.items()},
        "reconstruction": recon,
        "vocoder_pitch_guided": bool(guidance[0]) if "vocoder" in sources else None,
        "vocoder_recovered_max_abs": guidance[1] if "vocoder" in sources else None,
        "vocoder_fit_l1": stages.get("vocoder_fit_l1"),
        "high_band": (f"absent: Nyquist {nyq:.0f} Hz is below 11.5 kHz" if nyq <= 11500
                      else "measured: energy above 11 kHz, source minus library (dB)"),
        "notes": lib.notes,
        "stages_s": {k: round(v, 2) for k, v in stages.items() if k.endswith("_s")},
        "elapsed_s": elapsed,
    }


def _shown(path: Path) -> str:
    """A path relative to the working folder when it lies inside it (reports travel)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=summary(__doc__))
    p.add_argument("--model", type=Path, help="model folder (default: the shipped model)")
    p.add_argument("--data", type=Path, help="the library's corpus (default: the model's own "
                   "training corpus when present, else data/corpus)")
    p.add_argument("--quick", action="store_true",
                   help="3 keys in each of 3 styles, no prior draws: for tests")
    p.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    p.add_argument("--out", type=Path, help="write report.md, per_key.csv and figures here")
    p.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    p.add_argument("--judge", choices=("tiny", "full"), default="full",
                   help="torchcrepe model capacity: full (default; reads the library's own "
                   "notes right) or tiny (17x cheaper, reads weak fundamentals an octave up)")
    p.add_argument("--draws", type=int, default=2, help="prior draws of z per key (default 2)")
    p.add_argument("--gl-keys", type=int, default=3,
                   help="keys per style rendered by Griffin-Lim (default 3)")
    p.add_argument("--seed", type=int, default=0, help="seed of the prior draws (default 0)")
    return p


def headline(r: dict[str, Any]) -> str:
    """A few lines for the terminal."""
    lines = [f"bench quality: {r['n_keys']} keys, {r['n_styles']} styles, {r['judge']}, "
             f"{r['elapsed_s']:.0f} s"]
    for name, v in r["sources"].items():
        def f(x: Any, d: int = 3) -> str:
            return "-" if x is None else f"{x:.{d}f}"

        lines.append(f"  {name:<12} pitch right {f(v['pitch_right'])}  octave errors "
                     f"{v['octave_errors']}  median |cents| {f(v['median_abs_cents'], 1)} "
                     f"(vs library {f(v['median_abs_cents_vs_library'], 1)})  "
                     f"HNR {f(v['hnr_db'], 1)} dB  MR-STFT {f(v['mrstft'])}  "
                     f"LSD {f(v['lsd_db'], 2)} dB")
    rc = r["reconstruction"]
    if rc:
        lines.append(f"  decoder reconstruction (test, {rc['n_notes']} notes): SC "
                     f"{rc['spectral_convergence']:.3f}  LSD {rc['lsd_db']:.2f} dB")
    return "\n".join(lines)


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    a = build_parser(prog).parse_args(argv)
    if a.threads < 1 or a.draws < 0 or a.gl_keys < 1:
        print(f"{prog}: --threads and --gl-keys must be >= 1, --draws >= 0", file=sys.stderr)
        return 2
    s = Settings(a.model, a.data, a.quick, a.judge, a.threads, a.draws, a.gl_keys, a.seed,
                 progress=sys.stderr.isatty())
    try:
        res = run(s)
    except (ModelError, JudgeUnavailable) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    if a.out is not None:
        from models.evaluation.quality_report import write_report

        write_report(res, a.out)
    if a.json:
        from models.evaluation.quality_report import clean

        print(json.dumps(clean(res.result), indent=2, allow_nan=False))
    else:
        print(headline(res.result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
