"""A misbehaving driver that exits with status 3 on ``open_store`` (tests/harness/test_driver.py).

It writes ``boom: deliberate crash`` to standard error first.

It answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) by the protocol,
then misbehaves on ``open_store``. Standard library only; extra arguments (a
``--marker=...`` that lets a test find the process) are ignored.
"""

import sys

from _protocol import serve

NAME = "misbehaving: crash"


def misbehave(request_id: int) -> None:
    sys.stderr.write("boom: deliberate crash\n")
    sys.stderr.flush()
    sys.exit(3)


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
