"""The expected-failures file: known failures, and optionally a library's whole ground truth.

The file is a JSON object from a key to an entry::

    {"KID-03": "no kid fallback (ticket GW-7)",
     "test_kid.py::test_unknown_kid_falls_back_to_valid_secrets": "GW-7",
     "CFG-03": {"verdict": "fail", "reason": "default lifetime is 300 s",
                "evidence": ["jwt/jwks_client.py:31"]},
     "KID-01": {"verdict": "pass", "reason": "exact kid match", "evidence": ["..."]}}

A key is a requirement ID, a test's node ID (``test_kid.py::test_x[param]``, with or without
the parameters, and with any path before it, as pytest prints it in a FAILED line) or a test
name. The most specific key that matches a failure decides: a node ID with parameters, then
one without, then a test name with parameters, then without, then the requirement ID.

An entry that is a string, or an object whose ``verdict`` is ``fail`` (the default), expects
a failure: the failure is reported as ``xfail`` and, if it does not happen, the run fails
(strict). An object with another ``verdict`` (``pass``, ``skip``, ``non-strict``...) expects
no failure; it records the ground truth for a library, and the run's verdict is compared
with it. ``evidence`` lists where the behaviour can be seen (source lines, issue numbers).

A key that names neither a requirement nor a test of the suites (nor a test that ran) is
reported as stale. Keys are checked against every test of the suites, so a run narrowed by
``--requirement``, ``-k`` or ``--lf`` reports no false "stale" keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from jwkconform.harness._untrusted import read_json
from jwkconform.harness.spec._registry import REQUIREMENTS

__all__ = ["Expectation", "ExpectedFailures", "canonical_nodeid"]

_VERDICTS: Final = frozenset(
    {"pass", "fail", "error", "non-strict", "xfail", "blocked", "skip", "untested"}
)
_MEMBERS: Final = frozenset({"verdict", "reason", "evidence"})
# Where the files shipped for the measured libraries live (`--expected-failures pyjwt`).
SHIPPED: Final = "jwkconform.expectations"


@dataclass(frozen=True)
class Expectation:
    """One entry: the expected verdict, why, and where the behaviour can be seen."""

    key: str
    verdict: str
    reason: str
    evidence: tuple[str, ...] = ()

    @property
    def expects_failure(self) -> bool:
        return self.verdict == "fail"


def canonical_nodeid(nodeid: str) -> str:
    """``test_kid.py::test_x[p]`` from any spelling pytest prints: the path before the module
    (``../site-packages/jwkconform/suites/``, ``suites/``) is dropped."""
    path, sep, rest = nodeid.partition("::")
    return path.rsplit("/", 1)[-1] + sep + rest


def _names(nodeid: str) -> tuple[str, str, str, str]:
    """(node ID, node ID without parameters, name with parameters, name without)."""
    canonical = canonical_nodeid(nodeid)
    bare = canonical.split("[", 1)[0]
    name = canonical.rsplit("::", 1)[-1]
    return canonical, bare, name, name.split("[", 1)[0]


def _entry(key: str, value: object, path: Path) -> Expectation:
    if isinstance(value, str):
        return Expectation(key, "fail", value)
    problem = None
    if not isinstance(value, dict):
        problem = "an entry is a reason (a string) or an object"
    elif set(value) - _MEMBERS or not isinstance(value.get("reason"), str):
        problem = 'an object entry has a string "reason", and may have "verdict" and "evidence"'
    elif value.get("verdict", "fail") not in _VERDICTS:
        problem = f"verdict {value.get('verdict')!r} is not one of {', '.join(sorted(_VERDICTS))}"
    elif not isinstance(value.get("evidence", []), list) or not all(
        isinstance(e, str) for e in value.get("evidence", [])
    ):
        problem = '"evidence" is a list of strings'
    if problem is not None:
        raise ValueError(f"expected-failures file {path}: entry {key!r}: {problem}")
    assert isinstance(value, dict)
    return Expectation(
        key, str(value.get("verdict", "fail")), value["reason"], tuple(value.get("evidence", []))
    )


@dataclass
class ExpectedFailures:
    """The entries of one file, looked up by test and requirement."""

    entries: Mapping[str, Expectation] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, path: Path) -> ExpectedFailures:
        """Read ``path``; a clear ValueError says what is wrong with it."""
        data: Any = read_json(path, "expected-failures file")
        if not isinstance(data, dict):
            raise ValueError(
                f"expected-failures file {path} must be a JSON object mapping IDs to reasons: "
                '{"KID-03": "reason", "test_kid.py::test_x": {"reason": "..."}}'
            )
        return cls({key: _entry(key, value, path) for key, value in data.items()}, path)

    def for_failure(self, nodeid: str, requirement_id: str) -> Expectation | None:
        """The most specific entry about a failure of ``requirement_id`` in ``nodeid``."""
        for key in (*_names(nodeid), requirement_id):
            entry = self.entries.get(key)
            if entry is not None:
                return entry
        return self._by_tail(nodeid)

    def _by_tail(self, nodeid: str) -> Expectation | None:
        # A key spelled with more path than the canonical ID ("suites/test_kid.py::...").
        canonical, bare, _, _ = _names(nodeid)
        for key, entry in self.entries.items():
            if "::" in key and canonical_nodeid(key) in (canonical, bare):
                return entry
        return None

    def expected_verdicts(self) -> dict[str, Expectation]:
        """The entries keyed by a requirement ID: the ground truth the run is compared with."""
        return {key: e for key, e in self.entries.items() if key in REQUIREMENTS}

    def stale(self, known_tests: Iterable[str]) -> list[str]:
        """Keys that name no requirement and none of ``known_tests`` (``module.py::name``
        node IDs, parameters or not)."""
        known: set[str] = set()
        for nodeid in known_tests:
            known.update(_names(nodeid))
        return sorted(
            key
            for key in self.entries
            if key not in REQUIREMENTS
            and not known.intersection(_names(key) if "::" in key else (key, key.split("[")[0]))
        )
