"""The render worker: turns note requests into device-rate audio and hands it to the callback.

Threads (``start``), or called in step by the freewheel driver (``drain``): the same code
either way. Per batch of requests taken from the queue:

1. every note whose controls are cached starts from the cache;
2. the others are rendered together (one batched model call): their first frames when the
   model has a head graph (fast: the note can start now), else the whole note;
3. ready notes, note-offs and pedal changes go to the callback in the order they came;
4. with first frames out, the whole notes are rendered (batched), cached and swapped in,
   on a second thread (``waefader-render-whole``), so a new note's first frames never wait
   behind another note's whole render (onnxruntime releases the GIL: both can run).

Rendered audio is cleaned (non-finite samples zeroed), trimmed of leading silence below
``trim_threshold`` (so the onset is the note's first sample; the same cut for the first
frames and the whole note), resampled to the device rate with soxr and faded at its end.
A whole note that sustains (its styles' ``sustain`` entry in the manifest, else its own
envelope) gets a crossfaded loop (:mod:`realtime.engine.sustain_loop`) so it can be held
for any length; the looped buffer and its loop points are cached with it.

Timed messages more than ``schedule_horizon_ms`` ahead wait here, in a heap ordered by
frame, and go to the callback when they come within the horizon: the callback then starts
them at their exact sample. Nothing here sleeps to schedule: the wait is the queue's get
timeout, cut short by any new request.

Handoff to the callback: ``inbox.append`` on a ``collections.deque`` (atomic, non-blocking).

Bounds (memory under abuse): at most ``max_pending_renders`` note requests wait for the
model, ``max_scheduled`` rendered notes wait in the heap and ``max_inbox`` messages wait for
the callback; a note beyond them is dropped and counted (:mod:`realtime.engine.drops`).
Note-offs and pedal changes get four times as much room (a note-off must not be lost).
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import count
from typing import Any

import numpy as np

from realtime.engine.cache import Loop, NoteCache
from realtime.engine.config import EngineConfig
from realtime.engine.drops import Drops
from realtime.engine.events import (
    BEND,
    RELEASE,
    AudioClock,
    BendMsg,
    Msg,
    NoteRequest,
    ReadyNote,
    Release,
    SustainMsg,
    TimedRequest,
    Upgrade,
)
from realtime.engine.mixer import coef_for
from realtime.engine.priority import demoted, raise_thread
from realtime.engine.resample import resample
from realtime.engine.stats import EngineStats, Ring
from realtime.engine.step_times import CACHE, CONTROLS, EMIT, PREPARE, UPGRADE, StepTimes
from realtime.engine.sustain_loop import envelope, find_loop, sustains
from realtime.renderer import NoteControls, NoteRenderer

MAX_BATCH = 16  # notes per model call
LoopPoints = Loop | None  # a held note's loop (realtime.engine.cache.Loop)
_perf = time.perf_counter


@dataclass(frozen=True)
class _Stop:
    pass


def onset_index(x: np.ndarray, threshold: float) -> int:
    """Index of the first sample at or above ``threshold`` (0 when none or threshold 0)."""
    if threshold <= 0:
        return 0
    above = np.flatnonzero(np.abs(x) >= threshold)
    return int(above[0]) if above.size else 0


def stack_controls(keys: list[NoteControls]) -> tuple[np.ndarray, ...]:
    """Controls of B notes -> the five (B, width) float32 condition arrays."""
    return tuple(
        np.asarray([getattr(k, name) for k in keys], dtype=np.float32)
        for name in ("z", "pitch_class", "octave", "style", "dynamics")
    )


class RenderWorker:
    def __init__(
        self,
        renderer: NoteRenderer,
        config: EngineConfig,
        cache: NoteCache,
        stats: EngineStats,
        inbox: deque[Msg],
        clock: AudioClock,
    ) -> None:
        self.renderer = renderer
        self.config = config
        self.cache = cache
        self.stats = stats
        self.inbox = inbox
        self.clock = clock
        self.queue: queue.SimpleQueue[tuple[int, object]] = queue.SimpleQueue()
        self.horizon = config.frames(config.schedule_horizon_ms)
        head_samples = int(getattr(renderer, "head_samples", 0) or 0)
        self._head = (
            getattr(renderer, "render_head", None) if config.use_head and head_samples else None
        )
        self._fade = config.frames(config.end_fade_ms)
        self._heap: list[tuple[int, int, Msg]] = []
        self._seq = count()
        self._at: dict[int, float] = {}  # heap seq -> the perf_counter time it was asked for
        self._skips_seen = 0  # the clock's re-anchorings already applied to the heap
        self._waiting: dict[int, ReadyNote] = {}  # scheduled notes still in the heap
        self._lock = threading.Lock()  # heap + _waiting, shared by the two worker threads
        self._epoch_seen = 0
        self.epoch = 0  # bumped by panic: requests of older epochs are dropped
        self._thread: threading.Thread | None = None
        self._whole_thread: threading.Thread | None = None
        self._wholes: queue.SimpleQueue[tuple[int, list[NoteRequest], list[int]] | None] = (
            queue.SimpleQueue()
        )
        self.audio_output: Any = None  # the engine's AudioOutput, when it plays on a device
        self._wholes_sent = 0  # the worker thread
        self._wholes_done = 0  # the whole-note thread
        self.last_note: tuple[np.ndarray, int] | None = None
        self.last_note_request: NoteRequest | None = None  # its pitch and controls
        self.style_sustain = style_sustain(renderer)
        self.loop_ms = Ring(4096)  # time spent finding each whole note's loop
        self.loops = 0  # whole notes given a loop
        # Counters with one writer each (no lost updates): pending = submitted - handled.
        self._submitted = 0  # control threads, under _submit_lock
        self._handled = 0  # the worker thread
        self._submit_lock = threading.Lock()
        self.drops = Drops()
        # how long each GIL-holding step takes, per thread (realtime.engine.step_times)
        self.steps = stats.render_steps
        self.whole_steps = stats.whole_steps

    # --- control side ------------------------------------------------------------------------
    def submit(self, request: NoteRequest | TimedRequest) -> bool:
        """Queue a request; False (and counted) when too many wait already."""
        room = self.config.max_pending_renders
        with self._submit_lock:  # several control threads may submit at once
            if self.pending >= (room if isinstance(request, NoteRequest) else 4 * room):
                self.drops.add("render_queue")
                return False
            self._submitted += 1
            self.queue.put((self.epoch, request))
        return True

    @property
    def pending(self) -> int:
        """Requests submitted and not yet handled."""
        return self._submitted - self._handled

    @property
    def wholes_pending(self) -> int:
        return self._wholes_sent - self._wholes_done

    def panic(self) -> None:
        self.epoch += 1
        self.queue.put((self.epoch, None))  # wakes the thread so it drops its heap

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="waefader-render", daemon=True)
            self._thread.start()
        if self._head is not None and self._whole_thread is None:
            self._whole_thread = threading.Thread(
                target=self._run_wholes, name="waefader-render-whole", daemon=True
            )
            self._whole_thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        if self._thread is not None:
            self.queue.put((self.epoch, _Stop()))
            self._thread.join(timeout)
            self._thread = None
        if self._whole_thread is not None:
            self._wholes.put(None)
            self._whole_thread.join(timeout)
            self._whole_thread = None

    @property
    def threaded(self) -> bool:
        return self._thread is not None

    def _run_wholes(self) -> None:
        raise_thread(self.config.worker_rt_priority, self.config.nice)
        while True:
            job = self._wholes.get()
            if job is None:
                return
            try:
                self._render_wholes(*job)
            except Exception as exc:
                self.stats.render_errors += 1
                self.stats.last_error = f"render worker: {type(exc).__name__}: {exc}"
            finally:
                self._wholes_done += 1

    # --- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        raise_thread(self.config.worker_rt_priority, self.config.nice)
        while True:
            try:
                first = self.queue.get(timeout=self._timeout())
            except queue.Empty:
                first = None
            items: list[tuple[int, object]] = [] if first is None else [first]
            while len(items) < 4 * MAX_BATCH:
                try:
                    items.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            if any(isinstance(r, _Stop) for _, r in items):
                return
            try:
                self.handle(items, self.clock.now_frame())
            except Exception as exc:  # keep the thread alive whatever happens
                self.stats.render_errors += 1
                self.stats.last_error = f"render worker: {type(exc).__name__}: {exc}"

    def _timeout(self) -> float:
        if not self._heap:
            return 0.25
        now = self.clock.now_frame()
        if now is None:
            return 0.005
        wait = (self._heap[0][0] - self.horizon - now) / self.config.sample_rate
        return min(max(wait, 0.0005), 0.05)

    # --- one step (thread or freewheel) ----------------------------------------------------------
    def handle(self, items: list[tuple[int, object]], now_frame: int | None) -> None:
        """Process submitted ``(epoch, request)`` items, then pass on due scheduled messages."""
        if self.epoch != self._epoch_seen:
            self._epoch_seen = self.epoch
            with self._lock:
                self._heap.clear()
                self._at.clear()
                self._waiting.clear()
        live = [r for e, r in items if e == self.epoch and r is not None]
        try:
            for start in range(0, len(live), 4 * MAX_BATCH):
                self._handle_batch(live[start : start + 4 * MAX_BATCH], now_frame)  # type: ignore[arg-type]
            self.release_due(now_frame)
        finally:
            self._handled += sum(1 for _, r in items if r is not None)

    def drain(self, now_frame: int | None) -> None:
        """Handle everything submitted so far, in this thread (freewheel driver)."""
        items: list[tuple[int, object]] = []
        while True:
            try:
                items.append(self.queue.get_nowait())
            except queue.Empty:
                break
        self.handle(items, now_frame)

    @property
    def scheduled(self) -> int:
        return len(self._heap)

    @property
    def idle(self) -> bool:
        """Nothing submitted is still waiting to be rendered (scheduled notes aside)."""
        return self.pending == 0 and self.wholes_pending == 0 and self.queue.empty()

    def release_due(self, now_frame: int | None) -> None:
        """Hand the held messages that are within the horizon to the callback. A message
        asked for a time gets its frame from the clock again as it leaves (and the whole
        heap when the clock re-anchored after an xrun): frames counted before an xrun
        would sound late by the frames it skipped."""
        limit = None if now_frame is None else now_frame + self.horizon
        with self._lock:
            if self.clock.skips != self._skips_seen:
                self._skips_seen = self.clock.skips
                self._replace_timed()
            while self._heap and (limit is None or self._heap[0][0] <= limit):
                _, seq, msg = heapq.heappop(self._heap)
                at = self._at.pop(seq, None)
                frame = None if at is None else self.clock.frame_at(at)
                if frame is not None:
                    msg.frame = frame
                if isinstance(msg, ReadyNote):
                    self._waiting.pop(msg.note_id, None)
                self.inbox.append(msg)

    def _replace_timed(self) -> None:
        """Frames of the held timed messages from the clock as it stands (lock held)."""
        for k, (_, seq, msg) in enumerate(self._heap):
            frame = self.clock.frame_at(self._at[seq]) if seq in self._at else None
            if frame is not None:
                msg.frame = frame
                self._heap[k] = (frame, seq, msg)
        heapq.heapify(self._heap)

    def _handle_batch(self, batch: list[NoteRequest | TimedRequest], now_frame: int | None) -> None:
        notes = [r for r in batch if isinstance(r, NoteRequest)]
        ready: dict[int, tuple[np.ndarray, bool, LoopPoints]] = {}  # id -> audio, head?, loop
        later: list[tuple[NoteRequest, int]] = []  # (request, trim) whose whole note is due
        misses: list[NoteRequest] = []
        t0 = _perf()
        for r in notes:
            cached = self.cache.get(r.controls)
            if cached is not None:
                ready[r.note_id] = (cached, False, self.cache.loop(r.controls))
            else:
                misses.append(r)
        self.steps.done(CACHE, t0)
        for start in range(0, len(misses), MAX_BATCH):
            part = misses[start : start + MAX_BATCH]
            if self._head is not None:
                for r, (audio, trim, _) in zip(part, self._render(part, head=True), strict=True):
                    ready[r.note_id] = (audio, True, None)
                    later.append((r, trim))
            else:
                for r, (audio, _, loop) in zip(part, self._render(part, head=False), strict=True):
                    ready[r.note_id] = (audio, False, loop)
        epoch = self.epoch
        dropped: set[int] = set()
        t0 = _perf()
        for item in batch:
            if self.epoch != epoch:
                return  # panic meanwhile: drop the rest
            if isinstance(item, NoteRequest):
                if item.note_id in ready:
                    audio, awaiting, loop = ready[item.note_id]
                    if not self._emit_note(item, audio, awaiting, now_frame, loop):
                        dropped.add(item.note_id)
            else:
                self._emit_timed(item, now_frame)
        later = [(r, t) for r, t in later if r.note_id not in dropped]  # no whole note for them
        self.steps.done(EMIT, t0)
        for start in range(0, len(later), MAX_BATCH):
            due = later[start : start + MAX_BATCH]
            job = (epoch, [r for r, _ in due], [t for _, t in due])
            if self._whole_thread is not None:
                self._wholes_sent += 1
                self._wholes.put(job)
            else:
                self._render_wholes(*job)

    def _render_wholes(self, epoch: int, reqs: list[NoteRequest], trims: list[int]) -> None:
        if self.epoch != epoch:
            return
        for r, (audio, _, loop) in zip(
            reqs, self._render(reqs, head=False, trims=trims), strict=True
        ):
            if self.epoch != epoch:
                return
            t0 = _perf()
            self._emit_upgrade(r.note_id, audio, loop)
            self._timer(head=False).done(UPGRADE, t0)

    # --- rendering --------------------------------------------------------------------------------
    def _render(
        self,
        reqs: list[NoteRequest],
        *,
        head: bool,
        trims: list[int] | None = None,
    ) -> list[tuple[np.ndarray, int, LoopPoints]]:
        """Render B notes (first frames or whole) -> [(device-rate audio, trim, loop), ...]."""
        timer = self._timer(head)
        t0 = _perf()
        inputs = stack_controls([r.controls for r in reqs])
        timer.done(CONTROLS, t0)
        t0 = time.perf_counter()
        try:
            # first frames: short and urgent, stay real-time; whole notes: long, demoted
            # when the audio server is not real-time itself (we would starve it). Not
            # beside a real-time server: demoted, they came too late on a loaded machine
            # (18 of 32 notes ran out of their first frames), although real-time they
            # count against the kernel's real-time budget (docs/REALTIME.md).
            out = self.audio_output
            demote = not head and out is not None and out.server_realtime is False
            with demoted(self.config.nice) if demote else nullcontext():
                raw = (self._head if head else self.renderer.render)(*inputs)  # type: ignore[misc]
        except Exception as exc:
            self.stats.render_errors += 1
            self.stats.last_error = f"render: {type(exc).__name__}: {exc}"
            raw = np.zeros((len(reqs), 1), np.float32)
        ms = (time.perf_counter() - t0) * 1e3
        (self.stats.head_ms if head else self.stats.render_ms).push(ms)
        out = []
        for i, r in enumerate(reqs):
            t0 = _perf()
            trim = trims[i] if trims is not None else None
            audio, trim = self._prepare(np.asarray(raw[i], np.float32), trim, whole=not head)
            loop: LoopPoints = None
            if not head:
                self.last_note = (audio, self.config.sample_rate)  # as rendered, unlooped
                audio, loop = self._hold(r.controls, audio)
                self.cache.put(r.controls, audio, loop)
                self.stats.notes_rendered += 1
                self.last_note_request = r
            out.append((audio, trim, loop))
            timer.done(PREPARE, t0)
        return out

    def _timer(self, head: bool) -> StepTimes:
        """Whole notes render on their own thread when there is one."""
        return self.steps if head or self._whole_thread is None else self.whole_steps

    def _hold(self, controls: NoteControls, audio: np.ndarray) -> tuple[np.ndarray, LoopPoints]:
        """The looped buffer and its loop of a sustaining whole note (else the note as is)."""
        if not self.config.hold:
            return audio, None
        t0 = time.perf_counter()
        sr = self.config.sample_rate
        env = envelope(audio, sr)
        held = None
        if self.style_sustain is not None:
            held = sustain_vote(controls.style, self.style_sustain)
        if held is None:  # the manifest does not say: the note's own envelope decides
            held = sustains(env, sr)
        loop = find_loop(audio, sr, env) if held else None
        self.loop_ms.push((time.perf_counter() - t0) * 1e3)
        if loop is None:
            return audio, None
        self.loops += 1
        return loop.audio, (loop.start, loop.end, loop.period, loop.exit, loop.tail)

    def _prepare(self, raw: np.ndarray, trim: int | None, *, whole: bool) -> tuple[np.ndarray, int]:
        x = np.nan_to_num(raw, nan=0.0, posinf=0.0, neginf=0.0)
        if trim is None:
            trim = onset_index(x, self.config.trim_threshold)
        x = x[trim:]
        y = resample(
            x, int(self.renderer.sample_rate), self.config.sample_rate, self.config.resample_quality
        )
        if y.shape[0] == 0:
            y = np.zeros(1, np.float32)
        if whole:
            k = min(self._fade, y.shape[0])
            y[y.shape[0] - k :] *= np.linspace(1.0, 0.0, k, dtype=np.float32)
        return np.ascontiguousarray(y, dtype=np.float32), trim

    # --- handoff ---------------------------------------------------------------------------------
    def _frame_of(self, time_: float | None, frame: int | None) -> int:
        if frame is not None:
            return int(frame)
        if time_ is not None:
            f = self.clock.frame_at(time_)
            return -1 if f is None else f
        return -1

    def _emit(self, msg: Msg, now_frame: int | None, at: float | None = None) -> bool:
        """Schedule or hand over a message; False when a bound dropped it (counted).
        ``at``: the perf_counter time the message was asked for (its frame came from it)."""
        note = isinstance(msg, ReadyNote)
        if msg.frame >= 0 and now_frame is not None and msg.frame > now_frame + self.horizon:
            room = self.config.max_scheduled
            with self._lock:
                waiting = len(self._waiting)
                if (waiting >= room) if note else (len(self._heap) - waiting >= 4 * room):
                    self.drops.add("scheduled")
                    return False
                seq = next(self._seq)
                if at is not None:
                    self._at[seq] = at
                heapq.heappush(self._heap, (msg.frame, seq, msg))
                if isinstance(msg, ReadyNote):
                    self._waiting[msg.note_id] = msg
        elif len(self.inbox) >= (self.config.max_inbox if note else 4 * self.config.max_inbox):
            self.drops.add("inbox")
            return False
        else:
            self.inbox.append(msg)
        return True

    def _emit_note(
        self,
        r: NoteRequest,
        audio: np.ndarray,
        awaiting: bool,
        now: int | None,
        loop: LoopPoints = None,
    ) -> bool:
        sr = self.config.sample_rate
        msg = ReadyNote(
            r.note_id,
            r.pitch,
            audio,
            awaiting_full=awaiting,
            gain=r.gain,
            release_coef=coef_for(r.release_s, sr),
            frame=self._frame_of(r.time, r.frame),
            duration_frames=-1 if r.duration is None else max(1, round(r.duration * sr)),
            arrival=r.arrival if r.live else 0.0,
            target=r.time if r.time is not None else 0.0,
            loop=loop,
        )
        return self._emit(msg, now, r.time if r.frame is None else None)

    def _emit_timed(self, r: TimedRequest, now: int | None) -> None:
        frame = self._frame_of(r.time, r.frame)
        msg: Msg
        if r.msg_kind == RELEASE:
            msg = Release(r.value, frame)
        elif r.msg_kind == BEND:
            msg = BendMsg(r.amount, frame)
        else:
            msg = SustainMsg(bool(r.value), frame)
        self._emit(msg, now, r.time if r.frame is None else None)

    def _emit_upgrade(self, note_id: int, audio: np.ndarray, loop: LoopPoints = None) -> None:
        with self._lock:
            waiting = self._waiting.get(note_id)
            if waiting is not None:  # still scheduled here: it will start whole
                waiting.audio = audio
                waiting.loop = loop
                waiting.awaiting_full = False
            elif len(self.inbox) >= self.config.max_inbox // 4:  # whole notes; none taken
                self.drops.add("inbox")
            else:
                self.inbox.append(Upgrade(note_id, audio, loop))


def style_sustain(renderer: NoteRenderer) -> np.ndarray | None:
    """Per style (in the model's order): 1 sustains, 0 decays, NaN unknown, from the
    model's manifest (``sustain``); None when it says nothing."""
    table = getattr(renderer, "style_sustain", None)
    if not table:
        return None
    return np.array(
        [float(table[n]) if n in table else np.nan for n in renderer.style_names], np.float64
    )


def sustain_vote(weights: tuple[float, ...], table: np.ndarray) -> bool | None:
    """A style mix sustains when its sustaining styles hold at least half of the weight
    of the styles the table knows; None when known styles hold under half of the mix."""
    w = np.clip(np.asarray(weights, np.float64), 0.0, None)
    known = ~np.isnan(table)
    total, seen = float(w.sum()), float(w[known].sum())
    if total <= 0 or seen < 0.5 * total:
        return None
    return float(w[known] @ table[known]) >= 0.5 * seen
