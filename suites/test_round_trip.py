"""Round trip (RT): tokens signed with published aliases verify through a store that reads
the publisher's ``rp/jwk_uri`` over real HTTP, across a rotation and a removal.

RT-01 needs a publisher on a real port of 127.0.0.1, whatever the run's transport: the
store under test fetches the endpoint with an ordinary HTTP client, as it would in
production. The test asks for it (``open_publisher(..., transport="loopback")``); an
adapter that cannot serve its publisher there gets the verdict ``error`` with a sentence
that says so, never a failure of RT-01.

The store shares the publisher's fake clock, so the removal bound (``cacheTimeout +
leaseExpiry``) is reached without sleeping. That a removed key stops verifying within that
bound once the publisher no longer serves it is the store's side of the promise (LEASE-03),
a premise here; RT-01's own checks are that the publisher serves what the store needs.
Each example costs a real server, so the suite runs a fraction of the profile's examples.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jwkconform.fixtures import keystore, sign_token
from jwkconform.harness import AdapterContractError, PublisherRig, Target, premise
from jwkconform.harness.endpoints._client import loopback_client
from jwkconform.harness.spec._keys import alg_required
from jwkconform.suites._publisher_reading import material
from jwkconform.suites.publisher_strategies import (
    ALIAS_KINDS,
    ASYMMETRIC_ALIASES,
    RP_ENCRYPTION,
    RP_SIGNING,
    keystore_config,
    realm_path,
    secret_mapping,
    suitable_aliases,
)

_STORE = {"cacheTimeout": "30 s", "leaseExpiry": "1 min"}
_BOUND = 90.0  # cacheTimeout + leaseExpiry: a removed key stops verifying by then
# An implementation that takes neither setting is judged at the defaults (CFG-03, CFG-06).
_DEFAULTS = {"cacheTimeout": ("cache-timeout", 120.0, 30.0), "leaseExpiry": ("lease", 300.0, 60.0)}


def _store_settings(target: Target) -> tuple[dict[str, str], float]:
    """The store's configuration and its removal bound (cacheTimeout + leaseExpiry), each
    setting configured where the implementation takes it and its default where not."""
    config = {m: v for m, v in _STORE.items() if _DEFAULTS[m][0] in target.capabilities}
    bound = sum(
        configured if capability in target.capabilities else default
        for capability, default, configured in _DEFAULTS.values()
    )
    return config, bound


_PURPOSE_ID = "rp.jwt.authenticity"  # the verificationSecretId the store's resolver gets
_RP_PATH = f"{realm_path(())}/connect/rp/jwk_uri"
_ALGS: Mapping[str, tuple[str, ...]] = {
    "RSA": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    "EC-P-256": ("ES256",),
    "EC-P-384": ("ES384",),
    "EC-P-521": ("ES512",),
    "OKP-Ed25519": ("EdDSA",),
}
_SIGNERS = suitable_aliases(RP_SIGNING, ASYMMETRIC_ALIASES, symmetric=False)


def _examples() -> int:
    # A real server per example (the reference's takes about half a second to stop): a
    # fifth of the profile's examples, at least three.
    return max(3, settings().max_examples // 5)


@st.composite
def _rotations(draw: st.DrawFn) -> dict[str, Any]:
    before = draw(st.lists(st.sampled_from(_SIGNERS), min_size=1, max_size=3, unique=True))
    new = draw(st.sampled_from([a for a in _SIGNERS if a not in before]), label="rotated in")
    removed = draw(
        st.lists(st.sampled_from(before), min_size=1, max_size=len(before), unique=True),
        label="removed at the end",
    )
    gap = draw(st.integers(1, 29_999), label="ms from the last reload to the removal")
    probes = draw(
        st.lists(st.integers(1, int(_BOUND * 1000) - 1), max_size=3, unique=True),
        label="ms after the removal of extra verifications",
    )
    return {
        "before": before,
        "active": draw(st.sampled_from(before), label="active before"),
        "new": new,
        "removed": removed,
        "algs": {a: draw(st.sampled_from(_ALGS[ALIAS_KINDS[a]])) for a in [*before, new]},
        "encryption": draw(
            st.none()
            | secret_mapping(
                [
                    a
                    for a in suitable_aliases(RP_ENCRYPTION, symmetric=False)
                    if a not in {*before, new}
                ]
            ),
            label="an RP encryption mapping of other aliases alongside",
        ),
        "gap": gap / 1000,
        "probes": [p / 1000 for p in sorted(probes)],
    }


def _config(case: Mapping[str, Any], aliases: list[str], active: str) -> dict[str, Any]:
    """The keystore holds every alias of the case throughout; only the mappings change."""
    mappings: dict[str, Any] = {RP_SIGNING: {"aliases": aliases, "active": active}}
    held = {*case["before"], case["new"]}
    if case["encryption"] is not None:
        mappings[RP_ENCRYPTION] = case["encryption"]
        held |= set(case["encryption"]["aliases"])
    return {
        "keystore": keystore_config([a for a in keystore() if a in held]),
        "globalMappings": mappings,
        "realm": {},
    }


def _der(value: object) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True) if isinstance(value, str) else None
    except ValueError:  # binascii.Error is a ValueError
        return None


def _kids(rig: PublisherRig, config: Mapping[str, Any]) -> dict[str, str]:
    """The kid the publisher gives each alias of ``config``, matched by leaf certificate or,
    failing that, by public key (whether ``x5c`` starts with the leaf is PUB-11's)."""
    response = rig.get(_RP_PATH)
    assert response.status_code == 200, f"GET {_RP_PATH} answered {response.status_code}"
    leaves = {_der(entry["x5c"][0]): alias for alias, entry in config["keystore"].items()}
    keys = {material(e["jwk"]): alias for alias, e in config["keystore"].items() if "jwk" in e}
    found: dict[str, str] = {}
    for jwk in response.json().get("keys", []):
        chain = jwk.get("x5c") or [None]
        alias = leaves.get(_der(chain[0]), keys.get(material(jwk)))
        if alias is not None and isinstance(jwk.get("kid"), str):
            found.setdefault(alias, jwk["kid"])
    return found


def _require_loopback(rig: PublisherRig, adapter: str) -> str:
    """The RP endpoint's URL on a real port of 127.0.0.1, as a store would fetch it; an
    adapter that cannot serve its publisher there is an adapter error that says why."""
    base = rig.publisher.base_url.rstrip("/")
    why = (
        f"RT-01 needs the publisher on a real port of 127.0.0.1, because the store under test "
        f"reads its rp/jwk_uri over HTTP; {adapter} was asked for open_publisher(..., "
        f"transport='loopback') and answered base_url {base!r}"
    )
    parts = urlsplit(base)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        raise AdapterContractError(f"{why}, which is not an http://127.0.0.1:PORT address")
    try:
        with loopback_client() as client:
            client.get(base + _RP_PATH)
    except httpx.TransportError as exc:
        raise AdapterContractError(f"{why}, where nothing answers ({exc!r})") from None
    return base + _RP_PATH


def _token(alias: str, alg: str, kid: str) -> str:
    return sign_token(keystore()[alias]["jwk"], alg, kid=kid)


@pytest.mark.jwk_requirement("RT-01")
@pytest.mark.jwk_capability("publisher", "named", "verify")
@settings(max_examples=_examples(), deadline=None)
@given(case=_rotations())
def test_signed_tokens_verify_through_rotation_and_stop_after_removal(
    jwk_target: Target, case: dict[str, Any]
) -> None:
    before, new, algs = case["before"], case["new"], case["algs"]
    first = _config(case, before, case["active"])
    rotated = _config(case, [*before, new], new)
    kept = [a for a in [*before, new] if a not in case["removed"]]
    final = _config(case, kept, new)
    # A real server, whatever the run's transport: the store reads it over HTTP.
    with jwk_target.open_publisher(first, transport="loopback") as rig:
        url = _require_loopback(rig, jwk_target.name)
        kids = _kids(rig, first)
        for alias in before:
            assert alias in kids, f"rp/jwk_uri does not publish RP signing alias {alias!r}"
        tokens = {a: _token(a, algs[a], kids[a]) for a in before}
        settings, bound = _store_settings(jwk_target)
        # Where the lifetime is the default, a store that has not reloaded by the bound has
        # another default: CFG-03's failure, which blocks this requirement.
        reloads = premise("CFG-03") if "cacheTimeout" not in settings else nullcontext()
        with jwk_target.open_store_at(url, settings, clock=rig.clock) as reader:
            store = reader.store

            def verifies(alias: str) -> bool:
                return store.verify(tokens[alias], _PURPOSE_ID).verified

            # The publisher's keys carry no alg (PUB-10: only with every combination on): a
            # store that uses no such key fails PUR-05, whose test says so, not the trip.
            shape = premise("PUR-05") if alg_required() else nullcontext()
            for alias in before:
                with shape:
                    assert verifies(alias), (
                        f"a token signed by mapped RP signing alias {alias!r} ({algs[alias]}, kid "
                        f"{kids[alias]!r}) does not verify through a store reading {_RP_PATH}"
                    )
            # Rotation: a new alias is added and made active; the old ones stay mapped.
            rig.publisher.reconfigure(rotated)
            kids = _kids(rig, rotated)
            assert new in kids, f"the rotated-in active alias {new!r} is not published"
            tokens[new] = _token(new, algs[new], kids[new])
            rig.clock.advance(bound)  # past cacheTimeout and every lease: the store reloads
            with reloads:
                assert verifies(new), (
                    f"{bound:g} s after the rotation to {new!r}, a token it signed does not"
                    " verify: the store did not reload the set"
                )
            for alias in [*before, new]:
                state = "the new active alias" if alias == new else "an old, still mapped alias"
                assert verifies(alias), (
                    f"after the rotation to {new!r}, a token signed by {alias!r} ({state}) no "
                    f"longer verifies: the publisher must keep every mapped signing alias"
                )
            # Removal: the old aliases in `removed` are unmapped a little after that reload.
            rig.clock.advance(case["gap"])
            rig.publisher.reconfigure(final)
            removal = rig.clock.now()
            gone = _kids(rig, final)
            for alias in case["removed"]:
                assert alias not in gone, (
                    f"alias {alias!r} was removed from the RP signing mapping but "
                    f"{_RP_PATH} still publishes it"
                )
            for probe in case["probes"]:
                rig.clock.reach(removal, probe)
                for alias in case["removed"]:
                    verifies(alias)  # anything goes before the bound
                for alias in kept:
                    assert verifies(alias), (
                        f"{probe:g} s after other aliases were unmapped, a token signed by "
                        f"{alias!r}, still mapped, no longer verifies"
                    )
            if "cacheTimeout" not in settings:
                # At a default lifetime, through the publisher there is no fetch log to tell
                # a wrong default (CFG-03) from a key kept too long (LEASE-03): their own
                # tests judge that, and the round trip's checks are done.
                return
            rig.clock.reach(removal, bound)
            for alias in case["removed"]:
                # The publisher no longer serves the key (checked above): a store that still
                # verifies with it breaks its own bound, LEASE-03, not the round trip.
                with premise("LEASE-03"):
                    assert not verifies(alias), (
                        f"alias {alias!r} was unmapped {bound:g} s ago (cacheTimeout + "
                        f"leaseExpiry) and rp/jwk_uri no longer serves it, yet a token it "
                        f"signed still verifies through the store"
                    )
            for alias in kept:
                assert verifies(alias), (
                    f"a token signed by {alias!r}, still mapped, stopped verifying after "
                    f"other aliases were unmapped"
                )
