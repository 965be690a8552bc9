"""Loading the set (LOAD)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import private_jwk, public_jwk
from jwkconform.harness import (
    ConnectionRefused,
    Fault,
    LoadFailed,
    MalformedJson,
    Oversized,
    PurposeRefused,
    Status,
    Target,
    Timeout,
    UnexpectedException,
)
from jwkconform.suites.strategies import public_set, signing_keys

GOOD = public_set([private_jwk("EC-P-256", kid="a", use="sig")])
TWO = public_set(
    [private_jwk("EC-P-256", kid="a", use="sig"), private_jwk("RSA-2048", kid="b", use="sig")]
)
MIB = 1024 * 1024

Keys = list[tuple[str, dict[str, Any]]]

_MATERIAL = ("kty", "crv", "n", "e", "x", "y")


def _material(jwk: Mapping[str, Any]) -> dict[str, Any]:
    return {name: jwk.get(name) for name in _MATERIAL}


def _expect(error: type[Exception], call: Callable[[], object], message: str) -> None:
    """Fail with ``message`` (``{got!r}`` replaced) unless ``call()`` raises ``error``.

    An exception the adapter let through untranslated is the implementation's answer here:
    LOAD-04 is about callers never seeing an unrelated exception."""
    try:
        got = call()
    except error:
        return
    except UnexpectedException as exc:
        pytest.fail(f"{message.replace('{got!r}', 'nothing')}; it raised: {exc.__cause__!r}")
    pytest.fail(message.replace("{got!r}", repr(got)))


@pytest.mark.jwk_requirement("LOAD-01")
@pytest.mark.jwk_capability("named")
@given(keys=signing_keys(min_size=1))
def test_the_set_is_read_from_the_url_through_the_handler(jwk_target: Target, keys: Keys) -> None:
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        for _, key in keys:
            secret = rig.store.named("verify", key["kid"])
            assert secret is not None, f"kid {key['kid']!r} of the served set was not loaded"
            assert _material(secret.jwk) == _material(key), (
                f"the secret for kid {key['kid']!r} is not the served key"
            )
        paths = [f.path for f in rig.jwks.fetches]
        assert paths == [rig.jwks.path], (
            f"expected one request for {rig.jwks.path} through the handler, saw {paths}"
        )


@pytest.mark.jwk_requirement("LOAD-01")
@pytest.mark.jwk_capability("named", "valid", "file-urls")
@given(keys=signing_keys(min_size=1))
def test_a_file_url_set_is_read_from_disk(jwk_target: Target, keys: Keys) -> None:
    with jwk_target.open_store(file_document=public_set([k for _, k in keys])) as rig:
        got = [s.stable_id for s in rig.store.valid("verify")]
        assert sorted(got) == sorted(k["kid"] for _, k in keys), (
            f"the file's keys were not read (got {got})"
        )
        for _, key in keys:
            secret = rig.store.named("verify", key["kid"])
            assert secret is not None, f"kid {key['kid']!r} of the file was not loaded"
            assert _material(secret.jwk) == _material(key)
        assert rig.jwks.fetch_count() == 0, "a file: URL store made an HTTP request"


@pytest.mark.jwk_requirement("LOAD-02")
@pytest.mark.jwk_capability("named", "valid")
@pytest.mark.parametrize("purpose", ["password", "generic"])
def test_a_purpose_that_is_not_a_key_is_refused(jwk_target: Target, purpose: str) -> None:
    with jwk_target.open_store(document=GOOD) as rig:
        for moment in ("before the first load", "with the set loaded"):
            _expect(
                PurposeRefused,
                lambda: rig.store.valid(purpose),
                f"valid({purpose!r}) {moment} returned {{got!r}} instead of refusing the purpose",
            )
            _expect(
                PurposeRefused,
                lambda: rig.store.named(purpose, "a"),
                f"named({purpose!r}, 'a') {moment} returned {{got!r}} instead of refusing "
                "the purpose",
            )
            rig.store.valid("verify")


_EC_BAD = public_jwk(private_jwk("EC-P-256", 1, kid="bad", use="sig"))
_RSA_BAD = public_jwk(private_jwk("RSA-2048", 1, kid="bad", use="sig"))
UNUSABLE: Mapping[str, object] = {
    "string": "not a JWK",
    "null": None,
    "array": [_EC_BAD],
    "unknown-kty": {"kty": "XYZ", "kid": "bad", "use": "sig", "x": _EC_BAD["x"]},
    "no-kty": {k: v for k, v in _EC_BAD.items() if k != "kty"},
    "curve-P-999": {**_EC_BAD, "crv": "P-999"},
    "rsa-without-n": {k: v for k, v in _RSA_BAD.items() if k != "n"},
    "bad-base64": {**_EC_BAD, "x": "%%% not base64url %%%"},
}
USABLE = [
    public_jwk(private_jwk("EC-P-256", 0, kid="a", use="sig")),
    public_jwk(private_jwk("RSA-2048", 0, kid="b", use="sig")),
    public_jwk(private_jwk("OKP-Ed25519", 0, kid="c", use="sig")),
]


@pytest.mark.jwk_requirement("LOAD-03")
@pytest.mark.jwk_capability("valid")
@pytest.mark.parametrize("bad", list(UNUSABLE.values()), ids=list(UNUSABLE))
@given(position=st.integers(0, len(USABLE)))
def test_an_unusable_jwk_is_skipped_and_the_others_stay(
    jwk_target: Target, bad: object, position: int
) -> None:
    keys = [*USABLE[:position], bad, *USABLE[position:]]
    with jwk_target.open_store(document={"keys": keys}) as rig:
        got = [s.stable_id for s in rig.store.valid("verify")]
        assert sorted(got) == ["a", "b", "c"], (
            f"with an unusable entry at position {position} the usable keys came back as "
            f"{got}, not ['a', 'b', 'c']"
        )


@pytest.mark.jwk_requirement("LOAD-03")
@pytest.mark.jwk_capability("valid", "warnings")
@pytest.mark.parametrize("bad", list(UNUSABLE.values()), ids=list(UNUSABLE))
def test_an_unusable_jwk_is_logged(jwk_target: Target, bad: object) -> None:
    with jwk_target.open_store(document={"keys": [USABLE[0], bad]}) as rig:
        rig.store.valid("verify")
        assert rig.env.warnings, "an unusable JWK was skipped without a log line"


@pytest.mark.jwk_requirement("LOAD-04")
@pytest.mark.jwk_capability("valid")
@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"[]", b'"keys"', b"{}", b'{"keys": {}}', b'{"keys": null}'],
    ids=["text", "empty", "array", "string", "no-keys", "keys-object", "keys-null"],
)
def test_a_document_that_is_not_a_jwk_set_is_a_load_error(jwk_target: Target, body: bytes) -> None:
    with jwk_target.open_store(document=body) as rig:
        _expect(
            LoadFailed,
            lambda: rig.store.valid("verify"),
            f"a body of {body!r} gave {{got!r}} instead of a load error",
        )


@pytest.mark.jwk_requirement("LOAD-04")
@pytest.mark.jwk_capability("valid")
@pytest.mark.parametrize(
    "fault",
    [Status(500), Status(404), ConnectionRefused(), Timeout()],
    ids=["status-500", "status-404", "refused", "timeout"],
)
def test_a_failed_first_load_is_a_load_error(jwk_target: Target, fault: Fault) -> None:
    with jwk_target.open_store(document=GOOD) as rig:
        rig.jwks.fail(fault)
        _expect(
            LoadFailed,
            lambda: rig.store.valid("verify"),
            f"a first load that failed ({fault}) returned {{got!r}} instead of a load error",
        )


RELOAD_FAULTS = [
    Status(500),
    Status(404),
    Status(304),
    Status(200, b'{"keys": 7}'),
    ConnectionRefused(),
    Timeout(),
    MalformedJson(),
]
RELOAD_FAULT_IDS = [
    "status-500",
    "status-404",
    "status-304",
    "not-a-set",
    "refused",
    "timeout",
    "malformed",
]


@pytest.mark.jwk_requirement("LOAD-05")
@pytest.mark.jwk_capability("valid")
@pytest.mark.parametrize("fault", RELOAD_FAULTS, ids=RELOAD_FAULT_IDS)
def test_failed_reload_keeps_the_last_good_set(jwk_target: Target, fault: Fault) -> None:
    with jwk_target.open_store({"cacheTimeout": "1 minute"}, document=GOOD) as rig:
        assert [s.stable_id for s in rig.store.valid("verify")] == ["a"]
        rig.jwks.fail(fault)
        rig.clock.advance(60)
        assert [s.stable_id for s in rig.store.valid("verify")] == ["a"], (
            "a failed reload lost the keys that were loaded"
        )
        assert rig.jwks.fetch_count() == 2, "the stale set was not reloaded"


@pytest.mark.jwk_requirement("LOAD-05")
@pytest.mark.jwk_capability("named")
@pytest.mark.parametrize("fault", RELOAD_FAULTS, ids=RELOAD_FAULT_IDS)
def test_named_secrets_are_still_served_during_an_outage(jwk_target: Target, fault: Fault) -> None:
    served = {key["kid"]: key for key in TWO["keys"]}
    with jwk_target.open_store({"cacheTimeout": "1 minute"}, document=TWO) as rig:
        assert all(rig.store.named("verify", kid) for kid in served), "the set was not loaded"
        rig.jwks.fail(fault)
        stale = rig.clock.advance(60)
        for kid, key in served.items():
            secret = rig.store.named("verify", kid)
            assert secret is not None, f"a failed reload lost named secret {kid!r}"
            assert _material(secret.jwk) == _material(key), (
                f"during the outage named secret {kid!r} is not the loaded key"
            )
        assert rig.jwks.fetch_count(since=stale) >= 1, "the stale set was not reloaded"
        rig.clock.advance(120)
        assert rig.store.named("verify", "not-there") is None
        for kid in served:
            assert rig.store.named("verify", kid) is not None, (
                f"after a failed miss-triggered reload named secret {kid!r} was lost"
            )


@pytest.mark.jwk_requirement("LOAD-06")
@pytest.mark.jwk_capability("valid")
def test_an_oversized_first_load_is_a_load_error(jwk_target: Target) -> None:
    with jwk_target.open_store(document=GOOD) as rig:
        rig.jwks.fail(Oversized())
        _expect(
            LoadFailed,
            lambda: rig.store.valid("verify"),
            "a 2 MiB body was loaded ({got!r}) instead of being refused",
        )


@pytest.mark.jwk_requirement("LOAD-06")
@pytest.mark.jwk_capability("valid")
def test_an_oversized_reload_keeps_the_last_good_set(jwk_target: Target) -> None:
    with jwk_target.open_store({"cacheTimeout": "1 minute"}, document=GOOD) as rig:
        assert [s.stable_id for s in rig.store.valid("verify")] == ["a"]
        rig.jwks.serve(public_set([private_jwk("EC-P-256", 1, kid="b", use="sig")]))
        rig.jwks.fail(Oversized())
        rig.clock.advance(60)
        got = [s.stable_id for s in rig.store.valid("verify")]
        assert rig.jwks.fetch_count() == 2, "the stale set was not reloaded"
        assert got == ["a"], f"a 2 MiB reload body was not refused: the store now serves {got}"


@pytest.mark.jwk_requirement("LOAD-06")
@pytest.mark.jwk_capability("valid")
@pytest.mark.parametrize(("size", "loads"), [(MIB, True), (MIB + 1, False)], ids=["1MiB", "over"])
def test_the_default_size_cap_is_one_mib(jwk_target: Target, size: int, loads: bool) -> None:
    with jwk_target.open_store(document=GOOD) as rig:
        rig.jwks.fail(Oversized(size=size))
        if loads:
            got = [s.stable_id for s in rig.store.valid("verify")]
            assert got == ["a"], f"a body of exactly 1 MiB was not loaded (got {got})"
        else:
            _expect(
                LoadFailed,
                lambda: rig.store.valid("verify"),
                "a body of 1 MiB + 1 byte was loaded ({got!r}) instead of being refused",
            )
