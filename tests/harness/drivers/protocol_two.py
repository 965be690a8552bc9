"""A driver that speaks another protocol: its ``hello`` answers ``"protocol": 2``.

Otherwise it answers by the protocol (``open_store`` included) and reads standard input
until the harness closes it. Standard library only; extra arguments (a ``--marker=...``
that lets a test find the process) are ignored. See tests/harness/test_driver.py.
"""

import json
import sys

NAME = "misbehaving: protocol_two"
CAPABILITIES = ["named", "valid", "config"]


def answer(message: object) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def misbehave(request_id: int) -> None:
    answer({"id": request_id, "result": {"store": "s1"}})


def main() -> int:
    for line in sys.stdin:
        request = json.loads(line)
        request_id, method = request["id"], request["method"]
        if method == "open_store":
            misbehave(request_id)
        elif method == "hello":
            result = {"protocol": 2, "name": NAME, "capabilities": CAPABILITIES}
            answer({"id": request_id, "result": result})
        elif method in {"set_clock", "close_store", "shutdown"}:
            answer({"id": request_id, "result": {}})
            if method == "shutdown":
                return 0
        else:
            error = {"type": "unsupported", "message": f"{NAME} does not do {method}"}
            answer({"id": request_id, "error": error})
    return 0


if __name__ == "__main__":
    sys.exit(main())
