"""TransformJobs: one background thread, jobs in order, a bounded wait list, failures kept."""

from __future__ import annotations

import threading

from realtime.transform.jobs import TransformJobs


def test_jobs_run_in_order_off_the_calling_thread() -> None:
    jobs = TransformJobs(limit=8)
    seen: list[tuple[int, str]] = []
    for i in range(5):
        assert jobs.submit(lambda i=i: seen.append((i, threading.current_thread().name)))
    assert jobs.wait_idle(5.0)
    assert [i for i, _ in seen] == list(range(5))
    assert {name for _, name in seen} == {"waefader-transform"}
    jobs.stop()


def test_a_full_wait_list_refuses_and_a_raising_job_is_counted() -> None:
    jobs = TransformJobs(limit=1)
    gate = threading.Event()
    started = threading.Event()

    def blocker() -> None:
        started.set()
        gate.wait(5.0)

    assert jobs.submit(blocker)
    assert started.wait(5.0)  # running, so the wait list is empty again
    assert jobs.submit(lambda: 1 / 0)  # waits
    assert not jobs.submit(lambda: None)  # one waits already: refused
    gate.set()
    assert jobs.wait_idle(5.0)
    assert jobs.failures == 1 and "ZeroDivisionError" in jobs.last_error
    assert jobs.submit(lambda: None)  # the thread survived the failure
    assert jobs.wait_idle(5.0)
    jobs.stop()
