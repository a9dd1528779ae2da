"""The notes ``bench quality`` compares: the key grid, the library's notes, the sources.

- keys: every key of every style's playable range (the manifest's ``style_ranges``), one-hot
  style, dynamics mf and ff;
- library: the corpus's own note for (style, key, dynamics) when the corpus holds it at the
  model's sample rate and length, else the corpus recipe rendered through FluidSynth (same
  GM program, velocity and controls, :func:`models.data.recipe.plan`); a key with neither
  has no library note and is left out of the comparisons (counted);
- sources: ``model`` (the synth graph, what the synth plays, at the engine's default latent
  point z = 0), ``model_prior`` (the same at prior draws of z), ``vocoder`` (the library
  note's true log-Mel through the model's own vocoder, recovered from its graph) and
  ``griffin_lim`` (the true log-Mel through 100 iterations of fast Griffin-Lim, on a subset
  of keys: it costs about a second a note).

Shapes: audio ``(B, note_samples)`` float32; features ``(B, n_mels, n_frames)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.fft as sfft
import torch

from models.mcnn import MCNN
from realtime.conditions import DYNAMICS, N_DYNAMICS, note_weights, one_hot
from realtime.dsp.features import (
    FeatureConfig,
    feature_to_amplitude,
    hann_window,
    log_mel,
    magnitude_scale,
    mel_filterbank,
)
from realtime.model import OnnxSynth

BENCH_DYNAMICS = ("mf", "ff")
RENDER_BATCH = 32
SYNTH_BATCH = 4  # the synth graph: 4 notes a call on one thread cost least CPU (measured)


@dataclass(frozen=True)
class Key:
    style: str
    midi: int
    dynamics: str


def key_grid(ranges: dict[str, tuple[int, int]], styles: tuple[str, ...], quick: bool
             ) -> list[Key]:
    """Every key of every style (mf, ff); ``quick``: 3 keys spread over 3 styles' ranges."""
    names = [s for s in styles if s in ranges]
    if quick:
        picks = [names[int(i * len(names) / 3)] for i in range(min(3, len(names)))]
        names = list(dict.fromkeys(picks))
    keys = []
    for s in names:
        lo, hi = ranges[s]
        pitches = list(range(int(lo), int(hi) + 1))
        if quick:
            pitches = sorted({pitches[int((i + 0.5) * len(pitches) / 3)] for i in range(3)})
        keys += [Key(s, p, d) for p in pitches for d in BENCH_DYNAMICS]
    return keys


def gl_subset(keys: list[Key], per_style: int) -> list[int]:
    """Indices of ``per_style`` keys spread over each style's range, mf only."""
    out: list[int] = []
    for s in dict.fromkeys(k.style for k in keys):
        idx = [i for i, k in enumerate(keys) if k.style == s and k.dynamics == "mf"]
        n = min(per_style, len(idx))
        out += [idx[int((j + 0.5) * len(idx) / n)] for j in range(n)]
    return out


@dataclass
class Library:
    """The library's notes of ``keys``: ``audio``, ``features`` (true log-Mel), ``origin``
    per key ("corpus", "rendered" or "" for none) and ``have`` (bool mask)."""

    audio: np.ndarray
    features: np.ndarray
    origin: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def have(self) -> np.ndarray:
        return np.array([o != "" for o in self.origin])


def _corpus_index(corpus: Path, cfg: FeatureConfig) -> tuple[Any, dict[Key, int]] | None:
    """The corpus store and its (style, pitch, dynamics) -> row map, or None when it cannot
    serve this model (missing, other sample rate or note length)."""
    from models.data.store import CorpusStore

    try:
        store = CorpusStore(corpus)
    except (FileNotFoundError, ValueError):
        return None
    fc = store.feature_config
    if (fc.sample_rate, fc.note_samples, fc.n_mels, fc.n_frames) != (
        cfg.sample_rate, cfg.note_samples, cfg.n_mels, cfg.n_frames
    ):
        return None
    return store, {Key(m.style, m.pitch, m.dynamics): i for i, m in enumerate(store.meta)}


