"""A misbehaving driver that answers ``open_store`` with a line that is not JSON.

See tests/harness/test_driver.py.

It answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) by the protocol,
then misbehaves on ``open_store``. Standard library only; extra arguments (a
``--marker=...`` that lets a test find the process) are ignored.
"""

import json
import sys

NAME = "misbehaving: garbage"
CAPABILITIES = ["named", "valid", "config"]


def answer(message: object) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def misbehave(request_id: int) -> None:
    sys.stdout.write(f"this is not JSON (request {request_id})\n")
    sys.stdout.flush()


def main() -> int:
    for line in sys.stdin:
        request = json.loads(line)
        request_id, method = request["id"], request["method"]
        if method == "open_store":
            misbehave(request_id)
        elif method == "hello":
            result = {"protocol": 1, "name": NAME, "capabilities": CAPABILITIES}
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
