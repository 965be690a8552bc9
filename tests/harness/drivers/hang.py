"""A misbehaving driver that never answers ``open_store`` (tests/harness/test_driver.py).

It keeps reading standard input and exits only when the harness closes it.

It answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) by the protocol,
then misbehaves on ``open_store``. Standard library only; extra arguments (a
``--marker=...`` that lets a test find the process) are ignored.
"""

import sys

from _protocol import serve

NAME = "misbehaving: hang"


def misbehave(request_id: int) -> None:
    # Never answers: reads (and ignores) standard input until the harness closes it.
    for _ in sys.stdin:
        pass
    sys.exit(0)


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
