"""Store configuration (CFG)."""

from __future__ import annotations

import pytest
from hypothesis import given

from jwkconform.fixtures import private_jwk
from jwkconform.harness import ConfigRefused, LoadFailed, StoreRig, Target, Timeout
from jwkconform.suites.strategies import BAD_DURATIONS, durations, public_set

DOCUMENT = public_set([private_jwk("EC-P-256", kid="a", use="sig")])
DURATION_MEMBERS = ("cacheTimeout", "cacheMissCacheTime", "leaseExpiry")


@pytest.mark.jwk_requirement("CFG-01")
@pytest.mark.jwk_capability("config")
def test_configuration_without_jwk_url_is_refused(jwk_target: Target) -> None:
    with pytest.raises(ConfigRefused) as refused, jwk_target.open_store({}, with_url=False):
        pass
    assert "jwkUrl" in f"{refused.value.field} {refused.value}"


@pytest.mark.jwk_requirement("CFG-02")
@pytest.mark.jwk_capability("config")
@pytest.mark.parametrize(
    "url",
    [
        "http://idp.example/oauth2/connect/jwk_uri",
        "https://idp.example:8443/oauth2/connect/jwk_uri",
        "http://127.0.0.1:8080/jwks.json",
    ],
)
def test_http_and_https_jwk_urls_are_accepted(jwk_target: Target, url: str) -> None:
    try:
        with jwk_target.open_store({"jwkUrl": url}, with_url=False):
            pass
    except ConfigRefused as exc:
        pytest.fail(f"jwkUrl {url!r} was refused though http(s) URLs are allowed: {exc}")
    except LoadFailed:
        pass  # accepted: a store that loads at once cannot reach this host, which is fine


@pytest.mark.jwk_requirement("CFG-02")
@pytest.mark.jwk_capability("config", "valid")
def test_the_mock_endpoint_url_is_accepted_and_read(jwk_target: Target) -> None:
    with jwk_target.open_store(document=DOCUMENT) as rig:
        got = [s.stable_id for s in rig.store.valid("verify")]
        assert got == ["a"], f"the set at {rig.env.jwks_url} was not read (got {got})"


@pytest.mark.jwk_requirement("CFG-02")
@pytest.mark.jwk_capability("config", "valid", "file-urls")
def test_file_jwk_url_is_accepted_and_read(jwk_target: Target) -> None:
    with jwk_target.open_store(file_document=DOCUMENT) as rig:
        got = [s.stable_id for s in rig.store.valid("verify")]
        assert got == ["a"], f"the set in the file: URL was not read (got {got})"


@pytest.mark.jwk_requirement("CFG-02")
@pytest.mark.jwk_capability("config")
@pytest.mark.parametrize(
    "url",
    ["ftp://h/x", "not a url", "http://", "gopher://h/x", "ldap://idp.example/jwks"],
)
def test_other_schemes_and_malformed_urls_are_refused_naming_the_value(
    jwk_target: Target, url: str
) -> None:
    with (
        pytest.raises(ConfigRefused) as refused,
        jwk_target.open_store({"jwkUrl": url}, with_url=False),
    ):
        pass
    assert url in str(refused.value), (
        f"the refusal of jwkUrl {url!r} does not name the value: {refused.value}"
    )


@pytest.mark.jwk_requirement("CFG-03")
@pytest.mark.jwk_capability("valid")
def test_cache_timeout_defaults_to_two_minutes(jwk_target: Target) -> None:
    with jwk_target.open_store(document=DOCUMENT) as rig:
        rig.store.valid("verify")
        rig.clock.advance(119.999)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 1, "the set was reloaded before 2 minutes"
        rig.clock.advance(0.001)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 2, "the set was not reloaded at 2 minutes"


@pytest.mark.jwk_requirement("CFG-04")
@pytest.mark.jwk_capability("config", "valid", "warnings")
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


