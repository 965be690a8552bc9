"""A misbehaving driver that closes its standard output on ``open_store`` but keeps running.

It answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) by the protocol;
after closing its standard output it reads standard input until the harness closes it.
Standard library only; extra arguments (a ``--marker=...`` that lets a test find the
process) are ignored. See tests/harness/test_driver.py.
"""

import os
import sys

from _protocol import serve

NAME = "misbehaving: closes_stdout"


def misbehave(request_id: int) -> None:
    sys.stderr.write("closing stdout, still running\n")
    sys.stderr.flush()
    sys.stdout.flush()
    os.close(sys.stdout.fileno())
    for _ in sys.stdin:
        pass
    sys.exit(0)


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
