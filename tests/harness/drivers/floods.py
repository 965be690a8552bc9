"""A misbehaving driver that answers ``open_store`` with a line that never ends.

It writes 17 MiB without a newline to standard output, and 50 MB in one line to standard
error, then waits for its input to close. Standard library only.
"""

import sys

from _protocol import serve

NAME = "misbehaving: floods"


def misbehave(request_id: int) -> None:
    sys.stderr.write("e" * 50_000_000)
    sys.stderr.flush()
    chunk = "x" * (1024 * 1024)
    for _ in range(17):
        sys.stdout.write(chunk)
    sys.stdout.flush()
    for _ in sys.stdin:
        pass


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
