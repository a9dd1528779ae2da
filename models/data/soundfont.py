"""Offline note rendering with FluidSynth (pyfluidsynth) from a General MIDI soundfont.

No audio driver is opened: the synth is pulled block by block into float buffers, so this
runs on machines without a sound card. A note is a short *performance*: a list of
:class:`Event` at sample times (program, note on/off, controllers, pitch bend), rendered
into exactly ``n_samples`` samples, mono.

Why the details matter for a corpus that must be the same bytes on every build:
- Float output (``fluid_synth_write_float``), not the 16-bit ``get_samples``: 16-bit output
  is dithered with a noise table and quantises pp notes; float output is neither.
- Reverb and chorus are off: their delay lines would carry one note's tail into the next
  and the dry note is what the model should learn.
- Before each note the synth is reset and pulled until no voice sounds, and every event
  lands on FluidSynth's 64-sample block grid, so a render never depends on the notes
  rendered before it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.data.errors import DatasetError

# Debian's fluid-soundfont-gm; default-GM.sf2 is the alternatives link to the same file.
SOUNDFONT_CANDIDATES = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/default-GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/default.sf2"),
)
INSTALL_HINT = "sudo apt-get install --no-install-recommends fluid-soundfont-gm"
BLOCK = 64  # FluidSynth's internal block: events take effect on this grid.
RESET_LIMIT_S = 6.0  # far longer than any voice takes to die (a time: blocks scale with the rate)


class SoundfontMissing(DatasetError):
    """The GM soundfont (or FluidSynth itself) is not installed."""


def find_soundfont(path: str | Path | None = None) -> Path:
    """The soundfont to render from: ``path`` when given, else FluidR3_GM from Debian."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise SoundfontMissing(f"soundfont not found: {p}")
        return p
    for p in SOUNDFONT_CANDIDATES:
        if p.is_file():
            return p.resolve()
    looked = ", ".join(str(p) for p in SOUNDFONT_CANDIDATES)
    raise SoundfontMissing(
        f"the FluidR3_GM soundfont is not installed (looked in {looked}). Install it with:\n"
        f"  {INSTALL_HINT}"
    )


@dataclass(frozen=True)
class Event:
    """One MIDI event of a note performance at ``time`` samples from the note's start.

    ``kind``: ``program`` (a = GM program 0..127), ``on`` (a = key, b = velocity),
    ``off`` (a = key), ``cc`` (a = controller, b = value), ``bend`` (a = -8192..8191).
    """

    time: int
    kind: str
    a: int
    b: int = 0


def _import_fluidsynth() -> Any:
    try:
        import fluidsynth
    except ImportError as exc:  # the Python package or the shared library is missing
        raise SoundfontMissing(
            f"pyfluidsynth cannot load FluidSynth ({exc}). Install it with:\n"
            "  sudo apt-get install --no-install-recommends fluidsynth\n"
            "  .venv/bin/pip install -e '.[train]' -c constraints.txt"
        ) from None
    return fluidsynth


class NoteSynth:
    """A FluidSynth instance that renders single-note performances, mono float32.

    ``gain`` is FluidSynth's master gain; it is one constant for the whole corpus (never
    per note), so the dynamics stay in the level of the notes.
    """

    CHANNEL = 0

    def __init__(self, soundfont: Path, sample_rate: int, gain: float) -> None:
        fs = _import_fluidsynth()
        settings = {"synth.reverb.active": 0, "synth.chorus.active": 0, "synth.cpu-cores": 1}
        self._synth = fs.Synth(gain=float(gain), samplerate=float(sample_rate), **settings)
        self._sfid = self._synth.sfload(str(soundfont))
        if self._sfid < 0:
            raise SoundfontMissing(f"FluidSynth could not load the soundfont {soundfont}")
        self._write = fs.cfunc(
            "fluid_synth_write_float",
            ctypes.c_int,
            ("synth", ctypes.c_void_p, 1),
            ("len", ctypes.c_int, 1),
            ("lout", ctypes.c_void_p, 1),
            ("loff", ctypes.c_int, 1),
            ("lincr", ctypes.c_int, 1),
            ("rout", ctypes.c_void_p, 1),
            ("roff", ctypes.c_int, 1),
            ("rincr", ctypes.c_int, 1),
        )
        if self._write is None:
            raise SoundfontMissing("this FluidSynth library has no fluid_synth_write_float")
        self._scratch = np.zeros((2, BLOCK), dtype=np.float32)
        self._reset_blocks = int(np.ceil(RESET_LIMIT_S * sample_rate / BLOCK))
        # The very first block a FluidSynth instance renders differs slightly from later
        # ones (one-time initial state); burn it so every note renders the same.
        self.render([Event(0, "on", 60, 1)], BLOCK)

    def close(self) -> None:
        self._synth.delete()

    def __enter__(self) -> NoteSynth:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pull(self, left: np.ndarray, right: np.ndarray) -> None:
        """Render ``len(left)`` samples into two contiguous float32 views."""
        n = left.shape[0]
        if n:
            self._write(self._synth.synth, n, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)

    def reset(self) -> None:
        """Silence and reset everything (controllers, bend, programs); pull until no voice
        sounds, in whole blocks so the next note starts on the block grid."""
        self._synth.system_reset()
        for _ in range(self._reset_blocks):
            self._pull(self._scratch[0, :BLOCK], self._scratch[1, :BLOCK])
            if self._synth.get_active_voice_count() == 0:
                return
        raise RuntimeError("FluidSynth voices did not stop after reset")

    def _send(self, ev: Event) -> None:
        s, ch = self._synth, self.CHANNEL
        if ev.kind == "program":
            s.program_select(ch, self._sfid, 0, ev.a)
        elif ev.kind == "on":
            s.noteon(ch, ev.a, ev.b)
        elif ev.kind == "off":
            s.noteoff(ch, ev.a)
        elif ev.kind == "cc":
            s.cc(ch, ev.a, ev.b)
        elif ev.kind == "bend":
            s.pitch_bend(ch, ev.a)
        else:
            raise ValueError(f"unknown event kind {ev.kind!r}")

    def render(self, events: Sequence[Event], n_samples: int) -> np.ndarray:
        """Play ``events`` from a reset synth. Returns ``(n_samples,)`` float32 mono.

        Event times are rounded down to the 64-sample block grid (where FluidSynth applies
        them anyway); events at the same time keep their order.
        """
        self.reset()
        out = np.zeros((2, n_samples), dtype=np.float32)
        pos = 0
        for ev in sorted(events, key=lambda e: e.time):  # stable: same-time order kept
            t = min(max(ev.time // BLOCK * BLOCK, 0), n_samples)
            self._pull(out[0, pos:t], out[1, pos:t])
            pos = max(pos, t)
            self._send(ev)
        self._pull(out[0, pos:], out[1, pos:])
        rest = -n_samples % BLOCK  # finish the block so the next render starts on the grid
        self._pull(self._scratch[0, :rest], self._scratch[1, :rest])
        mono: np.ndarray = 0.5 * (out[0] + out[1])
        return mono


def fluidsynth_version() -> str:
    """The FluidSynth library version, e.g. ``2.3.1`` (recorded in the dataset card)."""
    fs = _import_fluidsynth()
    v = [ctypes.c_int() for _ in range(3)]
    fs.fluid_version(*v)
    return ".".join(str(x.value) for x in v)
