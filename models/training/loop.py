"""The step loop shared by every training command: progress, metrics, checkpoints, resume.

A task (WAE or MCNN) supplies ``train_step(step) -> {term: value}``, ``validate()``,
``state()`` and ``load_state()``; the loop owns time, files and the step counter. A
checkpoint written after step ``s`` holds everything needed to compute step ``s + 1``
exactly as the uninterrupted run would (batch order and random draws are functions of the
step; optimizer and scheduler states are saved), so a resumed run loses at most the steps
since its last checkpoint.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from models.progress import progress
from models.training.checkpoint import CHECKPOINT, rng_state, save_checkpoint
from models.training.distributed import DistInfo, barrier
from models.training.metrics import METRICS, MetricsWriter

BASE_COLUMNS = ("step", "epoch", "elapsed_s")


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during the loop: ``str()`` says where ``--resume`` continues."""


class Task(Protocol):
    @property
    def columns(self) -> Sequence[str]: ...

    @property
    def steps_per_epoch(self) -> int: ...

    def train_step(self, step: int) -> dict[str, float]: ...

    def validate(self) -> dict[str, float]: ...

    def state(self) -> dict[str, Any]: ...

    def load_state(self, state: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class LoopSettings:
    total_steps: int
    until: int | None = None  # stop after this step (resume later); the schedule spans total
    checkpoint_every: int = 500
    log_every: int = 10
    valid_every: int = 500
    progress: bool = True
    postfix: Sequence[str] = ("loss",)


def run_loop(
    task: Task,
    run_dir: Path,
    settings: LoopSettings,
    info: DistInfo,
    kind: str,
    start_step: int = 0,
    elapsed0: float = 0.0,
) -> int:
    """Train from ``start_step`` to ``until`` (or the end); returns the last step done."""
    stop = min(settings.until or settings.total_steps, settings.total_steps)
    writer = None
    if info.is_main:
        cols = (*BASE_COLUMNS, *task.columns)
        writer = MetricsWriter(
            run_dir / METRICS, cols, resume_step=start_step if start_step else None
        )
    bar = progress(
        total=stop,
        initial=start_step,
        enabled=info.is_main and settings.progress,
        desc=f"{kind} {run_dir.name}",
        unit="step",
    )
    t0 = time.monotonic() - elapsed0
    step = start_step
    last_saved = start_step
    with _deferred_interrupt(info.world == 1) as interrupted:
        try:
            while step < stop:
                if interrupted():
                    # Between two steps the task is consistent: save it, resume loses nothing.
                    if step == 0:
                        raise TrainingInterrupted(
                            "interrupted before the first step; nothing saved"
                        )
                    if step > last_saved:
                        _checkpoint(task, run_dir, info, kind, step, time.monotonic() - t0)
                    raise TrainingInterrupted(
                        f"interrupted at step {step}; checkpoint saved in {run_dir}, "
                        f"--resume continues from step {step}"
                    )
                step = _one_step(task, run_dir, settings, info, kind, step, stop, writer, bar, t0)
                if step % settings.checkpoint_every == 0 or step == stop:
                    last_saved = step
        except TrainingInterrupted:
            raise
        except KeyboardInterrupt:  # a second Ctrl-C, or torchrun: the last checkpoint stands
            raise TrainingInterrupted(
                f"interrupted at step {step}; --resume continues from step {last_saved} "
                f"(the last checkpoint in {run_dir})"
            ) from None
        finally:
            bar.close()
    return step


def _one_step(
    task: Task,
    run_dir: Path,
    settings: LoopSettings,
    info: DistInfo,
    kind: str,
    step: int,
    stop: int,
    writer: MetricsWriter | None,
    bar: Any,
    t0: float,
) -> int:
    """Train step ``step`` (0-based), log, validate and checkpoint as due; the new count."""
    terms = task.train_step(step)
    step += 1
    row: dict[str, float | int] = {}
    if step % settings.valid_every == 0 or step == stop:
        row.update(task.validate() if info.is_main else {})
    if step % settings.log_every == 0 or row or step == stop:
        row.update(
            terms, step=step, epoch=step / task.steps_per_epoch, elapsed_s=time.monotonic() - t0
        )
        if writer is not None:
            writer.write(row)
        bar.set_postfix(
            {k: f"{terms[k]:.4g}" for k in settings.postfix if k in terms}, refresh=False
        )
    if step % settings.checkpoint_every == 0 or step == stop:
        _checkpoint(task, run_dir, info, kind, step, time.monotonic() - t0)
    bar.update(1)
    return step


@contextmanager
def _deferred_interrupt(enabled: bool) -> Iterator[Callable[[], bool]]:
    """While inside, the first Ctrl-C only sets a flag (read by the returned callable) so the
    loop stops between two steps; a second one interrupts at once. Off under torchrun (the
    processes must stop at the same step) and outside the main thread."""
    flag = threading.Event()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield flag.is_set
        return

    def on_sigint(signum: int, frame: Any) -> None:
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flag.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


def _checkpoint(
    task: Task, run_dir: Path, info: DistInfo, kind: str, step: int, elapsed: float
) -> None:
    if info.is_main:
        state = {
            "kind": kind,
            "step": step,
            "elapsed_s": elapsed,
            "rng": rng_state(),
            **task.state(),
        }
        save_checkpoint(run_dir / CHECKPOINT, state)
    barrier(info)
