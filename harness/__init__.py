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
    from jwkconform.harness._adapter import (
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
    from jwkconform.harness._attribution import (
        AdapterContractError,
        AdapterError,
        AdapterTimeout,
        UnexpectedException,
        check,
        premise,
    )
    from jwkconform.harness._clock import FakeClock
    from jwkconform.harness._faults import (
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
    from jwkconform.harness._keys import CATALOGUE_KEYS, KeySupport
    from jwkconform.harness._loopback import LoopbackJwksServer
    from jwkconform.harness._registry import (
        GROUPS,
        REQUIREMENTS,
        Level,
        Requirement,
        UnknownRequirement,
        requirement,
    )
    from jwkconform.harness._respx_transport import respx_client, respx_url
    from jwkconform.harness._scenario import CLIENT_HEADER, Fetch, JwksScenario
    from jwkconform.harness._target import PublisherRig, StoreRig, Target

# Loaded on first use: the pytest plugin imports this package, and importing httpx, respx or
# Hypothesis before pytest registers them as plugins would stop pytest rewriting their asserts.
_LAZY: dict[str, str] = {
    "Adapter": "jwkconform.harness._adapter",
    "AdapterContractError": "jwkconform.harness._attribution",
    "AdapterError": "jwkconform.harness._attribution",
    "AdapterTimeout": "jwkconform.harness._attribution",
    "CATALOGUE_KEYS": "jwkconform.harness._keys",
    "KeySupport": "jwkconform.harness._keys",
    "UnexpectedException": "jwkconform.harness._attribution",
    "check": "jwkconform.harness._attribution",
    "premise": "jwkconform.harness._attribution",
    "AdapterFactory": "jwkconform.harness._adapter",
    "Answer": "jwkconform.harness._faults",
    "CLIENT_HEADER": "jwkconform.harness._scenario",
    "Compressed": "jwkconform.harness._faults",
    "Trickle": "jwkconform.harness._faults",
    "CAPABILITIES": "jwkconform.harness._adapter",
    "ConfigRefused": "jwkconform.harness._adapter",
    "ConnectionRefused": "jwkconform.harness._faults",
    "Environment": "jwkconform.harness._adapter",
    "FakeClock": "jwkconform.harness._clock",
    "Fault": "jwkconform.harness._faults",
    "Fetch": "jwkconform.harness._scenario",
    "ImplementationRaised": "jwkconform.harness._adapter",
    "GROUPS": "jwkconform.harness._registry",
    "JwksScenario": "jwkconform.harness._scenario",
    "Level": "jwkconform.harness._registry",
    "LoadFailed": "jwkconform.harness._adapter",
    "LoopbackJwksServer": "jwkconform.harness._loopback",
    "MalformedJson": "jwkconform.harness._faults",
    "Oversized": "jwkconform.harness._faults",
    "PublisherAdapter": "jwkconform.harness._adapter",
    "PublisherEnvironment": "jwkconform.harness._adapter",
    "PublisherRig": "jwkconform.harness._target",
    "PublisherUnderTest": "jwkconform.harness._adapter",
    "PurposeRefused": "jwkconform.harness._adapter",
    "REQUIREMENTS": "jwkconform.harness._registry",
    "Requirement": "jwkconform.harness._registry",
    "SecretView": "jwkconform.harness._adapter",
    "Status": "jwkconform.harness._faults",
    "StoreRig": "jwkconform.harness._target",
    "StoreUnderTest": "jwkconform.harness._adapter",
    "Target": "jwkconform.harness._target",
    "Timeout": "jwkconform.harness._faults",
    "Transport": "jwkconform.harness._adapter",
    "UnknownRequirement": "jwkconform.harness._registry",
    "VerifyOutcome": "jwkconform.harness._adapter",
    "WrongContentType": "jwkconform.harness._faults",
    "requirement": "jwkconform.harness._registry",
    "respx_client": "jwkconform.harness._respx_transport",
    "respx_url": "jwkconform.harness._respx_transport",
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
    "requirement",
    "respx_client",
    "respx_url",
]
