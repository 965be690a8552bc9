"""Which single query path reaches each requirement: the coverage table (docs/coverage.md).

A requirement is ``skip`` only where the specification says it presumes a feature (its
gates). Every other requirement must be reached through some single query path, ``named``,
``valid`` or ``verify``, with no other capability, so that a library declaring that path is
judged on it; settings the library cannot configure are judged at the catalogue's defaults.
`UNREACHED` lists, with the reason, each (requirement, path) pair that the path alone cannot
show; every other pair is reached. tests/harness/test_coverage.py runs the reference
restricted to each path and holds this table to what the suites really skip, in both
directions, and checks that no ungated requirement is left without a path.

The fetch itself needs one of ``http-client`` or ``default-client`` (every implementation
that fetches over HTTP does it through the client it is given or through its own), so a
path here is the path plus ``default-client``.

>>> reached_through("KID-02")
('verify',)
>>> "| LOAD-01 | named, valid, verify |" in render_coverage_page()
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from jwkconform.harness._registry import REQUIREMENTS

__all__ = ["FETCHING", "QUERY_PATHS", "UNREACHED", "reached_through", "render_coverage_page"]

QUERY_PATHS: Final = ("named", "valid", "verify")
# What every restricted run also declares: how the implementation fetches at all.
FETCHING: Final = "default-client"

_RESOLVER = "the requirement is about verifying a token, which this path does not do"
_NO_KID = "valid() names no kid, so a kid lookup, a miss or its window cannot show"
_ONE_KEY = "named() answers one key for one kid: there is no order or fallback to see"
_NO_LEASE_USE = "named() hands out secrets but nothing here keeps using one: that is a resolver's"

# (requirement, path) -> why that path alone cannot show the requirement.
UNREACHED: Final[Mapping[tuple[str, str], str]] = {
    ("KID-02", "named"): _RESOLVER,
    ("KID-02", "valid"): _RESOLVER,
    ("KID-03", "named"): "falling back to valid-secret resolution is what a verifier does",
    ("KID-03", "valid"): _NO_KID,
    ("PUR-01", "named"): "named() shows one kid's key, not all and only the keys that fit",
    ("PUR-02", "named"): "the tests reach it through valid() or verify (issue 19: to add)",
    ("PUR-02", "valid"): "the tests reach it through encrypt queries or verify (to add)",
    ("PUR-03", "named"): "the tests reach it through valid() or verify (to add)",
    ("PUR-03", "valid"): "the tests reach it through encrypt queries or verify (to add)",
    ("PUR-04", "named"): "the tests reach it through valid() or verify (to add)",
    ("PUR-04", "valid"): "the tests reach it through encrypt queries or verify (to add)",
    ("PUR-05", "named"): _RESOLVER,
    ("PUR-05", "valid"): _RESOLVER,
    ("PUR-06", "named"): _RESOLVER,
    ("PUR-06", "valid"): _RESOLVER,
    ("PUR-07", "named"): _RESOLVER,
    ("PUR-07", "valid"): _RESOLVER,
    ("ORD-01", "named"): _ONE_KEY,
    ("ORD-01", "verify"): (
        "without valid() the order of the valid secrets shows only as the order a verifier"
        " tries them, ORD-02's subject"
    ),
    ("ORD-02", "named"): _RESOLVER,
    ("ORD-02", "valid"): _RESOLVER,
    ("ORD-03", "named"): _ONE_KEY,
    ("LEASE-02", "named"): _NO_LEASE_USE,
    ("LEASE-02", "valid"): _NO_LEASE_USE,
    ("LEASE-03", "named"): _RESOLVER,
    ("LEASE-03", "valid"): _RESOLVER,
    ("CFG-03", "valid"): "the tests reach it through named() or verify (to add)",
    ("CFG-05", "valid"): _NO_KID,
    ("CFG-09", "valid"): "the tests reach it through named() or verify (to add)",
    ("LOAD-01", "valid"): "the tests reach it through named() or verify (to add)",
    ("LOAD-03", "valid"): "the tests reach it through named() or verify (to add)",
    ("LOAD-04", "valid"): "the tests reach it through named() or verify (to add)",
    ("LOAD-05", "valid"): "the tests reach it through named() or verify (to add)",
    ("LOAD-06", "valid"): "the tests reach it through named() or verify (to add)",
    ("KID-01", "valid"): _NO_KID,
    ("KID-04", "valid"): _NO_KID,
    ("KID-05", "valid"): _NO_KID,
    ("CACHE-01", "valid"): "the tests reach it through named() or verify (to add)",
    ("CACHE-02", "valid"): "the tests reach it through named() or verify (to add)",
    ("CACHE-03", "valid"): _NO_KID,
    ("CACHE-04", "valid"): _NO_KID,
    ("CACHE-06", "valid"): "the tests reach it through named() or verify (to add)",
}


def reached_through(requirement_id: str) -> tuple[str, ...]:
    """The single query paths that reach an ungated requirement (none for a gated one:
    its gates say what it presumes)."""
    if REQUIREMENTS[requirement_id].gates:
        return ()
    return tuple(p for p in QUERY_PATHS if (requirement_id, p) not in UNREACHED)


def render_coverage_page() -> str:
    """docs/coverage.md: per requirement, what it presumes and the paths that reach it."""
    lines = [
        "<!-- Generated by `jwkconform spec --format coverage`; do not edit by hand. -->",
        "",
        "# Which query path reaches each requirement",
        "",
        "A requirement is `skip` only where it presumes a feature the implementation lacks"
        " (its *presumes* column). Every other requirement is reached through each path listed"
        " here, with no capability besides the path and the way the implementation fetches"
        " (`http-client` or `default-client`); settings the implementation cannot configure"
        " are judged at the catalogue's defaults (CFG-03, CFG-05, CFG-06). A test holds this"
        " table to what the suites skip when the reference declares one path only.",
        "",
        "| requirement | reached through | presumes | not through, and why |",
        "|---|---|---|---|",
    ]
    for rid, req in REQUIREMENTS.items():
        gates = ", ".join(f"`{g}`" for g in req.gates)
        paths = ", ".join(reached_through(rid)) if not req.gates else "any path"
        why = "; ".join(f"{p}: {UNREACHED[rid, p]}" for p in QUERY_PATHS if (rid, p) in UNREACHED)
        lines.append(f"| {rid} | {paths} | {gates} | {why} |")
    return "\n".join(lines) + "\n"
