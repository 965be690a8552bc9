"""Daemon threads that run HTTP fetches for `_fetch`, reused from one fetch to the next.

A fetch runs in a thread of its own so that its caller can stop waiting at the deadline
(CFG-09). Starting a thread for each fetch cost about a millisecond, more than a fetch from
a nearby server; a finished worker waits for the next job instead. Workers are daemons, so
a fetch that never ends (a user's client that hangs) never holds up the interpreter's exit,
and a worker still busy with an abandoned fetch is simply not handed another job: the next
fetch gets an idle worker or a new one.

>>> done = threading.Event()
>>> run_in_worker(done.set)
>>> done.wait(5)
True
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Final

__all__ = ["BUSY", "IDLE", "run_in_worker"]

Job = Callable[[], None]

# Thread names of a worker running a fetch and of one waiting for the next.
BUSY: Final = "jwkconform-fetch"
IDLE: Final = "jwkconform-fetch-idle"
# Idle workers kept beyond this number end: after a burst of parallel fetches, a few stay.
_KEEP: Final = 8
_idle: list[queue.SimpleQueue[Job]] = []
_lock = threading.Lock()


def run_in_worker(job: Job) -> None:
    """Start ``job`` in an idle worker thread, or in a new one; ``job`` must not raise."""
    with _lock:
        inbox = _idle.pop() if _idle else None
    if inbox is None:
        inbox = queue.SimpleQueue()
        threading.Thread(target=_serve, args=(inbox,), name=IDLE, daemon=True).start()
    inbox.put(job)


def _serve(inbox: queue.SimpleQueue[Job]) -> None:
    # The name says whether the worker is busy: a fetch still running shows as BUSY.
    me = threading.current_thread()
    while True:
        job = inbox.get()
        me.name = BUSY
        job()
        del job  # an idle worker must not keep the last fetch's client and body alive
        me.name = IDLE
        with _lock:
            if len(_idle) >= _KEEP:
                return
            _idle.append(inbox)


def _forget_workers() -> None:
    # A forked child has none of its parent's threads: their inboxes would never be read,
    # and the lock may have been held by one of them.
    global _lock
    _idle.clear()
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)
