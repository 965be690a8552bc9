"""The in-process adapters of Authlib and joserfc translate, and add no policy of their own.

Their verdicts are held to the ground truth by test_libraries.py; these tests pin what the
adapters themselves decide: how refusals and the libraries' own exceptions come through,
that Authlib's set is kept with no clock at all, and that joserfc, which keeps nothing, is
handed the document afresh for every query (the adapter caches nothing either).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from jwkconform.fixtures import private_jwk, sign_token
from jwkconform.harness import ConfigRefused, ImplementationRaised
from jwkconform.harness.seam._target import Target
from jwkconform.suites.store_strategies import public_set

pytest.importorskip("authlib")
pytest.importorskip("joserfc")

from jwkconform.harness.adapters import authlib_oidc, joserfc_keyset

KEY = private_jwk("EC-P-256", kid="a", use="sig")
TOKEN = sign_token(KEY, "ES256")


def _authlib() -> Target:
    return Target(authlib_oidc.factory(), "authlib")


def _joserfc() -> Target:
    return Target(joserfc_keyset.factory(), "joserfc")


def test_authlib_keeps_its_set_with_no_clock_and_refetches_on_a_miss() -> None:
    with _authlib().open_store({}, document=public_set([KEY])) as rig:
        assert rig.store.verify(TOKEN, "x").secret_id == "a"
        rig.clock.advance(24 * 3600)  # Authlib reads no clock: a day later, still its set
        assert rig.store.verify(TOKEN, "x").verified
        assert rig.jwks.fetch_count() == 1
        missed = rig.store.verify(sign_token(KEY, "ES256", kid="b"), "x")
        assert not missed.verified
        assert "InvalidKeyIdError" in missed.reason
        assert rig.jwks.fetch_count() == 2, "a kid miss refetches once (parse_id_token)"


@pytest.mark.parametrize("url", ["ftp://h/x", "http://"])
def test_authlib_refuses_a_url_that_requests_refuses_naming_jwk_url(url: str) -> None:
    with (
        pytest.raises(ConfigRefused, match=re.escape(url)) as refused,
        _authlib().open_store({"jwkUrl": url}, with_url=False) as rig,
    ):
        rig.store.verify(TOKEN, "x")
    assert refused.value.field == "jwkUrl"


def test_authlib_without_a_jwk_url_is_refused_at_the_first_query() -> None:
    with (
        pytest.raises(ConfigRefused, match="jwks_uri") as refused,
        _authlib().open_store({}, with_url=False) as rig,
    ):
        rig.store.verify(TOKEN, "x")
    assert refused.value.field == "jwkUrl"


@pytest.mark.parametrize("target", [_authlib, _joserfc], ids=["authlib", "joserfc"])
def test_a_document_that_is_not_a_set_is_the_librarys_own_exception(
    target: Callable[[], Target],
) -> None:
    with target().open_store({}, document={"no": "keys"}) as rig:
        with pytest.raises(ImplementationRaised, match="KeyError") as raised:
            rig.store.verify(TOKEN, "x")
        assert isinstance(raised.value.__cause__, KeyError)


@pytest.mark.parametrize("target", [_authlib, _joserfc], ids=["authlib", "joserfc"])
def test_an_empty_set_is_a_token_that_does_not_verify(target: Callable[[], Target]) -> None:
    with target().open_store({}, document={"keys": []}) as rig:
        outcome = rig.store.verify(TOKEN, "x")
    assert not outcome.verified
    assert "MissingKeyError" in outcome.reason


def test_joserfc_is_handed_the_document_afresh_for_every_query() -> None:
    with _joserfc().open_store({}, document=public_set([KEY])) as rig:
        assert rig.store.verify(TOKEN, "x").secret_id == "a"
        assert rig.store.verify(TOKEN, "x").verified
        assert rig.jwks.fetch_count() == 2, "the adapter must cache nothing: joserfc has no cache"
        rig.jwks.serve({"keys": []})
        assert not rig.store.verify(TOKEN, "x").verified, "a removed key stops at once"
