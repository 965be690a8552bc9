"""The part of the driver protocol that every misbehaving driver here speaks correctly.

Each script answers ``hello`` (and ``set_clock``, ``close_store``, ``shutdown``) and then
misbehaves on ``open_store`` in its own way. Standard library only; the scripts run as
``python SCRIPT.py`` so this module is found beside them.
"""

import json
import sys
from collections.abc import Callable

CAPABILITIES = ["named", "valid", "config"]


def answer(message: object) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def serve(name: str, misbehave: Callable[[int], None], *, protocol: int = 1) -> int:
    """Answer requests until ``shutdown`` or end of input; ``open_store`` misbehaves."""
    for line in sys.stdin:
        request = json.loads(line)
        request_id, method = request["id"], request["method"]
        if method == "open_store":
            misbehave(request_id)
        elif method == "hello":
            result = {"protocol": protocol, "name": name, "capabilities": CAPABILITIES}
            answer({"id": request_id, "result": result})
        elif method in {"set_clock", "close_store", "shutdown"}:
            answer({"id": request_id, "result": {}})
            if method == "shutdown":
                return 0
        else:
            error = {"type": "unsupported", "message": f"{name} does not do {method}"}
            answer({"id": request_id, "error": error})
    return 0
