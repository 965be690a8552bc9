"""The expected-failures file: ``{"KID-03": "reason", "test_kid.py::test_x": "reason"}``.

A key is a requirement ID, a test's node ID (or its tail after a ``/``), or a test name.
Matching tests become strict xfails: a test that passes anyway is an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

__all__ = ["ExpectedFailures"]


class ExpectedFailures:
    """Known failures with their reasons, and which keys matched nothing."""

    def __init__(self, reasons: Mapping[str, str]) -> None:
        self.reasons = dict(reasons)
        self._used: set[str] = set()

    @classmethod
    def load(cls, path: Path) -> ExpectedFailures:
        """Read ``path``; a clear ValueError says what is wrong with it."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValueError(f"cannot read expected-failures file {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"expected-failures file {path} is not JSON: {exc}") from None
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ValueError(
                f"expected-failures file {path} must be a JSON object of strings: "
                '{"KID-03": "reason", ...}'
            )
        return cls(data)

    def reason_for(
        self, nodeid: str, names: Sequence[str], requirement_ids: Iterable[str]
    ) -> str | None:
        """The reason a test is expected to fail, or None; ``names`` are the test's name
        with and without its parameters."""
        for key in (*requirement_ids, nodeid, *names):
            if key in self.reasons:
                self._used.add(key)
                return self.reasons[key]
        for key, reason in self.reasons.items():
            if "::" in key and nodeid.endswith("/" + key):
                self._used.add(key)
                return reason
        return None

    def unused(self) -> list[str]:
        """Keys that matched no collected test."""
        return sorted(set(self.reasons) - self._used)
