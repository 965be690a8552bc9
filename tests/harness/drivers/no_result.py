"""A misbehaving driver that answers ``open_store`` with neither result nor error.

See tests/harness/test_driver.py.

It answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) by the protocol,
then misbehaves on ``open_store``. Standard library only; extra arguments (a
``--marker=...`` that lets a test find the process) are ignored.
"""

import sys

from _protocol import answer, serve

NAME = "misbehaving: no_result"


def misbehave(request_id: int) -> None:
    answer({"id": request_id})


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
