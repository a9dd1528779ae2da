"""What the engine measures about itself, honestly: every figure comes from a clock reading.

- trigger-to-onset latency: from an event's arrival (``perf_counter`` when the engine got
  it) to the note's first sample on the device's schedule: the block's slot (the audio
  clock's earliest-looking callback start, carried on at the sample rate) plus the
  sample's offset in the block. A callback that wakes late still fills the same slot, so
  its wake-up delay is not the note's (it shows in ``timing`` instead). The device's own
  output latency comes after that and is reported apart (``device_latency_ms``).
- render time: the worker's wall time per render call (first frames and whole notes apart).
- schedule error: for notes asked to sound at a time (OSC timetags, fixed-latency mode),
  their onset (as above) minus that time.
- callback load: callback wall time / block period.
- underflows: blocks the device reported as underflowed, plus blocks whose callback took
  longer than the block period (a real device would have underflowed).
- headroom: the worst block against its budget, the longest gap between two callbacks and
  the stalls (``timing``, a ``realtime.engine.stall_monitor.StallMonitor``).

The callback writes into preallocated rings (no allocation); readers copy them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from realtime.engine.gc_control import GcMonitor
from realtime.engine.stall_monitor import StallMonitor
from realtime.engine.stalls import attribute
from realtime.engine.step_times import StepTimes, longest


class Ring:
    """Fixed-size ring of float64 samples. One writer thread; readers get a copy."""

    def __init__(self, size: int) -> None:
        self.data = np.zeros(size, np.float64)
        self.count = 0

    def push(self, value: float) -> None:
        self.data[self.count % self.data.shape[0]] = value
        self.count += 1

    def values(self) -> np.ndarray:
        n = min(self.count, self.data.shape[0])
        return self.data[:n].copy()

    def clear(self) -> None:
        self.count = 0


def _pct(x: np.ndarray, q: float) -> float | None:
    return round(float(np.percentile(x, q)), 3) if x.size else None


class EngineStats:
    """Counters and rings shared by the callback (writer), the worker (writer of render
    times) and readers (status, GUI, OSC)."""

    MAX_ONSETS = 1024  # per block; more notes than that in one block are not timed

    def __init__(self, sample_rate: int, history: int = 4096) -> None:
        self.sample_rate = sample_rate
        self.latency_ms = Ring(history)
        self.load = Ring(history)
        self.render_ms = Ring(history)
        self.head_ms = Ring(history)
        self.schedule_ms = Ring(history)
        self.timing = StallMonitor(sample_rate)
        self.gc = GcMonitor()  # installed by the engine while it runs
        self.render_steps = StepTimes("render")  # the render worker's GIL-holding steps
        self.whole_steps = StepTimes("whole")  # the whole-note thread's
        self._onset_arrival = np.zeros(self.MAX_ONSETS, np.float64)
        self._onset_target = np.zeros(self.MAX_ONSETS, np.float64)
        self._onset_offset = np.zeros(self.MAX_ONSETS, np.float64)
        self._n_onsets = 0
        self.callbacks = 0
        self.frames = 0
        self.device_underflows = 0  # a count of short cycles (the ring output passes several)
        self.overruns = 0
        self.buffered = False  # set by the engine for an output that fills ahead
        self.errors = 0
        self.late_notes = 0
        self.steals = 0
        self.starved = 0
        self.notes_started = 0
        self.notes_rendered = 0
        self.render_errors = 0
        self.voices = 0
        self.peak_voices = 0
        self.last_error = ""

    # --- callback side (no allocation) -------------------------------------------------------
    def onset(self, arrival: float, target: float, offset_frames: int) -> None:
        """A note's first sample sits at ``offset_frames`` in the block being filled."""
        self.notes_started += 1
        if (arrival > 0 or target > 0) and self._n_onsets < self.MAX_ONSETS:
            self._onset_arrival[self._n_onsets] = arrival
            self._onset_target[self._n_onsets] = target
            self._onset_offset[self._n_onsets] = offset_frames
            self._n_onsets += 1

    def end_block(
        self,
        t_start: float,
        t_end: float,
        frames: int,
        underflow: int,
        cpu: float = -1.0,
        slot: float = -1.0,
    ) -> None:
        """Called last in the callback; ``t_end`` is when the buffer goes to the device;
        ``cpu``: the callback thread's CPU time in the block (s), -1 when not measured;
        ``slot``: the block's first frame on the device's schedule (``AudioClock.block_time``),
        -1 when there is no clock (then ``t_end`` stands for it)."""
        sr = self.sample_rate
        start = slot if slot > 0 else t_end
        for i in range(self._n_onsets):
            onset = start + self._onset_offset[i] / sr
            if self._onset_arrival[i] > 0:
                self.latency_ms.push((onset - self._onset_arrival[i]) * 1e3)
            if self._onset_target[i] > 0:
                self.schedule_ms.push((onset - self._onset_target[i]) * 1e3)
        self._n_onsets = 0
        period = frames / sr if frames > 0 else 1.0
        load = (t_end - t_start) / period
        self.load.push(load)
        self.timing.block(t_start, t_end, frames, cpu)
        self.callbacks += 1
        self.frames += frames
        if underflow:
            self.device_underflows += int(underflow)
        if load > 1.0:
            self.overruns += 1

    # --- readers ---------------------------------------------------------------------------------
    @property
    def underflows(self) -> int:
        """Blocks the device played short. A block that took longer than its period counts
        too, unless the output buffers ahead (``buffered``: the jack-ring output, whose
        native callback then plays what was written before)."""
        return self.device_underflows + (0 if self.buffered else self.overruns)

    def reset(self) -> None:
        for ring in (self.latency_ms, self.load, self.render_ms, self.head_ms, self.schedule_ms):
            ring.clear()
        self.timing.reset()
        self.gc.clear()
        self.render_steps.clear()
        self.whole_steps.clear()
        for name in (
            "device_underflows",
            "overruns",
            "errors",
            "late_notes",
            "steals",
            "starved",
            "notes_started",
            "notes_rendered",
            "render_errors",
            "peak_voices",
        ):
            setattr(self, name, 0)

    def summary(self) -> dict[str, Any]:
        lat, load = self.latency_ms.values(), self.load.values()
        render, head = self.render_ms.values(), self.head_ms.values()
        sched = self.schedule_ms.values()
        gc = self.gc.summary(self.timing.audio_ident)
        step = longest([self.render_steps, self.whole_steps])
        return self.timing.summary() | {
            "gc_passes": gc["gc_passes"],
            "gc_ms_max": gc["gc_ms_max"],
            "gc_on_audio_thread": gc["gc_on_audio_thread"],
            "worker_step_max_ms": step.get("ms"),
            "worker_step_max": f"{step['thread']}:{step['step']}" if step else None,
            "latency_ms_p50": _pct(lat, 50),
            "latency_ms_p99": _pct(lat, 99),
            "latency_ms_max": round(float(lat.max()), 3) if lat.size else None,
            "latency_n": int(lat.size),
            "render_ms_p50": _pct(render, 50),
            "render_ms_p99": _pct(render, 99),
            "head_ms_p50": _pct(head, 50),
            "schedule_error_ms_p50": _pct(sched, 50),
            "schedule_error_ms_max": round(float(np.abs(sched).max()), 3) if sched.size else None,
            "callback_load_mean": round(float(load.mean()), 4) if load.size else None,
            "callback_load_p99": _pct(load, 99),
            "callback_load_max": round(float(load.max()), 4) if load.size else None,
            "callbacks": self.callbacks,
            "underflows": self.underflows,
            "device_underflows": self.device_underflows,
            "overruns": self.overruns,
            "callback_errors": self.errors,
            "render_errors": self.render_errors,
            "late_notes": self.late_notes,
            "steals": self.steals,
            "starved": self.starved,
            "notes_started": self.notes_started,
            "notes_rendered": self.notes_rendered,
            "voices": self.voices,
            "peak_voices": self.peak_voices,
            "last_error": self.last_error,
        }

    def timing_report(self, t_ref: float = 0.0, steal: np.ndarray | None = None) -> dict[str, Any]:
        """Everything about the callback's worst cases (``bench poly --json``): histograms,
        the worst stalls with what overlapped them (``steal``: host steal samples, see
        ``realtime.engine.steal``), collector passes, worker steps."""
        audio = self.timing.audio_ident
        return {
            "histograms": self.timing.histograms(),
            "stalls": attribute(
                self.timing.stall_rows(),
                self.gc.rows(),
                [self.render_steps, self.whole_steps],
                audio,
                t_ref,
                steal=steal,
            ),
            "gc": self.gc.summary(audio),
            "worker_steps": {
                "render": self.render_steps.summary(),
                "whole": self.whole_steps.summary(),
            },
        }
