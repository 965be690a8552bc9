"""Documents the store must refuse: not a JWK Set (LOAD-04), or over the size cap once
decoded (LOAD-06); and ``{"keys": []}``, which is a set, empty.

LOAD-04 is about callers never seeing an unrelated exception, so its own tests take an
exception the adapter let through untranslated as the implementation's answer (`_answer`);
the LOAD-06 tests wrap such queries in `loading()`, which counts one against LOAD-04.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import pytest

from jwkconform.fixtures import sign_token
from jwkconform.harness import (
    Compressed,
    ConnectionRefused,
    Fault,
    ImplementationRaised,
    LoadFailed,
    Oversized,
    Status,
    StoreRig,
    Target,
    Timeout,
    UnexpectedException,
    check,
    premise,
)
from jwkconform.suites._probes import (
    SECRET_ID,
    SHORT_LEASE,
    Probe,
    held_fetch_timeout,
    loading,
    raised,
    require_a_probe,
)
from jwkconform.suites._store_checks import MARGIN, not_loaded, signers, transports
from jwkconform.suites.store_strategies import public_set

MIB: Final = 1024 * 1024
TWO_MINUTES: Final = 120.0
_DEEP: Final = 100_000
_DIGITS: Final = 5_000

# Bodies that are no JWK Set whatever the parser: each must be a load error.
NOT_A_SET: Final = {
    "text": b"not json",
    "empty": b"",
    "null": b"null",
    "number": b"42",
    "array": b"[]",
    "string": b'"keys"',
    "no-keys": b"{}",
    "keys-string": b'{"keys": "abc"}',
    "keys-object": b'{"keys": {}}',
    "keys-null": b'{"keys": null}',
    "keys-number": b'{"keys": 7}',
    "invalid-utf8": b'{"keys": [], "x": "\xff\xfe"}',
    "truncated-utf8": b'{"keys": [{"kid": "\xe2\x82"}]}',
    "deep-array": b"[" * _DEEP + b"]" * _DEEP,
    "huge-number": b"9" * _DIGITS,
}
# JWK Sets holding what may lie beyond a parser's limits: a parser that reads them loads
# an empty set, one that cannot must say so with a load error; nothing else may escape.
AT_THE_LIMITS: Final = {
    "deep-member": b'{"keys": [], "x": ' + b"[" * _DEEP + b"]" * _DEEP + b"}",
    "huge-member": b'{"keys": [], "x": ' + b"9" * _DIGITS + b"}",
}


def _answer(call: Callable[[], object]) -> object:
    """What ``call`` answered: its value, or the `LoadFailed` it raised. An exception the
    adapter let through untranslated is the implementation's answer here, and LOAD-04's
    failure: callers never see an unrelated exception."""
    try:
        return call()
    except LoadFailed as exc:
        return exc
    except (UnexpectedException, ImplementationRaised) as exc:
        pytest.fail(f"the store let {raised(exc)} escape instead of a load error")


def _paths(target: Target) -> list[str]:
    """How the first query asks: named() and valid() where declared (each answers a load
    error itself), else verify(), where a load error shows as a token that does not verify
    (or as `LoadFailed`, where the adapter reports it so): what is left to see there is
    that nothing is served from the document and nothing escapes."""
    require_a_probe(target)
    paths: list[str] = [p for p in ("named", "valid") if p in target.capabilities]
    return paths or ["verify"]


def _a_load_error(how: str, got: object) -> bool:
    """Whether ``got``, the answer of ``how``, is a load error as that path can show one."""
    return isinstance(got, LoadFailed) or (how == "verify()" and got is False)


def _ask(rig: StoreRig, path: str, alg: str, key: Mapping[str, Any]) -> Callable[[], object]:
    kid = str(key["kid"])
    if path == "named":
        return lambda: rig.store.named("verify", kid)
    if path == "valid":
        return lambda: rig.store.valid("verify")
    return lambda: rig.store.verify(sign_token(key, alg, kid=kid), SECRET_ID).verified


def _each_first_query(
    target: Target, body: bytes | None = None, fault: Fault | None = None
) -> list[tuple[str, object]]:
    """What the first query by each path answered, each on a store of its own, with
    ``body`` served (or a set of a supported key, and ``fault``)."""
    alg, key = signers(target)[0]
    answers = []
    deadline = held_fetch_timeout(target) if isinstance(fault, Timeout) else None
    for path in _paths(target):
        document = public_set([key]) if body is None else body
        with target.open_store(document=document, fetch_timeout=deadline) as rig:
            if fault is not None:
                rig.jwks.fail(fault)
            answers.append((f"{path}()", _answer(_ask(rig, path, alg, key))))
    return answers


@pytest.mark.jwk_requirement("LOAD-04")
@pytest.mark.parametrize("body", list(NOT_A_SET.values()), ids=list(NOT_A_SET))
def test_a_document_that_is_not_a_jwk_set_is_a_load_error(jwk_target: Target, body: bytes) -> None:
    for how, got in _each_first_query(jwk_target, body):
        assert _a_load_error(how, got), (
            f"a body of {body[:40]!r} gave {how} {got!r:.200} instead of a load error"
        )


@pytest.mark.jwk_requirement("LOAD-04")
@pytest.mark.parametrize("body", list(AT_THE_LIMITS.values()), ids=list(AT_THE_LIMITS))
def test_a_set_beyond_the_parser_limits_loads_or_is_a_load_error(
    jwk_target: Target, body: bytes
) -> None:
    for how, got in _each_first_query(jwk_target, body):
        assert isinstance(got, LoadFailed) or got in (None, [], False), (
            f"an empty set with a member beyond the parser's limits gave {how} {got!r:.200}"
        )


@pytest.mark.jwk_requirement("LOAD-04")
@pytest.mark.parametrize(
    "fault",
    [Status(500), Status(404), ConnectionRefused(), Timeout()],
    ids=["status-500", "status-404", "refused", "timeout"],
)
def test_a_failed_first_load_is_a_load_error(jwk_target: Target, fault: Fault) -> None:
    for how, got in _each_first_query(jwk_target, fault=fault):
        assert _a_load_error(how, got), (
            f"a first load that failed ({fault}) gave {how} {got!r:.200} instead of a load error"
        )


@pytest.mark.jwk_requirement("LOAD-04")
def test_an_empty_keys_array_is_an_empty_set(jwk_target: Target) -> None:
    if not {"named", "valid"} & jwk_target.capabilities:
        pytest.skip(f"{jwk_target.name} declares neither capability named nor valid")
    for how, got in _each_first_query(jwk_target, b'{"keys": []}'):
        assert got in (None, []), f'{how} on {{"keys": []}} gave {got!r:.200}, not nothing'


@pytest.mark.jwk_requirement("LOAD-04")
@pytest.mark.jwk_capability("verify", "cache-timeout", "miss-window")
def test_an_empty_set_loads_and_is_kept_while_fresh(jwk_target: Target) -> None:
    # Seen through verification alone: a loaded empty set is fresh for cacheTimeout, so a
    # token without a kid (no kid miss) fetches nothing; a store that took the empty set
    # for a load error retries once its hold-back (at most cacheMissCacheTime, CACHE-06)
    # has passed.
    config = {**SHORT_LEASE, "cacheTimeout": "10 min", "cacheMissCacheTime": "1 s"}
    # The token's key is of another type than the served key's: as in the empty set, no
    # cached key could even be tried for it.
    keys = signers(jwk_target, 8)
    alg, key = keys[0]
    others = [(a, k) for a, k in keys if (k["kty"], k.get("crv")) != (key["kty"], key.get("crv"))]
    if not others:
        pytest.skip(f"{jwk_target.name} verifies with keys of one type only")
    other_alg, other = others[0]
    later = 1.5
    with jwk_target.open_store(config, document=public_set([key])) as rig:
        with premise("LOAD-01"):
            assert rig.store.verify(sign_token(key, alg), SECRET_ID).verified, (
                "a token of the served key did not verify"
            )
        fetched = rig.jwks.fetch_count()
        rig.clock.advance(later)
        rig.store.verify(sign_token(other, other_alg, kid=None), SECRET_ID)
        if rig.jwks.fetch_count() != fetched:
            # Whether that may fetch is CACHE-01's (or, for a resolver that takes a kid-less
            # token for a miss, ORD-02's) to judge; here it only leaves no way to tell.
            pytest.skip(
                f"{jwk_target.name} fetched for a token without a kid {later} s into a fresh"
                " set, so verification cannot tell a loaded empty set from a failed load"
            )
    with jwk_target.open_store(config, document={"keys": []}) as rig:
        rig.store.verify(sign_token(key, alg), SECRET_ID)
        fetched = rig.jwks.fetch_count()
        rig.clock.advance(later)
        rig.store.verify(sign_token(other, other_alg, kid=None), SECRET_ID)
        assert rig.jwks.fetch_count() == fetched, (
            f'{{"keys": []}} was not kept as a loaded set: a token without a kid {later} s on '
            "fetched the set again, as after a failed load"
        )


# -- the size cap (LOAD-06) ----------------------------------------------------------------


@pytest.mark.jwk_requirement("LOAD-06")
@pytest.mark.parametrize(
    "fault",
    [Oversized(), Oversized(size=MIB + 1), Compressed(), Compressed(layers=2)],
    ids=["2MiB", "1MiB+1", "gzip-2MiB", "gzip-gzip-2MiB"],
)
def test_an_oversized_first_load_is_refused(jwk_target: Target, fault: Fault) -> None:
    alg, key = signers(jwk_target)[0]
    for target in transports(jwk_target):
        with target.open_store(document=public_set([key])) as rig:
            rig.jwks.fail(fault)
            with loading():
                refused = not_loaded(Probe(target, rig), alg, key)
            assert refused, f"over {target.transport}, a first load of {fault} was not refused"


@pytest.mark.jwk_requirement("LOAD-06")
@pytest.mark.parametrize(
    "fault", [Oversized(size=MIB), Compressed(size=MIB)], ids=["1MiB", "gzip-1MiB"]
)
def test_a_body_of_exactly_one_mib_loads(jwk_target: Target, fault: Fault) -> None:
    alg, key = signers(jwk_target)[0]
    for target in transports(jwk_target):
        with target.open_store(document=public_set([key])) as rig:
            rig.jwks.fail(fault)
            probe = Probe(target, rig)
            # A body the store cannot decode must still be a load error, not an escape.
            with loading():
                served = probe.serves(alg, key)
            assert served, (
                f"over {target.transport}, a body of exactly 1 MiB ({fault}) was not loaded"
            )


@pytest.mark.jwk_requirement("LOAD-06")
@pytest.mark.parametrize("fault", [Oversized(), Compressed()], ids=["2MiB", "gzip-2MiB"])
def test_an_oversized_reload_is_refused(jwk_target: Target, fault: Fault) -> None:
    (alg, old), (new_alg, new) = signers(jwk_target, 2)
    for target in transports(jwk_target):
        with target.open_store(SHORT_LEASE, document=public_set([old])) as rig:
            probe = Probe(target, rig)
            with premise("LOAD-01"):
                assert probe.serves(alg, old), "the first set was not loaded"
            loaded = rig.clock.now()
            rig.jwks.serve(public_set([new]))
            rig.jwks.fail(fault)
            stale = rig.clock.reach(loaded, TWO_MINUTES + MARGIN)
            with loading():
                kept = probe.serves(alg, old)
                refused = not_loaded(probe, new_alg, new)
            with premise("CFG-03"):
                assert rig.jwks.fetch_count(since=stale) >= 1, (
                    "the set was not reloaded 1 ms after the default 2 minutes"
                )
            # The new set refused first: a store that took it lost the old set by loading it.
            with check("LOAD-06"):
                assert refused, (
                    f"over {target.transport}, a reload body of {fault} was loaded: the store "
                    "serves its key"
                )
            with premise("LOAD-05"):
                assert kept, f"over {target.transport}, a refused reload lost the last good set"
