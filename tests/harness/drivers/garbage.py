"""A misbehaving driver that answers ``open_store`` with a line that is not JSON.

See tests/harness/test_driver.py.

It answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) by the protocol,
then misbehaves on ``open_store``. Standard library only; extra arguments (a
``--marker=...`` that lets a test find the process) are ignored.
"""

import sys

from _protocol import serve

NAME = "misbehaving: garbage"


def misbehave(request_id: int) -> None:
    sys.stdout.write(f"this is not JSON (request {request_id})\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
