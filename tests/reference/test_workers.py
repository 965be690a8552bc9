"""The reference's fetch threads (`_workers`): reused once free, never while busy.

Real threads and real (short) waits: threading is the subject here.
"""

from __future__ import annotations

import threading
import time

from jwkconform.reference._workers import BUSY, IDLE, run_in_worker

WAIT = 5.0


def _thread_of(job_done: threading.Event, seen: list[threading.Thread]) -> None:
    seen.append(threading.current_thread())
    job_done.set()


def _idle_again(thread: threading.Thread) -> None:
    deadline = time.monotonic() + WAIT
    while thread.name != IDLE and time.monotonic() < deadline:
        time.sleep(0.001)
    assert thread.name == IDLE, f"the worker is still named {thread.name!r}"


def test_a_worker_that_finished_runs_the_next_job() -> None:
    seen: list[threading.Thread] = []
    first, second = threading.Event(), threading.Event()
    run_in_worker(lambda: _thread_of(first, seen))
    assert first.wait(WAIT)
    _idle_again(seen[0])
    run_in_worker(lambda: _thread_of(second, seen))
    assert second.wait(WAIT)
    assert seen[1] is seen[0], "a new thread was started although a worker was idle"
    assert seen[0].daemon, "a worker must never hold up the interpreter's exit"


def test_a_busy_worker_is_never_handed_another_job() -> None:
    # A fetch abandoned at its deadline keeps its worker busy; the next fetch must not wait
    # behind it.
    release, blocked_started = threading.Event(), threading.Event()
    seen: list[threading.Thread] = []

    def blocked() -> None:
        seen.append(threading.current_thread())
        blocked_started.set()
        release.wait(WAIT)

    try:
        run_in_worker(blocked)
        assert blocked_started.wait(WAIT)
        assert seen[0].name == BUSY
        done = threading.Event()
        run_in_worker(lambda: _thread_of(done, seen))
        assert done.wait(WAIT), "the second job waited for the busy worker"
        assert seen[1] is not seen[0]
    finally:
        release.set()
