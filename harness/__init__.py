"""The conformance harness: adapters, fake clock, mock JWKS servers, requirement registry.

An adapter plugs an implementation in (see docs/adapters.md); the suites reach it through
the ``jwk_target`` fixture, a `Target`:

>>> def test_kid_is_exact(jwk_target: Target) -> None:  # doctest: +SKIP
...     with jwk_target.open_store(document={"keys": [jwk]}) as rig:
...         assert rig.store.named("verify", "a").stable_id == "a"
...         rig.clock.advance(120)
...         rig.jwks.fail(Status(500))
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jwkconform.harness.endpoints._clock import FakeClock
    from jwkconform.harness.endpoints._faults import (
        Answer,
        Compressed,
        ConnectionRefused,
        Fault,
        MalformedJson,
        Oversized,
        Status,
        Timeout,
        Trickle,
        WrongContentType,
    )
    from jwkconform.harness.endpoints._loopback import LoopbackJwksServer
    from jwkconform.harness.endpoints._respx_transport import respx_client, respx_url
    from jwkconform.harness.endpoints._scenario import CLIENT_HEADER, Fetch, JwksScenario
    from jwkconform.harness.seam._adapter import (
        CAPABILITIES,
        Adapter,
        AdapterFactory,
        ConfigRefused,
        Environment,
        ImplementationRaised,
        LoadFailed,
        PublisherAdapter,
        PublisherEnvironment,
        PublisherUnderTest,
        PurposeRefused,
        SecretView,
        StoreUnderTest,
        Transport,
        VerifyOutcome,
    )
    from jwkconform.harness.seam._attribution import (
        AdapterContractError,
        AdapterError,
        AdapterTimeout,
        UnexpectedException,
        check,
        premise,
        premised_on,
    )
    from jwkconform.harness.seam._target import PublisherRig, StoreRig, Target
    from jwkconform.harness.spec._keys import CATALOGUE_KEYS, KeySupport
    from jwkconform.harness.spec._registry import (
        GROUPS,
        REQUIREMENTS,
        Level,
        Requirement,
        UnknownRequirement,
        requirement,
    )

# Loaded on first use: the pytest plugin imports this package, and importing httpx, respx or
# Hypothesis before pytest registers them as plugins would stop pytest rewriting their asserts.
_LAZY: dict[str, str] = {
    "Adapter": "jwkconform.harness.seam._adapter",
    "AdapterContractError": "jwkconform.harness.seam._attribution",
    "AdapterError": "jwkconform.harness.seam._attribution",
    "AdapterTimeout": "jwkconform.harness.seam._attribution",
    "CATALOGUE_KEYS": "jwkconform.harness.spec._keys",
    "KeySupport": "jwkconform.harness.spec._keys",
    "UnexpectedException": "jwkconform.harness.seam._attribution",
    "check": "jwkconform.harness.seam._attribution",
    "premise": "jwkconform.harness.seam._attribution",
    "premised_on": "jwkconform.harness.seam._attribution",
    "AdapterFactory": "jwkconform.harness.seam._adapter",
    "Answer": "jwkconform.harness.endpoints._faults",
    "CLIENT_HEADER": "jwkconform.harness.endpoints._scenario",
    "Compressed": "jwkconform.harness.endpoints._faults",
    "Trickle": "jwkconform.harness.endpoints._faults",
    "CAPABILITIES": "jwkconform.harness.seam._adapter",
    "ConfigRefused": "jwkconform.harness.seam._adapter",
    "ConnectionRefused": "jwkconform.harness.endpoints._faults",
    "Environment": "jwkconform.harness.seam._adapter",
    "FakeClock": "jwkconform.harness.endpoints._clock",
    "Fault": "jwkconform.harness.endpoints._faults",
    "Fetch": "jwkconform.harness.endpoints._scenario",
    "ImplementationRaised": "jwkconform.harness.seam._adapter",
    "GROUPS": "jwkconform.harness.spec._registry",
    "JwksScenario": "jwkconform.harness.endpoints._scenario",
    "Level": "jwkconform.harness.spec._registry",
    "LoadFailed": "jwkconform.harness.seam._adapter",
    "LoopbackJwksServer": "jwkconform.harness.endpoints._loopback",
    "MalformedJson": "jwkconform.harness.endpoints._faults",
    "Oversized": "jwkconform.harness.endpoints._faults",
    "PublisherAdapter": "jwkconform.harness.seam._adapter",
    "PublisherEnvironment": "jwkconform.harness.seam._adapter",
    "PublisherRig": "jwkconform.harness.seam._target",
    "PublisherUnderTest": "jwkconform.harness.seam._adapter",
    "PurposeRefused": "jwkconform.harness.seam._adapter",
    "REQUIREMENTS": "jwkconform.harness.spec._registry",
    "Requirement": "jwkconform.harness.spec._registry",
    "SecretView": "jwkconform.harness.seam._adapter",
    "Status": "jwkconform.harness.endpoints._faults",
    "StoreRig": "jwkconform.harness.seam._target",
    "StoreUnderTest": "jwkconform.harness.seam._adapter",
    "Target": "jwkconform.harness.seam._target",
    "Timeout": "jwkconform.harness.endpoints._faults",
    "Transport": "jwkconform.harness.seam._adapter",
    "UnknownRequirement": "jwkconform.harness.spec._registry",
    "VerifyOutcome": "jwkconform.harness.seam._adapter",
    "WrongContentType": "jwkconform.harness.endpoints._faults",
    "requirement": "jwkconform.harness.spec._registry",
    "respx_client": "jwkconform.harness.endpoints._respx_transport",
    "respx_url": "jwkconform.harness.endpoints._respx_transport",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "CAPABILITIES",
    "CATALOGUE_KEYS",
    "CLIENT_HEADER",
    "GROUPS",
    "REQUIREMENTS",
    "Adapter",
    "AdapterContractError",
    "AdapterError",
    "AdapterFactory",
    "AdapterTimeout",
    "Answer",
    "Compressed",
    "ConfigRefused",
    "ConnectionRefused",
    "Environment",
    "FakeClock",
    "Fault",
    "Fetch",
    "ImplementationRaised",
    "JwksScenario",
    "KeySupport",
    "Level",
    "LoadFailed",
    "LoopbackJwksServer",
    "MalformedJson",
    "Oversized",
    "PublisherAdapter",
    "PublisherEnvironment",
    "PublisherRig",
    "PublisherUnderTest",
    "PurposeRefused",
    "Requirement",
    "SecretView",
    "Status",
    "StoreRig",
    "StoreUnderTest",
    "Target",
    "Timeout",
    "Transport",
    "Trickle",
    "UnexpectedException",
    "UnknownRequirement",
    "VerifyOutcome",
    "WrongContentType",
    "check",
    "premise",
    "premised_on",
    "requirement",
    "respx_client",
    "respx_url",
]
