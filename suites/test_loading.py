"""Loading the set (LOAD)."""

from __future__ import annotations

import pytest

from jwkconform.fixtures import private_jwk
from jwkconform.harness import (
    ConnectionRefused,
    Fault,
    LoadFailed,
    MalformedJson,
    Status,
    Target,
    Timeout,
)
from jwkconform.suites.strategies import public_set

GOOD = public_set([private_jwk("EC-P-256", kid="a", use="sig")])


@pytest.mark.requirement("LOAD-04")
@pytest.mark.capability("valid")
@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"[]", b'"keys"', b"{}", b'{"keys": {}}', b'{"keys": null}'],
    ids=["text", "empty", "array", "string", "no-keys", "keys-object", "keys-null"],
)
def test_a_document_that_is_not_a_jwk_set_is_a_load_error(jwk_target: Target, body: bytes) -> None:
    with jwk_target.open_store(document=body) as rig, pytest.raises(LoadFailed):
        rig.store.valid("verify")


@pytest.mark.requirement("LOAD-05")
@pytest.mark.capability("valid")
@pytest.mark.parametrize(
    "fault",
    [Status(500), ConnectionRefused(), Timeout(), MalformedJson()],
    ids=["status-500", "refused", "timeout", "malformed"],
)
def test_failed_reload_keeps_the_last_good_set(jwk_target: Target, fault: Fault) -> None:
    with jwk_target.open_store({"cacheTimeout": "1 minute"}, document=GOOD) as rig:
        assert [s.stable_id for s in rig.store.valid("verify")] == ["a"]
        rig.jwks.fail(fault)
        rig.clock.advance(60)
        assert [s.stable_id for s in rig.store.valid("verify")] == ["a"], (
            "a failed reload lost the keys that were loaded"
        )
        assert rig.jwks.fetch_count() == 2, "the stale set was not reloaded"