@pytest.mark.jwk_requirement("CFG-04")
@pytest.mark.jwk_capability("config", "valid")
def test_cache_timeout_of_exactly_ten_seconds_is_accepted(jwk_target: Target) -> None:
    with jwk_target.open_store({"cacheTimeout": "10 seconds"}, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        rig.clock.advance(10)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 2


@pytest.mark.jwk_requirement("CFG-05")
@pytest.mark.jwk_capability("config", "named", "valid")
def test_cache_miss_cache_time_defaults_to_two_minutes(jwk_target: Target) -> None:
    with jwk_target.open_store({"cacheTimeout": "10 min"}, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        loaded = rig.clock.now()
        rig.clock.reach(loaded, 119.999)
        assert rig.store.named("verify", "not-there") is None
        assert rig.jwks.fetch_count() == 1, (
            "a kid miss 119.999 s after the load reloaded the set: the default miss window "
            "is not 2 minutes"
        )
        rig.clock.reach(loaded, 120)
        assert rig.store.named("verify", "not-there") is None
        assert rig.jwks.fetch_count() == 2, (
            "a kid miss 2 minutes after the load did not reload the set: the default miss "
            "window is not 2 minutes"
        )


@pytest.mark.jwk_requirement("CFG-06")
@pytest.mark.jwk_capability("named", "valid", "lease")
def test_lease_expiry_defaults_to_five_minutes(jwk_target: Target) -> None:
    with jwk_target.open_store(document=DOCUMENT) as rig:
        for step in (0, 42.5, 1_000):
            rig.clock.advance(step)
            _assert_lease(rig, 300, "by default")


@pytest.mark.jwk_requirement("CFG-06")
@pytest.mark.jwk_capability("config", "named", "valid", "lease")
@pytest.mark.parametrize("lease", ["zero", "disabled", "0 ms", "unlimited", "infinity"])
def test_zero_or_unlimited_lease_expiry_falls_back_to_five_minutes(
    jwk_target: Target, lease: str
) -> None:
    with jwk_target.open_store({"leaseExpiry": lease}, document=DOCUMENT) as rig:
        _assert_lease(rig, 300, f"with leaseExpiry {lease!r}")


@pytest.mark.jwk_requirement("CFG-06")
@pytest.mark.jwk_capability("config", "valid", "warnings")
@pytest.mark.parametrize("lease", ["zero", "disabled", "0 ms", "unlimited", "infinity"])
def test_zero_or_unlimited_lease_expiry_logs_a_warning(jwk_target: Target, lease: str) -> None:
    with jwk_target.open_store({"leaseExpiry": lease}, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        assert any("leaseExpiry" in w for w in rig.env.warnings), (
            f"leaseExpiry {lease!r} logged no warning naming leaseExpiry; "
            f"warnings: {rig.env.warnings}"
        )


def _assert_lease(rig: StoreRig, seconds: float, when: str) -> None:
    now = rig.clock.now()
    secrets = [*rig.store.valid("verify"), rig.store.named("verify", "a")]
    for secret in secrets:
        assert secret is not None, "no named secret for kid 'a'"
        assert secret.expires_at is not None, "the secret reports no lease expiry"
        assert secret.expires_at - now == pytest.approx(seconds, abs=1e-6), (
            f"{when}, a secret produced at {now} expires at {secret.expires_at}, "
            f"not {seconds} s later"
        )


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("config", "valid")
@given(duration=durations())
def test_cache_timeout_duration_syntax(jwk_target: Target, duration: tuple[str, int]) -> None:
    text, ms = duration
    _check_cache_timeout(jwk_target, text, ms / 1000)


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("config", "valid")
@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("23 hours 59 minutes and 59 seconds", 86_399),
        ("59 minutes and 1 millisecond", 3_540.001),
        ("1 minute, 10 seconds", 70),
        ("1 Day", 86_400),
        ("10 seconds and 500000 microseconds", 10.5),
        ("10 s 500000 \u00b5s", 10.5),
        ("10 s 500000 \u03bcs", 10.5),
        ("10 sec 250 ms 250000 micros", 10.5),
        ("10500000000 ns", 10.5),
        ("10 s, 1000000 nanos", 10.001),
        ("12 SECONDS", 12),
        ("9 s and 1000 ms", 10),
    ],
)
def test_cache_timeout_duration_examples(jwk_target: Target, text: str, seconds: float) -> None:
    _check_cache_timeout(jwk_target, text, seconds)


def _check_cache_timeout(target: Target, text: str, seconds: float) -> None:
    with target.open_store({"cacheTimeout": text}, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        loaded = rig.clock.now()
        rig.clock.reach(loaded, seconds - 0.001)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 1, (
            f"cacheTimeout {text!r} is {seconds} s, but the set was reloaded 1 ms before that"
        )
        rig.clock.reach(loaded, seconds)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 2, (
            f"cacheTimeout {text!r} is {seconds} s, but the set was not reloaded after it"
        )


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("config", "named", "valid")
@given(duration=durations(min_ms=1_000))
def test_cache_miss_cache_time_duration_syntax(
    jwk_target: Target, duration: tuple[str, int]
) -> None:
    text, ms = duration
    seconds = ms / 1000
    config = {"cacheTimeout": "4 hours", "cacheMissCacheTime": text}
    with jwk_target.open_store(config, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        loaded = rig.clock.now()
        rig.clock.reach(loaded, seconds - 0.001)
        rig.store.named("verify", "not-there")
        assert rig.jwks.fetch_count() == 1, (
            f"cacheMissCacheTime {text!r} is {seconds} s, but a kid miss 1 ms before that "
            "reloaded the set"
        )
        rig.clock.reach(loaded, seconds)
        rig.store.named("verify", "not-there")
        assert rig.jwks.fetch_count() == 2, (
            f"cacheMissCacheTime {text!r} is {seconds} s, but a kid miss after it did not "
            "reload the set"
        )


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("config", "named", "valid")
@pytest.mark.parametrize("keyword", ["unlimited", "indefinite", "infinity", "undefined", "none"])
def test_unlimited_keywords_as_miss_window_never_reload(jwk_target: Target, keyword: str) -> None:
    config = {"cacheTimeout": "unlimited", "cacheMissCacheTime": keyword}
    with jwk_target.open_store(config, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        for step in (120, 3_600, 10 * 3_600):
            rig.clock.advance(step)
            assert rig.store.named("verify", "not-there") is None
        assert rig.jwks.fetch_count() == 1, (
            f"with cacheTimeout and cacheMissCacheTime {keyword!r} (no limit) a kid miss "
            "reloaded the set"
        )


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("config", "named", "valid")
@pytest.mark.parametrize("keyword", ["zero", "disabled", "0 ms", "0 s and 0 ms"])
def test_zero_keywords_as_miss_window_reload_at_once(jwk_target: Target, keyword: str) -> None:
    config = {"cacheMissCacheTime": keyword}
    with jwk_target.open_store(config, document=DOCUMENT) as rig:
        rig.store.valid("verify")
        rig.clock.advance(0.001)
        assert rig.store.named("verify", "not-there") is None
        assert rig.jwks.fetch_count() == 2, (
            f"with cacheMissCacheTime {keyword!r} (zero) a kid miss 1 ms after the load did "
            "not reload the set"
        )


@pytest.mark.jwk_requirement("CFG-08")
@pytest.mark.jwk_capability("config", "valid")
@pytest.mark.parametrize("member", DURATION_MEMBERS)
@pytest.mark.parametrize("bad", BAD_DURATIONS)
def test_bad_durations_are_refused_naming_the_value(
    jwk_target: Target, member: str, bad: str
) -> None:
    with (
        pytest.raises(ConfigRefused) as refused,
        jwk_target.open_store({member: bad}, document=DOCUMENT) as rig,
    ):
        rig.store.valid("verify")
    assert refused.value.field == member, (
        f"{member} {bad!r} was refused under the name {refused.value.field!r}"
    )
    assert bad in str(refused.value), (
        f"the refusal of {member} {bad!r} does not quote the value: {refused.value}"
    )


@pytest.mark.jwk_requirement("CFG-09")
@pytest.mark.jwk_capability("valid")
def test_the_supplied_client_reaches_the_endpoint(jwk_target: Target) -> None:
    with jwk_target.open_store(document=DOCUMENT) as rig:
        got = [s.stable_id for s in rig.store.valid("verify")]
        assert rig.jwks.fetch_count() == 1, (
            "no request reached the mock endpoint: the store did not fetch through the "
            "supplied handler"
        )
        assert got == ["a"]


@pytest.mark.jwk_requirement("CFG-09")
@pytest.mark.jwk_capability("valid")
def test_a_timeout_on_the_first_load_is_a_load_error(jwk_target: Target) -> None:
    with jwk_target.open_store(document=DOCUMENT) as rig:
        rig.jwks.fail(Timeout())
        with pytest.raises(LoadFailed):
            rig.store.valid("verify")
        assert rig.jwks.fetch_count() >= 1, "the store never asked the endpoint"
