"""Cache (CACHE): fresh window, reload on staleness, miss window, rotated-in keys, coalescing.

Every boundary is exact on the fake clock: the set is fresh while
``now - loaded_at < cacheTimeout`` and a kid miss may reload once
``now - loaded_at >= cacheMissCacheTime``, ``loaded_at`` being the last successful load.
Times are reached with `_to`, which lands on the exact instant asked for.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import ALG_KINDS, key_pool, private_jwk, public_jwk, sign_token
from jwkconform.harness import StoreRig, Target
from jwkconform.suites.strategies import kids, public_set, signing_keys

Keys = list[tuple[str, dict[str, Any]]]

# One millisecond: the step just below a boundary.
_MS = 0.001


def _to(rig: StoreRig, when: float) -> None:
    """Move the fake clock to exactly ``when`` (start and ``when`` stay within a factor of
    two of each other, so ``now + (when - now) == when`` holds in floating point)."""
    rig.clock.advance(when - rig.clock.now())


def _ids(secrets: Sequence[Any]) -> list[str]:
    return [s.stable_id for s in secrets]


@st.composite
def _window(draw: st.DrawFn, *, min_s: int = 10, max_s: int = 300) -> tuple[str, float]:
    """(a duration in the gateway's syntax, its value in seconds), in steps of 1/8 s so that
    the value and every sum of it with the clock's start are exact binary fractions."""
    eighths = draw(st.integers(min_s * 8, max_s * 8))
    minutes, rest = divmod(eighths, 60 * 8)
    seconds, part = divmod(rest, 8)
    pieces = []
    if minutes:
        pieces.append(f"{minutes} {draw(st.sampled_from(['min', 'minutes', 'm']))}")
    if seconds:
        pieces.append(f"{seconds} {draw(st.sampled_from(['s', 'seconds', 'sec']))}")
    if part:
        pieces.append(f"{part * 125} ms")
    return draw(st.sampled_from([" ", " and ", ", "])).join(pieces), eighths / 8


def _unknown_kids(known: set[str], *, min_size: int = 1, max_size: int = 8) -> Any:
    return st.lists(
        kids().filter(lambda kid: kid not in known),
        min_size=min_size,
        max_size=max_size,
        unique=True,
    )


# A key the endpoint starts to publish while the store's set is cached; "~" is outside the
# kid alphabet of the strategies, so no drawn kid can clash with it.
_ROTATED_IN = private_jwk("EC-P-384", 3, kid="rotated~in", use="sig")


@st.composite
def _quick_signers(draw: st.DrawFn, *, min_size: int, max_size: int) -> Keys:
    """Like `signing_keys`, but EC and EdDSA keys only: tokens are signed in a few
    milliseconds (importing a pool RSA key costs close to 100 ms the first time)."""
    entries = [
        (alg, kind, index)
        for alg in ("ES256", "ES384", "ES512", "EdDSA")
        for kind in ALG_KINDS[alg]
        for index in range(len(key_pool()[kind]))
    ]
    chosen = draw(
        st.lists(st.sampled_from(entries), min_size=min_size, max_size=max_size, unique=True)
    )
    names = draw(st.lists(kids(), min_size=len(chosen), max_size=len(chosen), unique=True))
    return [
        (alg, private_jwk(kind, index, kid=kid, use="sig"))
        for (alg, kind, index), kid in zip(chosen, names, strict=True)
    ]


@pytest.mark.jwk_requirement("CACHE-01")
@pytest.mark.jwk_capability("valid", "named")
@given(keys=signing_keys(min_size=1, max_size=3), data=st.data())
def test_no_query_fetches_while_the_set_is_fresh(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    timeout = data.draw(st.integers(10, 600), "cacheTimeout (s)")
    miss_window = data.draw(st.integers(timeout, 900), "cacheMissCacheTime (s)")
    known = [k["kid"] for _, k in keys]
    unknown = data.draw(_unknown_kids({*known, _ROTATED_IN["kid"]}), "unknown kids")
    asked = st.one_of(
        st.just(("valid", None)),
        st.tuples(st.just("named"), st.sampled_from([*known, *unknown, _ROTATED_IN["kid"]])),
    )
    # Query times in milliseconds after the first load, all inside the fresh window.
    schedule = data.draw(
        st.lists(st.tuples(st.integers(0, timeout * 1000 - 1), asked), min_size=1, max_size=12),
        "schedule",
    )
    config = {"cacheTimeout": f"{timeout} s", "cacheMissCacheTime": f"{miss_window} s"}
    document = public_set([k for _, k in keys])
    with jwk_target.open_store(config, document=document) as rig:
        start = rig.clock.now()
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 1, "the first query did not load the set exactly once"
        # The endpoint publishes a new key: a store that fetched would find it.
        rig.jwks.serve(public_set([*(k for _, k in keys), _ROTATED_IN]), at=start + _MS)
        for offset_ms, (query, kid) in sorted(schedule, key=lambda q: q[0]):
            _to(rig, start + offset_ms / 1000)
            if query == "valid":
                rig.store.valid("verify")
            else:
                assert kid is not None
                rig.store.named("verify", kid)
            assert rig.jwks.fetch_count() == 1, (
                f"{query}({kid!r}) at {offset_ms / 1000}s into a fresh {timeout}s cache "
                f"(cacheMissCacheTime {miss_window}s) fetched the set again"
            )


@pytest.mark.jwk_requirement("CACHE-01")
@pytest.mark.jwk_capability("valid", "named")
@given(keys=signing_keys(min_size=1, max_size=3), window=_window(), data=st.data())
def test_misses_inside_a_shorter_miss_window_do_not_fetch(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    # cacheMissCacheTime < cacheTimeout (docs/decisions.md D-6): inside the miss window no
    # query fetches; past it, only a kid miss may, so hits and valid queries still do not.
    text, miss_window = window
    known = [k["kid"] for _, k in keys]
    unknown = data.draw(_unknown_kids(set(known)), "unknown kids")
    misses = data.draw(
        st.lists(
            st.tuples(st.integers(0, int(miss_window * 1000) - 1), st.sampled_from(unknown)),
            min_size=1,
            max_size=10,
        ),
        "misses inside the miss window",
    )
    hits = data.draw(
        st.lists(
            st.tuples(st.integers(0, 600_000 - 1), st.sampled_from([None, *known])),
            max_size=10,
        ),
        "hits and valid queries inside the fresh window",
    )
    config = {"cacheTimeout": "10 min", "cacheMissCacheTime": text}
    with jwk_target.open_store(config, document=public_set([k for _, k in keys])) as rig:
        start = rig.clock.now()
        rig.store.valid("verify")
        for offset_ms, kid in sorted([*misses, *hits], key=lambda q: q[0]):
            _to(rig, start + offset_ms / 1000)
            if kid is None:
                rig.store.valid("verify")
            else:
                rig.store.named("verify", kid)
            what = "valid()" if kid is None else f"named({kid!r})"
            assert rig.jwks.fetch_count() == 1, (
                f"{what} at {offset_ms / 1000}s into a fresh 10 min cache fetched the set "
                f"(cacheMissCacheTime {text!r}, so only a miss from {miss_window}s on may)"
            )


@pytest.mark.jwk_requirement("CACHE-02")
@pytest.mark.jwk_capability("valid", "named")
@given(keys=signing_keys(min_size=2, max_size=6), data=st.data())
def test_the_first_query_once_stale_reloads_the_set(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    timeout = data.draw(st.integers(10, 600), "cacheTimeout (s)")
    places = data.draw(
        st.lists(st.sampled_from(["old", "new", "both"]), min_size=len(keys), max_size=len(keys)),
        "which document holds each key",
    )
    old = [public_jwk(k) for (_, k), p in zip(keys, places, strict=True) if p != "new"]
    new = [public_jwk(k) for (_, k), p in zip(keys, places, strict=True) if p != "old"]
    old_ids, new_ids = [k["kid"] for k in old], [k["kid"] for k in new]
    added = [kid for kid in new_ids if kid not in old_ids]
    removed = [kid for kid in old_ids if kid not in new_ids]
    first = data.draw(
        st.sampled_from([("valid", None), *(("named", kid) for kid in [*added, *removed])]),
        "first query once stale",
    )
    config = {"cacheTimeout": f"{timeout} s", "cacheMissCacheTime": "10 min"}
    with jwk_target.open_store(config, document={"keys": old}) as rig:
        start = rig.clock.now()
        rig.store.valid("verify")
        rig.jwks.serve({"keys": new}, at=start + timeout / 2)
        _to(rig, start + timeout - _MS)
        got = _ids(rig.store.valid("verify"))
        assert rig.jwks.fetch_count() == 1, (
            f"the set was reloaded 1 ms before cacheTimeout ({timeout}s) ran out"
        )
        assert sorted(got) == sorted(old_ids), f"a fresh cached set answered {got}, not {old_ids}"

        _to(rig, start + timeout)
        query, kid = first
        if query == "valid":
            rig.store.valid("verify")
        else:
            assert kid is not None
            rig.store.named("verify", kid)
        what = "valid()" if kid is None else f"named({kid!r})"
        assert rig.jwks.fetch_count() == 2, (
            f"{what} at exactly cacheTimeout ({timeout}s) did not reload the set"
        )
        got = _ids(rig.store.valid("verify"))
        assert sorted(got) == sorted(new_ids), (
            f"after the reload valid secrets were {got}, not {new_ids}"
        )
        for kid in added:
            secret = rig.store.named("verify", kid)
            assert secret is not None, f"the key {kid!r} added to the set was not returned"
        for kid in removed:
            secret = rig.store.named("verify", kid)
            assert secret is None, f"the key {kid!r} removed from the set was still returned"
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 2, (
            "several queries at the instant of the reload fetched the set more than once"
        )


@pytest.mark.jwk_requirement("CACHE-03")
@pytest.mark.jwk_capability("valid", "named")
@given(keys=signing_keys(min_size=1, max_size=3), window=_window(), data=st.data())
def test_a_miss_reloads_only_once_the_miss_window_has_passed(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    text, miss_window = window
    known = [k["kid"] for _, k in keys]
    forged = data.draw(_unknown_kids(set(known), min_size=5, max_size=20), "forged kids")
    early = data.draw(
        st.lists(st.integers(1, int(miss_window * 1000) - 2), max_size=5), "earlier misses (ms)"
    )
    config = {"cacheTimeout": "10 min", "cacheMissCacheTime": text}
    with jwk_target.open_store(config, document=public_set([k for _, k in keys])) as rig:
        start = rig.clock.now()
        rig.store.valid("verify")
        for offset_ms in sorted(early):
            _to(rig, start + offset_ms / 1000)
            rig.store.named("verify", forged[0])
        _to(rig, start + miss_window - _MS)
        for kid in forged:
            rig.store.named("verify", kid)
        assert rig.jwks.fetch_count() == 1, (
            f"{len(forged) + len(early)} misses inside the miss window ({text!r}) fetched the "
            f"set {rig.jwks.fetch_count() - 1} more time(s)"
        )

        # The window counts from the last successful load, not from the last miss.
        _to(rig, start + miss_window)
        rig.store.named("verify", forged[0])
        assert rig.jwks.fetch_count() == 2, (
            f"a miss at exactly cacheMissCacheTime ({text!r}) after the load did not reload "
            "the set (the window must count from the load, not from the last miss)"
        )
        for kid in forged:
            rig.store.named("verify", kid)
        assert rig.jwks.fetch_count() == 2, (
            f"{len(forged)} misses right after a miss reload fetched the set again"
        )

        # The successful miss reload starts a new window.
        _to(rig, start + 2 * miss_window - _MS)
        for kid in forged:
            rig.store.named("verify", kid)
        assert rig.jwks.fetch_count() == 2, (
            "misses inside the window that a miss reload started fetched the set again"
        )
        _to(rig, start + 2 * miss_window)
        rig.store.named("verify", forged[-1])
        assert rig.jwks.fetch_count() == 3, (
            f"a miss {text!r} after the last successful load did not reload the set"
        )


@pytest.mark.jwk_requirement("CACHE-03")
@pytest.mark.jwk_capability("verify")
@given(keys=_quick_signers(min_size=1, max_size=3), window=_window(), data=st.data())
def test_tokens_with_forged_kids_do_not_multiply_fetches(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    text, miss_window = window
    alg, signer = data.draw(st.sampled_from(keys), "signer")
    forged = data.draw(
        _unknown_kids({k["kid"] for _, k in keys}, min_size=3, max_size=10), "forged kids"
    )
    tokens = [sign_token(signer, alg, kid=kid) for kid in forged]
    config = {"cacheTimeout": "10 min", "cacheMissCacheTime": text}
    with jwk_target.open_store(config, document=public_set([k for _, k in keys])) as rig:
        start = rig.clock.now()
        rig.store.verify(sign_token(signer, alg), "access.token")
        _to(rig, start + miss_window - _MS)
        for token in tokens:
            rig.store.verify(token, "access.token")
        assert rig.jwks.fetch_count() == 1, (
            f"{len(tokens)} tokens with forged kids inside the miss window ({text!r}) fetched "
            f"the set {rig.jwks.fetch_count() - 1} more time(s)"
        )
        _to(rig, start + miss_window)
        for token in tokens:
            rig.store.verify(token, "access.token")
        assert rig.jwks.fetch_count() == 2, (
            f"{len(tokens)} tokens with forged kids at the end of the miss window made "
            f"{rig.jwks.fetch_count() - 1} reloads instead of one"
        )


@pytest.mark.jwk_requirement("CACHE-04")
@pytest.mark.jwk_capability("valid", "named")
@given(keys=signing_keys(min_size=2, max_size=4), window=_window(), data=st.data())
def test_a_rotated_in_kid_is_returned_by_the_miss_that_reloads(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    text, miss_window = window
    *before, rotated = [k for _, k in keys]
    published_ms = data.draw(st.integers(1, int(miss_window * 1000)), "rotation time (ms)")
    late_ms = data.draw(st.integers(0, 600_000 - 1 - int(miss_window * 1000)), "miss delay")
    config = {"cacheTimeout": "10 min", "cacheMissCacheTime": text}
    with jwk_target.open_store(config, document=public_set(before)) as rig:
        start = rig.clock.now()
        rig.store.valid("verify")
        rig.jwks.serve(public_set([*before, rotated]), at=start + published_ms / 1000)
        _to(rig, start + miss_window + late_ms / 1000)
        secret = rig.store.named("verify", rotated["kid"])
        assert rig.jwks.fetch_count() == 2, (
            f"a miss for kid {rotated['kid']!r} past the miss window did not reload the set"
        )
        assert secret is not None, (
            f"the miss reload brought kid {rotated['kid']!r} but the query that triggered "
            "it returned no secret"
        )
        assert secret.stable_id == rotated["kid"]
        assert secret.jwk.get("x", secret.jwk.get("n")) == rotated.get("x", rotated.get("n")), (
            f"the secret returned for {rotated['kid']!r} is not the rotated-in key"
        )


@pytest.mark.jwk_requirement("CACHE-04")
@pytest.mark.jwk_capability("verify")
@given(keys=_quick_signers(min_size=2, max_size=4), window=_window())
def test_a_token_from_a_rotated_in_key_verifies_at_once(
    jwk_target: Target, keys: Keys, window: tuple[str, float]
) -> None:
    text, miss_window = window
    (old_alg, old), (alg, rotated) = keys[0], keys[-1]
    before = [k for _, k in keys[:-1]]
    config = {"cacheTimeout": "10 min", "cacheMissCacheTime": text}
    with jwk_target.open_store(config, document=public_set(before)) as rig:
        start = rig.clock.now()
        outcome = rig.store.verify(sign_token(old, old_alg), "access.token")
        assert outcome.verified, f"a token of a published key did not verify: {outcome.reason}"
        rig.jwks.serve(public_set([*before, rotated]), at=start + _MS)
        _to(rig, start + miss_window)
        outcome = rig.store.verify(sign_token(rotated, alg), "access.token")
        assert outcome.verified, (
            f"a token naming the rotated-in kid {rotated['kid']!r} was not verified by the "
            f"miss reload that brought it: {outcome.reason}"
        )
        assert outcome.secret_id == rotated["kid"]
        assert rig.jwks.fetch_count() == 2, (
            f"verifying the rotated-in key took {rig.jwks.fetch_count()} fetches, not 2"
        )


_THREADS = 20
_ROUNDS = 3
_COALESCE_KEYS = [private_jwk("EC-P-256", i, kid=f"k{i}", use="sig") for i in range(3)]


@contextmanager
def _eager_thread_switches() -> Iterator[None]:
    """Make the interpreter switch threads far more often than its 5 ms default, so that an
    in-process store without coalescing shows its race instead of winning it by luck."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.jwk_requirement("CACHE-05")
@pytest.mark.jwk_capability("valid", "coalescing")
def test_concurrent_queries_on_a_stale_set_share_one_fetch(jwk_target: Target) -> None:
    with jwk_target.open_store(
        {"cacheTimeout": "1 min"}, document=public_set(_COALESCE_KEYS[:1])
    ) as rig:
        rig.store.valid("verify")
        for round_ in range(1, _ROUNDS + 1):
            # Each round publishes one more key, so every reload is visible in the answers.
            expected = [k["kid"] for k in _COALESCE_KEYS[: round_ + 1]]
            rig.jwks.serve(public_set(_COALESCE_KEYS[: round_ + 1]), at=rig.clock.now() + 60)
            rig.clock.advance(60)
            barrier = threading.Barrier(_THREADS)

            def query(barrier: threading.Barrier = barrier) -> list[str]:
                # Line every thread up so that the queries overlap as much as they can.
                barrier.wait(timeout=10)
                return _ids(rig.store.valid("verify"))

            with _eager_thread_switches(), ThreadPoolExecutor(max_workers=_THREADS) as pool:
                futures = [pool.submit(query) for _ in range(_THREADS)]
                answers = [f.result(timeout=30) for f in futures]
            assert rig.jwks.fetch_count() == 1 + round_, (
                f"{_THREADS} concurrent queries on a stale set made "
                f"{rig.jwks.fetch_count() - round_} fetches instead of sharing one"
            )
            wrong = [a for a in answers if sorted(a) != sorted(expected)]
            assert not wrong, (
                f"a concurrent query answered {wrong[0]}, not the reloaded set {expected}"
            )
