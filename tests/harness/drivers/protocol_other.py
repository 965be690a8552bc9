"""A driver that speaks another protocol: its ``hello`` answers ``"protocol": 99``.

Otherwise it answers by the protocol (``open_store`` included) and reads standard input
until the harness closes it. Standard library only; extra arguments (a ``--marker=...``
that lets a test find the process) are ignored. See tests/harness/test_driver.py.
"""

import sys

from _protocol import answer, serve

NAME = "misbehaving: protocol_other"


def misbehave(request_id: int) -> None:
    answer({"id": request_id, "result": {"store": "s1"}})


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave, protocol=99))
