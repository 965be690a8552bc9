"""A misbehaving driver that never answers ``open_store`` and ignores the end of its input.

Only a kill ends it (tests/harness/test_driver.py).

It answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) by the protocol,
then misbehaves on ``open_store``. Standard library only; extra arguments (a
``--marker=...`` that lets a test find the process) are ignored.
"""

import sys
import threading

from _protocol import serve

NAME = "misbehaving: deaf"


def misbehave(request_id: int) -> None:
    # Ignores everything from now on, even the end of standard input: it must be killed.
    for _ in sys.stdin:
        pass
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
