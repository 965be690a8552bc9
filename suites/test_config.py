"""Store configuration (CFG)."""

from __future__ import annotations

import pytest

from jwkconform.fixtures import private_jwk
from jwkconform.harness import ConfigRefused, Target
from jwkconform.suites.strategies import public_set

DOCUMENT = public_set([private_jwk("EC-P-256", kid="a", use="sig")])


@pytest.mark.requirement("CFG-01")
@pytest.mark.capability("config")
def test_configuration_without_jwk_url_is_refused(jwk_target: Target) -> None:
    with pytest.raises(ConfigRefused) as refused, jwk_target.open_store({}, with_url=False):
        pass
    assert "jwkUrl" in f"{refused.value.field} {refused.value}"


@pytest.mark.requirement("CFG-03")
@pytest.mark.capability("valid")
def test_cache_timeout_defaults_to_two_minutes(jwk_target: Target) -> None:
    with jwk_target.open_store(document=DOCUMENT) as rig:
        rig.store.valid("verify")
        rig.clock.advance(119.999)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 1, "the set was reloaded before 2 minutes"
        rig.clock.advance(0.001)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 2, "the set was not reloaded at 2 minutes"


@pytest.mark.requirement("CFG-04")
@pytest.mark.capability("config", "valid", "warnings")
@pytest.mark.parametrize("too_short", ["9 seconds", "9999 ms", "0 s", "zero"])
def test_cache_timeout_under_ten_seconds_warns_and_uses_default(
    jwk_target: Target, too_short: str
) -> None:
    with jwk_target.open_store({"cacheTimeout": too_short}, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        rig.clock.advance(60)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 1, f"cacheTimeout {too_short!r} was applied as given"
        assert any("cacheTimeout" in w for w in rig.env.warnings), (
            f"no warning naming cacheTimeout; warnings: {rig.env.warnings}"
        )


@pytest.mark.requirement("CFG-04")
@pytest.mark.capability("config", "valid")
def test_cache_timeout_of_exactly_ten_seconds_is_accepted(jwk_target: Target) -> None:
    with jwk_target.open_store({"cacheTimeout": "10 seconds"}, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        rig.clock.advance(10)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 2
