"""The expected-failures file: ``{"KID-03": "reason", "test_kid.py::test_x": "reason"}``.

A key is a requirement ID, a test's node ID (or its tail after a ``/``), or a test name.
Matching tests become strict xfails: a test that passes anyway is an error. A value
``{"reason": "...", "strict": false}`` marks a failure that depends on what Hypothesis
draws (a key type the library lacks, say): it may pass or fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

__all__ = ["ExpectedFailures"]


class ExpectedFailures:
    """Known failures with their reasons, and which keys matched nothing."""

    def __init__(self, reasons: Mapping[str, str], loose: frozenset[str] = frozenset()) -> None:
        self.reasons = dict(reasons)
        self.loose = loose
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
        if not isinstance(data, dict) or not all(_entry(v) for v in data.values()):
            raise ValueError(
                f"expected-failures file {path} must map IDs to reasons: "
                '{"KID-03": "reason", "KID-04": {"reason": "...", "strict": false}, ...}'
            )
        reasons = {k: v if isinstance(v, str) else v["reason"] for k, v in data.items()}
        loose = frozenset(k for k, v in data.items() if isinstance(v, dict) and not v["strict"])
        return cls(reasons, loose)

    def reason_for(
        self, nodeid: str, names: Sequence[str], requirement_ids: Iterable[str]
    ) -> tuple[str, bool] | None:
        """Why a test is expected to fail and whether that is strict, or None; ``names``
        are the test's name with and without its parameters."""
        tails = [k for k in self.reasons if "::" in k and nodeid.endswith("/" + k)]
        for key in (*requirement_ids, nodeid, *names, *tails):
            if key in self.reasons:
                self._used.add(key)
                return self.reasons[key], key not in self.loose
        return None

    def unused(self) -> list[str]:
        """Keys that matched no collected test."""
        return sorted(set(self.reasons) - self._used)


def _entry(value: object) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, dict)
        and set(value) == {"reason", "strict"}
        and isinstance(value["reason"], str)
        and isinstance(value["strict"], bool)
    )
