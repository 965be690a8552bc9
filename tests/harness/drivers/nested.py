"""A misbehaving driver whose ``open_store`` answer nests deeper than a JSON parser goes.

The line is valid JSON in form, ``{"id": N, "result": [[[[...]]]]}`` a hundred thousand
levels deep. Standard library only.
"""

import sys

from _protocol import serve

NAME = "misbehaving: nested"


def misbehave(request_id: int) -> None:
    depth = 100_000
    sys.stdout.write(f'{{"id": {request_id}, "result": ' + "[" * depth + "]" * depth + "}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
