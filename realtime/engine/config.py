"""The engine's settings: one frozen dataclass, saved beside what it produces (JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any


class EngineError(Exception):
    """A user-facing engine problem (bad device, bad setting); the CLI prints it, exit 2."""


@dataclass(frozen=True)
class EngineConfig:
    """How the engine runs. Times in the names say their unit.

    ``chunk`` is the size of the callback's preallocated scratch buffers: any block size
    works (a block larger than ``chunk`` is mixed in several passes), so the callback never
    allocates whatever the device asks for.
    """

    sample_rate: int = 48000  # device rate; notes are resampled to it (soxr)
    blocksize: int = 256  # frames per callback asked of the device (0: let it choose)
    channels: int = 2  # the mono mix is copied to every channel
    device: str | int | None = None  # output device: index, name fragment or None (default)
    latency: str | float = "low"  # PortAudio's suggested latency
    client_name: str = "waefader"  # the JACK client (several instances: one name each)
    # "portaudio": sounddevice calls the Python mixer from the device's thread;
    # "jack-ring": a native JACK client copies from a ring a Python thread fills ahead
    output: str = "portaudio"
    ring_blocks: int = 2  # jack-ring: blocks written ahead (N-1 ridden out, N added latency)
    connect: bool = True  # JACK: leave the outputs connected to the device (system playback)
    max_voices: int = 32  # polyphony; the 33rd note steals a voice
    tail_voices: int = 8  # extra slots where stolen voices fade out
    chunk: int = 512  # scratch size of the callback (frames)
    steal_fade_ms: float = 5.0  # a stolen voice fades to -60 dB in this time
    crossfade_ms: float = 2.0  # head -> whole-note switch
    gain_ramp_ms: float = 10.0  # a full-scale gain change takes this long (no clicks)
    limiter_threshold: float = 0.98  # output never exceeds it
    limiter_release_ms: float = 80.0
    cache_mb: float = 256.0  # rendered notes kept, keyed by their controls
    fixed_latency_ms: float | None = None  # delay every untimed live event to this offset
    use_head: bool = True  # start a note from its first frames when the model can
    trim_threshold: float = 1e-3  # drop leading samples below this (-60 dBFS); 0 keeps all
    end_fade_ms: float = 10.0  # fade at a note's end so a cut tail never clicks
    hold: bool = True  # sustaining notes loop until note-off (sustain_loop.py)
    dynamics_steps: int = 16  # dynamics weights quantised to 1/steps (cache hits)
    schedule_horizon_ms: float = 60.0  # timed notes reach the callback this early
    resample_quality: str = "HQ"  # soxr quality
    switch_interval_s: float = 0.0005  # sys.setswitchinterval: the callback waits less for the GIL
    rt_priority: int | None = 70  # SCHED_FIFO for the audio thread where allowed (None: leave it)
    worker_rt_priority: int | None = 40  # SCHED_FIFO for worker, OSC, MIDI threads (priority.py)
    nice: int | None = -10  # where real-time is refused, and for the thread that starts it
    inbox_per_block: int = 256  # messages the callback takes per block (bounds its time)
    # Bounds on what waits (memory under abuse; beyond them notes are dropped and counted)
    max_pending_renders: int = 1024  # notes submitted and not yet rendered
    max_scheduled: int = 256  # rendered notes waiting for a later time (each holds its audio)
    max_inbox: int = 256  # notes waiting for the callback (it takes inbox_per_block a block)
    gc_control: bool = True  # freeze the start-up heap, collect off the audio path (gc_control.py)
    seed: int | None = None  # latent variation noise

    def __post_init__(self) -> None:
        checks = [
            (self.sample_rate >= 8000, "sample_rate must be at least 8000"),
            (self.blocksize >= 0, "blocksize must be >= 0"),
            (1 <= self.channels <= 64, "channels must be 1..64"),
            (self.output in ("portaudio", "jack-ring"), "output must be portaudio or jack-ring"),
            (1 <= self.ring_blocks <= 16, "ring_blocks must be 1..16"),
            (1 <= self.max_voices <= 512, "max_voices must be 1..512"),
            (self.tail_voices >= 1, "tail_voices must be >= 1"),
            (64 <= self.chunk <= 16384, "chunk must be 64..16384"),
            (0 < self.limiter_threshold <= 1, "limiter_threshold must be in (0, 1]"),
            (self.cache_mb >= 0, "cache_mb must be >= 0"),
            (self.dynamics_steps >= 1, "dynamics_steps must be >= 1"),
            (
                min(self.max_pending_renders, self.max_scheduled, self.max_inbox) >= 1,
                "max_pending_renders, max_scheduled and max_inbox must be >= 1",
            ),
            (
                self.fixed_latency_ms is None or self.fixed_latency_ms > 0,
                "fixed_latency_ms must be positive",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise EngineError(f"engine config: {message}")

    def with_(self, **changes: Any) -> EngineConfig:
        """A copy with some fields changed (None values are ignored: 'not given')."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def frames(self, ms: float) -> int:
        return max(1, round(ms * 1e-3 * self.sample_rate))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EngineConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EngineError(f"engine config: unknown settings {unknown}")
        return cls(**data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")