def _renderer(cfg: FeatureConfig, card: dict[str, Any] | None
              ) -> tuple[Callable[[Key], np.ndarray | None], Callable[[], None]] | None:
    """A function rendering one key with the corpus recipe through FluidSynth, and its
    closer; None when FluidSynth or the soundfont is missing."""
    from models.data.errors import DatasetError
    from models.data.recipe import Timing, plan
    from models.data.soundfont import NoteSynth, find_soundfont

    settings = (card or {}).get("settings", {})
    try:
        synth = NoteSynth(find_soundfont(None), cfg.sample_rate, float(settings.get("gain", 1.5)))
    except DatasetError:
        return None
    tm = Timing(cfg.sample_rate, float(settings.get("note_off_s", 1.0)))
    specs = {Key(n.style, n.pitch, n.dynamics): n for n in plan("all", False, tm)}

    def render(key: Key) -> np.ndarray | None:
        spec = specs.get(key)
        return None if spec is None else synth.render(spec.events, cfg.note_samples)

    return render, synth.close


def library_notes(keys: list[Key], cfg: FeatureConfig, corpus: Path | None) -> Library:
    """The library's note of every key (see the module doc)."""
    n = len(keys)
    audio = np.zeros((n, cfg.note_samples), np.float32)
    feats = np.zeros((n, cfg.n_mels, cfg.n_frames), np.float32)
    origin = [""] * n
    found = _corpus_index(corpus, cfg) if corpus is not None else None
    card = None
    if found is not None:
        store, rows = found
        card = store.card
        for i, k in enumerate(keys):
            if (r := rows.get(k)) is not None:
                audio[i] = store.audio[r]
                feats[i] = store.features[r]
                origin[i] = "corpus"
    missing = [i for i in range(n) if not origin[i]]
    notes = []
    if missing:
        rend = _renderer(cfg, card)
        if rend is None:
            notes.append(f"{len(missing)} keys have no library note (FluidSynth or the "
                         "soundfont is missing)")
        else:
            render, close = rend
            try:
                done = []
                for i in missing:
                    x = render(keys[i])
                    if x is not None and np.abs(x).max() > 1e-4:  # silent: the recipe skips it
                        audio[i], origin[i] = x, "rendered"
                        done.append(i)
                if done:
                    feats[done] = log_mel(audio[done], cfg)
            finally:
                close()
    return Library(audio, feats, origin, notes)


