"""Helpers for the engine tests: a small numpy renderer standing in for a model.

A module of its own (not conftest.py) so that test modules import it by a name no other
test folder uses: ``from conftest import ...`` picked tests/gui/conftest.py when both
folders were collected in one run.

``SineRenderer`` implements the NoteRenderer protocol: each (pitch class, octave) weight
pair adds a decaying sine at that pitch, loudness from the dynamics weights, 10 ms of
leading silence (like the corpus notes), so trimming, mixing and timing can be checked
against known signals. ``head_samples > 0`` adds a ``render_head`` (the first frames).
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from realtime.engine import Engine, EngineConfig

LEAD = 220  # leading silence in model samples (10 ms at 22050 Hz)


class SineRenderer:
    def __init__(
        self,
        sample_rate: int = 22050,
        note_samples: int = 11025,
        head_samples: int = 0,
        styles: tuple[str, ...] = ("flute", "violin"),
        latent_dim: int = 4,
        delay_s: float = 0.0,
    ) -> None:
        self._sr, self._n, self.head_samples = sample_rate, note_samples, head_samples
        self._styles, self._latent = styles, latent_dim
        self.delay_s = delay_s
        self.calls: list[tuple[str, int]] = []  # ("whole" | "head", batch)
        self.style_ranges = {s: (36, 96) for s in styles}
        self.prior_std = 1.0
        self._lock = threading.Lock()

    sample_rate = property(lambda self: self._sr)
    note_samples = property(lambda self: self._n)
    latent_dim = property(lambda self: self._latent)
    style_names = property(lambda self: self._styles)

    def _notes(self, n: int, z, pc, octv, style, dyn) -> np.ndarray:
        t = np.arange(n - LEAD, dtype=np.float64) / self._sr
        out = np.zeros((z.shape[0], n), np.float32)
        for b in range(z.shape[0]):
            amp = float(dyn[b] @ np.array([0.1, 0.3, 0.6])) * (1 + 0.1 * float(style[b].sum()))
            wave = np.zeros_like(t)
            for p in np.flatnonzero(pc[b]):
                for o in np.flatnonzero(octv[b]):
                    f = 440.0 * 2 ** ((12 * (o + 1) + p - 69) / 12)
                    wave += pc[b, p] * octv[b, o] * np.sin(2 * np.pi * f * t)
            out[b, LEAD:] = amp * wave * np.exp(-t * 1.5)
        return out

    def render(self, z, pc, octv, style, dyn) -> np.ndarray:
        self.calls.append(("whole", z.shape[0]))
        if self.delay_s:
            threading.Event().wait(self.delay_s)
        return self._notes(self._n, z, pc, octv, style, dyn)

    def render_head_impl(self, z, pc, octv, style, dyn) -> np.ndarray:
        self.calls.append(("head", z.shape[0]))
        return self._notes(self._n, z, pc, octv, style, dyn)[:, : self.head_samples]

    def __getattr__(self, name: str):
        if name == "render_head" and self.__dict__.get("head_samples"):
            return self.render_head_impl
        raise AttributeError(name)


def make_engine(renderer: SineRenderer | None = None, **config: object) -> Engine:
    cfg = EngineConfig(**{"seed": 0, "sample_rate": 48000, **config})  # type: ignore[arg-type]
    eng = Engine(renderer or SineRenderer(), cfg)
    eng.set("gain", 0.0)
    eng.mixer.gain = eng.mixer.target_gain
    return eng


def need_jack() -> None:
    if not os.environ.get("JACK_DEFAULT_SERVER"):
        pytest.skip("needs the private JACK server: run through scripts/with_jack.sh / make pytest")
