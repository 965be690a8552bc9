"""Leases (LEASE)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import private_jwk, sign_token
from jwkconform.harness import Target
from jwkconform.suites.strategies import durations, public_set

SIGNER = private_jwk("EC-P-256", 0, kid="a", use="sig")
OTHER = private_jwk("EC-P-256", 1, kid="b", use="sig")
BOTH = public_set([SIGNER, OTHER])
AFTER_REMOVAL = public_set([OTHER])


@pytest.mark.jwk_requirement("LEASE-01")
@pytest.mark.jwk_capability("named", "valid", "lease")
@given(
    lease=durations(min_ms=1, max_ms=3 * 3_600_000),
    steps=st.lists(st.integers(0, 4 * 3_600_000), min_size=1, max_size=5),
)
def test_every_secret_expires_lease_expiry_after_it_was_produced(
    jwk_target: Target, lease: tuple[str, int], steps: list[int]
) -> None:
    text, ms = lease
    seconds = ms / 1000
    with jwk_target.open_store({"leaseExpiry": text}, document=BOTH) as rig:
        for step in steps:
            rig.clock.advance(step / 1000)
            now = rig.clock.now()
            produced = [
                *rig.store.valid("verify"),
                rig.store.named("verify", "a"),
                rig.store.named("verify", "b"),
            ]
            for secret in produced:
                assert secret is not None, "a named secret of the served set is missing"
                assert secret.expires_at is not None, "the secret reports no lease expiry"
                assert secret.expires_at - now == pytest.approx(seconds, abs=1e-6), (
                    f"with leaseExpiry {text!r} ({seconds} s) secret {secret.stable_id!r} "
                    f"produced at {now} expires at {secret.expires_at}, "
                    f"{secret.expires_at - now} s later"
                )


@pytest.mark.jwk_requirement("LEASE-02")
@pytest.mark.jwk_capability("verify")
@pytest.mark.parametrize("with_kid", [True, False], ids=["kid", "no-kid"])
def test_the_resolver_asks_the_store_again_once_the_lease_is_over(
    jwk_target: Target, with_kid: bool
) -> None:
    token = sign_token(SIGNER, "ES256", kid="a" if with_kid else None)
    config = {"cacheTimeout": "10 s", "leaseExpiry": "1 min"}
    with jwk_target.open_store(config, document=public_set([SIGNER])) as rig:
        start = rig.clock.now()
        first = rig.store.verify(token, "access.token")
        assert first.verified, f"the token did not verify with its key served: {first.reason}"
        rig.jwks.serve(AFTER_REMOVAL)
        rig.clock.reach(start, 60)
        ended = rig.clock.now()
        outcome = rig.store.verify(token, "access.token")
        assert rig.jwks.fetch_count(since=ended) >= 1, (
            "once the 1 min lease was over the resolver did not ask the store again "
            "(the stale set was not reloaded)"
        )
        assert not outcome.verified, (
            f"the lease ended and the key was no longer served, yet the token still "
            f"verified with {outcome.secret_id!r}"
        )


@st.composite
def _removal_scenarios(draw: st.DrawFn) -> tuple[str, int, str, int, int, list[int], int]:
    """(cacheTimeout text, ms, leaseExpiry text, ms, removal ms, probe ms offsets, later ms).

    Half the scenarios are the tight case: reloads each time the set goes stale, the key
    removed just after the last of them, and a query at the last instant that set is
    fresh, so that the last lease ends as late as the bound allows. Probes never fall on
    the removal instant, so that no check depends on how an implementation orders a load
    and a change made at the very same instant.
    """
    cache_text, cache_ms = draw(durations(min_ms=10_000, max_ms=600_000), label="cacheTimeout")
    lease_text, lease_ms = draw(durations(min_ms=1_000, max_ms=600_000), label="leaseExpiry")
    later = draw(st.integers(1, 3_600_000), label="later")
    if draw(st.booleans(), label="tight"):
        reloads = draw(st.integers(0, 3), label="reloads before the removal")
        last_load = reloads * cache_ms
        removal = last_load + draw(st.integers(1, cache_ms - 2), label="removal after the load")
        probes = [k * cache_ms for k in range(1, reloads + 1)] + [last_load + cache_ms - 1]
        return cache_text, cache_ms, lease_text, lease_ms, removal, probes, later
    removal = draw(st.integers(1, 900_000), label="removal")
    bound = removal + cache_ms + lease_ms
    probes = draw(
        st.lists(st.integers(1, bound - 1).filter(lambda t: t != removal), max_size=6, unique=True),
        label="probes",
    )
    return cache_text, cache_ms, lease_text, lease_ms, removal, sorted(probes), later


@pytest.mark.jwk_requirement("LEASE-03")
@pytest.mark.jwk_capability("verify")
@given(scenario=_removal_scenarios(), with_kid=st.booleans())
def test_a_removed_key_stops_verifying_within_cache_timeout_plus_lease(
    jwk_target: Target,
    scenario: tuple[str, int, str, int, int, list[int], int],
    with_kid: bool,
) -> None:
    cache_text, cache_ms, lease_text, lease_ms, removal, probes, later = scenario
    token = sign_token(SIGNER, "ES256", kid="a" if with_kid else None)
    config = {"cacheTimeout": cache_text, "leaseExpiry": lease_text}
    with jwk_target.open_store(config, document=BOTH) as rig:
        start = rig.clock.now()
        first = rig.store.verify(token, "access.token")
        assert first.verified, f"the token did not verify with its key served: {first.reason}"
        rig.jwks.serve(AFTER_REMOVAL, at=start + removal / 1000)
        for probe in probes:
            rig.clock.reach(start, probe / 1000)
            rig.store.verify(token, "access.token")  # may still verify: not yet past the bound
        bound = removal + cache_ms + lease_ms
        for check in (bound, bound + later):
            rig.clock.reach(start, check / 1000)
            outcome = rig.store.verify(token, "access.token")
            assert not outcome.verified, (
                f"the key was removed at +{removal / 1000} s; with cacheTimeout "
                f"{cache_text!r} and leaseExpiry {lease_text!r} the token still verified "
                f"({outcome.secret_id!r}) at +{check / 1000} s, "
                f"{(check - removal) / 1000} s after the removal"
            )