def conditions(keys: list[Key], styles: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """One-hot (pitch_class (B,12), octave (B,9), style (B,S), dynamics (B,3))."""
    pcs, octs = zip(*(note_weights(k.midi) for k in keys), strict=True)
    style = np.stack([one_hot(styles.index(k.style), len(styles)) for k in keys])
    dyn = np.stack([one_hot(DYNAMICS.index(k.dynamics), N_DYNAMICS) for k in keys])
    return np.stack(pcs), np.stack(octs), style, dyn


def render_model(synth: OnnxSynth, keys: list[Key], z: np.ndarray,
                 tick: Callable[[int], None] = lambda n: None) -> np.ndarray:
    """The synth graph at latent points ``z (B, L)`` for ``keys`` -> ``(B, note_samples)``."""
    pc, octv, style, dyn = conditions(keys, synth.style_names)
    out = np.zeros((len(keys), synth.note_samples), np.float32)
    for s in range(0, len(keys), SYNTH_BATCH):
        sl = slice(s, s + SYNTH_BATCH)
        out[sl] = synth.render(z[sl], pc[sl], octv[sl], style[sl], dyn[sl])
        tick(len(out[sl]))
    return out


class _Vocoder(torch.nn.Module):
    """``features (B, n_mels, T)``, ``pitch (B,)`` MIDI -> ``(B, T * hop)``."""

    def __init__(self, mcnn: MCNN, guided: bool) -> None:
        super().__init__()
        self.mcnn, self.guided = mcnn, guided

    def forward(self, features: torch.Tensor, pitch: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.mcnn(features, pitch if self.guided else None)
        return out


def vocoder_runner(mcnn: MCNN, guided: bool, threads: int
                   ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The vocoder as a function of (features, pitch) numpy batches: exported to ONNX in
    memory and run by onnxruntime (several times faster than torch here) when the export
    matches torch, else torch itself."""
    voc = _Vocoder(mcnn, guided).eval()

    def in_torch(f: np.ndarray, p: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return voc(torch.from_numpy(f), torch.from_numpy(p)).numpy()

    try:
        import io
        import warnings

        import onnxruntime as ort

        n_mels, n_frames = mcnn.cfg.features.n_mels, mcnn.cfg.features.n_frames
        probe = (torch.rand(2, n_mels, n_frames) * 0.8, torch.tensor([45.0, 69.0]))
        buf = io.BytesIO()
        with warnings.catch_warnings():  # the tracer's notes on constant folding
            warnings.simplefilter("ignore")
            torch.onnx.export(
                voc, probe, buf,  # type: ignore[arg-type]  # a file-like object works
                input_names=["features", "pitch"], output_names=["wave"], opset_version=17,
                dynamo=False,
                dynamic_axes={"features": {0: "b"}, "pitch": {0: "b"}, "wave": {0: "b"}})
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # shared CPUs
        opts.log_severity_level = 3
        sess = ort.InferenceSession(buf.getvalue(), opts, providers=["CPUExecutionProvider"])
        names = {i.name for i in sess.get_inputs()}  # unguided: the graph drops ``pitch``

        def in_ort(f: np.ndarray, p: np.ndarray) -> np.ndarray:
            feeds = {"features": f, "pitch": p}
            return np.asarray(sess.run(None, {k: v for k, v in feeds.items() if k in names})[0])

        f, p = (t.numpy() for t in probe)
        if np.abs(in_ort(f, p) - in_torch(f, p)).max() < 1e-3:
            return in_ort
    except Exception:
        pass
    return in_torch


def render_vocoder(mcnn: MCNN, features: np.ndarray, midi: np.ndarray,
                   guided: bool, threads: int = 2,
                   tick: Callable[[int], None] = lambda n: None) -> np.ndarray:
    """True log-Mel ``(B, n_mels, T)`` through the model's vocoder -> ``(B, T * hop)``."""
    run = vocoder_runner(mcnn, guided, threads)
    out = []
    for s in range(0, len(features), RENDER_BATCH):
        f = np.ascontiguousarray(features[s : s + RENDER_BATCH], dtype=np.float32)
        out.append(run(f, midi[s : s + RENDER_BATCH].astype(np.float32)))
        tick(len(f))
    return np.concatenate(out).astype(np.float32)


def _stft(y: np.ndarray, cfg: FeatureConfig, win: np.ndarray) -> np.ndarray:
    """Batched :func:`realtime.dsp.features.stft` in float32: ``(B, N)`` -> ``(B, bins, T)``."""
    pad = cfg.n_fft // 2
    yp = np.pad(y, ((0, 0), (pad, pad)), mode="reflect")
    fr = np.lib.stride_tricks.sliding_window_view(yp, cfg.n_fft, axis=-1)[:, :: cfg.hop]
    spec = sfft.rfft(fr[:, : cfg.n_frames] * win, axis=-1, workers=-1)
    return np.swapaxes(spec, 1, 2)


def _istft(spec: np.ndarray, cfg: FeatureConfig, win: np.ndarray, norm: np.ndarray
           ) -> np.ndarray:
    """Batched :func:`realtime.dsp.griffinlim.istft`: overlap-add by ``n_fft / hop`` shifted
    reshapes instead of a loop over frames. ``(B, bins, T)`` -> ``(B, T * hop)``."""
    b, _, t = spec.shape
    frames = sfft.irfft(np.swapaxes(spec, 1, 2), n=cfg.n_fft, axis=-1, workers=-1) * win
    k = cfg.n_fft // cfg.hop
    out = np.zeros((b, (t + k - 1) * cfg.hop), np.float32)
    for j in range(k):
        out[:, j * cfg.hop : (j + t) * cfg.hop] += frames[:, :, j * cfg.hop : (j + 1) * cfg.hop
                                                          ].reshape(b, t * cfg.hop)
    pad = cfg.n_fft // 2
    return np.asarray((out / norm)[:, pad : pad + t * cfg.hop])


def _mel_to_linear(mel: np.ndarray, cfg: FeatureConfig, n_iter: int = 50) -> np.ndarray:
    """:func:`realtime.dsp.griffinlim.mel_to_linear` (the same multiplicative NNLS updates)
    with BLAS matrix products in float32: ``(B, n_mels, T)`` -> ``(B, n_bins, T)``."""
    fb = mel_filterbank(cfg).astype(np.float32)
    fbt = np.ascontiguousarray(fb.T)
    m = np.asarray(mel, dtype=np.float32)
    width = np.maximum(fb.sum(axis=1), 1e-9)
    lin = fbt @ (m / width[:, None]) + np.float32(1e-9)
    target = fbt @ m
    for _ in range(n_iter):
        lin *= target / (fbt @ (fb @ lin) + np.float32(1e-12))
    return np.asarray(lin * np.float32(magnitude_scale(cfg)))


def render_griffin_lim(features: np.ndarray, cfg: FeatureConfig, n_iter: int = 100,
                       momentum: float = 0.99, batch: int = 16,
                       tick: Callable[[int], None] = lambda n: None) -> np.ndarray:
    """True log-Mel ``(B, n_mels, T)`` -> ``(B, T * hop)`` by the algorithm of
    :func:`realtime.dsp.griffinlim.features_to_audio` (same Mel inversion, fast Griffin-Lim
    with momentum 0.99, same start phases), batched in float32: the numpy reference takes
    about a second a note on this machine."""
    if cfg.n_fft % cfg.hop:
        raise ValueError("batched Griffin-Lim needs n_fft to be a multiple of hop")
    t = cfg.n_frames
    out = np.zeros((len(features), t * cfg.hop), np.float32)
    win = hann_window(cfg.n_fft).astype(np.float32)
    k = cfg.n_fft // cfg.hop
    norm = np.zeros((t + k - 1) * cfg.hop, np.float32)
    for j in range(t):
        norm[j * cfg.hop : j * cfg.hop + cfg.n_fft] += win**2
    norm = np.maximum(norm, 1e-8)
    start = np.exp(2j * np.pi * np.random.default_rng(0).random((cfg.n_bins, t)))
    for a in range(0, len(features), batch):
        f = np.asarray(features[a : a + batch], np.float32)
        mag = _mel_to_linear(feature_to_amplitude(f, cfg), cfg)
        prev = np.zeros(mag.shape, np.complex64)
        y = _istft(mag * start.astype(np.complex64), cfg, win, norm)
        for _ in range(n_iter):
            rebuilt = _stft(y, cfg, win)
            accel = rebuilt - np.float32(momentum / (1 + momentum)) * prev
            prev = rebuilt
            y = _istft(mag * accel / np.maximum(np.abs(accel), 1e-12), cfg, win, norm)
        out[a : a + batch] = y
        tick(len(f))
    return out


def vocoder_guidance(recovered: Any, synth: OnnxSynth, keys: list[Key]) -> tuple[bool, float]:
    """Whether the folder's synth graph guides its vocoder with the key's pitch (models
    exported before 2026-12 do not): the recovered decoder + MCNN run both ways on a few
    keys, and the way that matches the graph wins. Returns (guided, max |difference|)."""
    from export.wrapper import SynthWrapper

    few = keys[:: max(1, len(keys) // 4)][:4]
    z = np.zeros((len(few), synth.latent_dim), np.float32)
    want = render_model(synth, few, z)
    args = [torch.from_numpy(a) for a in (z, *conditions(few, synth.style_names))]
    best = (True, float("inf"))
    for guided in (True, False):
        wrap = SynthWrapper(recovered.decoder, recovered.mcnn, guide_pitch=guided).eval()
        with torch.no_grad():
            got = wrap(*args).numpy()
        err = float(np.abs(got - want).max())
        if err < best[1]:
            best = (guided, err)
    return best
