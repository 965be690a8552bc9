"""A driver whose store answers ``named``/``valid`` with one error of a chosen type.

``--error=raised`` answers ``raised`` with the exception type (the implementation threw: a
finding), ``--error=raised-untyped`` the same without the type (malformed), and
``--error=internal`` the driver's own fault. Standard library only.
"""

import json
import sys

from _protocol import CAPABILITIES, answer

NAME = "raising"


def main() -> int:
    kind = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--error=")), "raised")
    error: dict[str, str] = {"type": kind.removesuffix("-untyped"), "message": "boom"}
    if kind == "raised":
        error["exception"] = "TypeError"
    for line in sys.stdin:
        request = json.loads(line)
        request_id, method = request["id"], request["method"]
        if method == "hello":
            result = {"protocol": 2, "name": NAME, "capabilities": CAPABILITIES}
            answer({"id": request_id, "result": result})
        elif method == "open_store":
            answer({"id": request_id, "result": {"store": "s1"}})
        elif method in {"named", "valid"}:
            answer({"id": request_id, "error": error})
        else:
            answer({"id": request_id, "result": {}})
            if method == "shutdown":
                return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
