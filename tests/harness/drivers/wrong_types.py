"""A misbehaving driver whose answers are JSON of the right shape with values of the wrong type.

``open_store`` answers ``{"store": 7}``: an ID that is not a string. Standard library only.
"""

import sys

from _protocol import answer, serve

NAME = "misbehaving: wrong_types"


def misbehave(request_id: int) -> None:
    answer({"id": request_id, "result": {"store": 7}})


if __name__ == "__main__":
    sys.exit(serve(NAME, misbehave))
