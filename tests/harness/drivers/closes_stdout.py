"""A misbehaving driver that closes its standard output on ``open_store`` but keeps running.

It answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) by the protocol;
after closing its standard output it reads standard input until the harness closes it.
Standard library only; extra arguments (a ``--marker=...`` that lets a test find the
process) are ignored. See tests/harness/test_driver.py.
"""

import json
import os
import sys

NAME = "misbehaving: closes_stdout"
CAPABILITIES = ["named", "valid", "config"]


def answer(message: object) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def misbehave(request_id: int) -> None:
    sys.stderr.write("closing stdout, still running\n")
    sys.stderr.flush()
    sys.stdout.flush()
    os.close(sys.stdout.fileno())
    for _ in sys.stdin:
        pass
    sys.exit(0)


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
