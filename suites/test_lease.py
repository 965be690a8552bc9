"""Leases (LEASE).

Durations are written in one plain spelling: their syntax is CFG-07's business. Tokens name
their key's kid, except where resolution without kid is the point, and then the first
verification is a premise of ORD-02.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import private_jwk, sign_token
from jwkconform.harness import Target, premise
from jwkconform.suites._keysets import found_by
from jwkconform.suites._probes import SECRET_ID, lease_is, require_a_lister
from jwkconform.suites.store_strategies import public_set, shaped


# Functions, not constants: whether keys carry alg is learnt when the run starts.
def _signer() -> dict[str, Any]:
    return shaped(private_jwk("EC-P-256", 0, kid="a", use="sig"), "ES256")


def _other() -> dict[str, Any]:
    return shaped(private_jwk("EC-P-256", 1, kid="b", use="sig"), "ES256")


def _third() -> dict[str, Any]:
    return shaped(private_jwk("EC-P-256", 1, kid="c", use="sig"), "ES256")


def _both() -> dict[str, Any]:
    return public_set([_signer(), _other()])


# The default cacheTimeout (CFG-03), where a test leaves it out.
DEFAULT_CACHE_MS = 120_000

# Steps of the clock: short ones inside a fresh set, long ones past the default cacheTimeout
# (a query after a reload that came later than the first load checks the anchor of leases).
_STEPS = st.one_of(
    st.integers(0, DEFAULT_CACHE_MS - 1), st.integers(DEFAULT_CACHE_MS + 1, 4 * 3_600_000)
)


@pytest.mark.jwk_requirement("LEASE-01")
@pytest.mark.jwk_capability("lease")
@given(lease_ms=st.integers(1, 3 * 3_600_000), steps=st.lists(_STEPS, min_size=1, max_size=6))
def test_every_secret_expires_lease_expiry_after_it_was_produced(
    jwk_target: Target, lease_ms: int, steps: list[int]
) -> None:
    require_a_lister(jwk_target)
    seconds = lease_ms / 1000
    with jwk_target.open_store({"leaseExpiry": f"{lease_ms} ms"}, document=_both()) as rig:
        for step in steps:
            rig.clock.advance(step / 1000)
            now = rig.clock.now()
            # Whichever of named() and valid() the implementation answers.
            caps = jwk_target.capabilities
            produced = [
                *(rig.store.valid("verify") if "valid" in caps else ()),
                *(rig.store.named("verify", kid) for kid in ("a", "b") if "named" in caps),
            ]
            for secret in produced:
                assert secret is not None, "a named secret of the served set is missing"
                assert secret.expires_at is not None, "the secret reports no lease expiry"
                assert lease_is(secret.expires_at, now, seconds), (
                    f"with leaseExpiry {lease_ms} ms secret {secret.stable_id!r} produced at "
                    f"{now} expires at {secret.expires_at}, {secret.expires_at - now} s later"
                )


def _a_stale_set_reloads(target: Target, lease_s: int) -> None:
    """Premise of CFG-03: a store whose set is ``lease_s`` old reloads it, seen on a store
    of its own through a token of a key the resolver never held (a hit on the cached set,
    so only staleness can make it fetch). Where it does not, the set never went stale, and
    whether a resolver went back to the store once its lease was over cannot be seen."""
    config = {"leaseExpiry": f"{lease_s} s"}
    with target.open_store(config, document=public_set([_signer(), _third()])) as rig:
        start = rig.clock.now()
        rig.store.verify(sign_token(_signer(), "ES256", kid="a"), SECRET_ID)
        ended = rig.clock.reach(start, lease_s)
        rig.store.verify(sign_token(_third(), "ES256", kid="c"), SECRET_ID)
        with premise("CFG-03"):
            assert rig.jwks.fetch_count(since=ended) >= 1, (
                f"a set loaded {lease_s} s ago was not reloaded, even for a token of one of"
                " its keys never verified before: it never went stale"
            )


@pytest.mark.jwk_requirement("LEASE-02")
@pytest.mark.jwk_capability("verify")
@pytest.mark.parametrize("with_kid", [True, False], ids=["kid", "no-kid"])
@given(lease_s=st.integers(3600, 3 * 3600))
def test_the_resolver_asks_the_store_again_once_the_lease_is_over(
    jwk_target: Target, with_kid: bool, lease_s: int
) -> None:
    """The lease is long (an hour or more), so that the set went stale long before it ends,
    whatever the default cacheTimeout: at the very instant the lease ends, the resolver
    goes back to the store, which reloads and no longer has the key."""
    token = sign_token(_signer(), "ES256", kid="a" if with_kid else None)
    with jwk_target.open_store(
        {"leaseExpiry": f"{lease_s} s"}, document=public_set([_signer()])
    ) as rig:
        start = rig.clock.now()
        with premise("KID-01" if with_kid else "ORD-02"):
            first = rig.store.verify(token, SECRET_ID)
            assert first.verified, f"the token did not verify with its key served: {first.reason}"
        rig.jwks.serve(public_set([_other()]))
        ended = rig.clock.reach(start, lease_s)
        outcome = rig.store.verify(token, SECRET_ID)
        asked_again = rig.jwks.fetch_count(since=ended) >= 1
        if not asked_again:
            _a_stale_set_reloads(jwk_target, lease_s)
        assert asked_again, (
            f"once the {lease_s} s lease was over the resolver did not ask the store again"
            " (a token of a key it never held reloaded the long-stale set; this one did not)"
        )
        # The store reloaded a set without the key, yet the token verified: the resolver
        # asked the store (the fetch shows it), so the stale answer is the store's, CACHE-02's
        # (removed keys are gone after a reload), whatever it kept the key in.
        with premise("CACHE-02"):
            assert not outcome.verified, (
                f"the store reloaded a set without the key once the lease was over, yet the"
                f" token still verified with {found_by(outcome)}: the store answered from a"
                " stale entry"
            )


@st.composite
def _removal_scenarios(
    draw: st.DrawFn, *, cache_ms: int | None
) -> tuple[int, int, int, list[int], int]:
    """(cacheTimeout ms, leaseExpiry ms, removal ms, probe ms offsets, later ms).

    Half the scenarios are the tight case: reloads just after the set goes stale, the key
    removed just after the last of them, and a query at the last instant that set is
    fresh, so that the last lease ends as late as the bound allows. Probes never fall on
    the removal instant, so that no check depends on how an implementation orders a load
    and a change made at the very same instant. With ``cache_ms`` None the cacheTimeout
    is drawn (above 10 s: CFG-04's minimum is its own business).
    """
    if cache_ms is None:
        cache_ms = draw(st.integers(11_000, 600_000), label="cacheTimeout")
        lease_ms = draw(st.integers(1_000, 600_000), label="leaseExpiry")
    else:
        lease_ms = draw(st.integers(300_000, 3_600_000), label="leaseExpiry")
    later = draw(st.integers(1, 3_600_000), label="later")
    if draw(st.booleans(), label="tight"):
        # Each reload a millisecond after the set went stale: the exact instant is CACHE-02's.
        reloads = draw(st.integers(0, 3), label="reloads before the removal")
        last_load = reloads * (cache_ms + 1)
        removal = last_load + draw(st.integers(1, cache_ms - 2), label="removal after the load")
        probes = [k * (cache_ms + 1) for k in range(1, reloads + 1)]
        probes.append(last_load + cache_ms - 1)
        return cache_ms, lease_ms, removal, probes, later
    removal = draw(st.integers(1, 900_000), label="removal")
    bound = removal + cache_ms + lease_ms
    probes = draw(
        st.lists(st.integers(1, bound - 1).filter(lambda t: t != removal), max_size=6, unique=True),
        label="probes",
    )
    return cache_ms, lease_ms, removal, sorted(probes), later


def _default_cache_timeout_holds(jwk_target: Target) -> None:
    """Premise of CFG-03, asked only when a removed key outlived its bound under the
    default cacheTimeout: does a set loaded 2 minutes ago reload at all? A kid the resolver
    never asked for before cannot come from a lease, so its query reaches the store."""
    with (
        premise("CFG-03"),
        jwk_target.open_store(document=_both()) as probe,
    ):
        start = probe.clock.now()
        probe.store.verify(sign_token(_signer(), "ES256"), SECRET_ID)
        since = probe.clock.reach(start, DEFAULT_CACHE_MS / 1000 + 0.001)
        probe.store.verify(sign_token(_other(), "ES256"), SECRET_ID)
        assert probe.jwks.fetch_count(since=since) >= 1, (
            "with cacheTimeout left out, a query 120.001 s after the load, for a kid never "
            "asked for before, did not reload the set (the default is 2 minutes)"
        )


def _removed_key_stops(
    jwk_target: Target, config: dict[str, str], scenario: tuple[int, int, int, list[int], int]
) -> str:
    """Play ``scenario``; what went wrong ("" when the removed key stopped in time)."""
    cache_ms, lease_ms, removal, probes, later = scenario
    token = sign_token(_signer(), "ES256")
    with jwk_target.open_store(
        {**config, "leaseExpiry": f"{lease_ms} ms"}, document=_both()
    ) as rig:
        start = rig.clock.now()
        with premise("KID-01"):
            first = rig.store.verify(token, SECRET_ID)
            assert first.verified, f"the token did not verify with its key served: {first.reason}"
        rig.jwks.serve(public_set([_other()]), at=start + removal / 1000)
        for probe in probes:
            rig.clock.reach(start, probe / 1000)
            rig.store.verify(token, SECRET_ID)  # may still verify: not yet past the bound
        bound = removal + cache_ms + lease_ms
        for at in (bound, bound + later):
            rig.clock.reach(start, at / 1000)
            outcome = rig.store.verify(token, SECRET_ID)
            if outcome.verified:
                return (
                    f"the key was removed at +{removal / 1000} s; with cacheTimeout "
                    f"{cache_ms / 1000} s and leaseExpiry {lease_ms / 1000} s the token still "
                    f"verified ({found_by(outcome)}) at +{at / 1000} s, "
                    f"{(at - removal) / 1000} s after the removal"
                )
    return ""


@pytest.mark.jwk_requirement("LEASE-03")
@pytest.mark.jwk_capability("verify", "cache-timeout")
@given(scenario=_removal_scenarios(cache_ms=None))
def test_a_removed_key_stops_verifying_within_cache_timeout_plus_lease(
    jwk_target: Target, scenario: tuple[int, int, int, list[int], int]
) -> None:
    failure = _removed_key_stops(jwk_target, {"cacheTimeout": f"{scenario[0]} ms"}, scenario)
    assert not failure, failure


@pytest.mark.jwk_requirement("LEASE-03")
@pytest.mark.jwk_capability("verify")
@given(scenario=_removal_scenarios(cache_ms=DEFAULT_CACHE_MS))
def test_a_removed_key_stops_verifying_within_the_default_cache_timeout_plus_lease(
    jwk_target: Target, scenario: tuple[int, int, int, list[int], int]
) -> None:
    """cacheTimeout is left to its default (2 minutes, CFG-03): the bound an operator
    computes for this configuration. Whether the default holds is checked apart, when a
    key outlives the bound, so that a wrong default counts against CFG-03 alone."""
    failure = _removed_key_stops(jwk_target, {}, scenario)
    if failure:
        _default_cache_timeout_holds(jwk_target)
    assert not failure, failure
