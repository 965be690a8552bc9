"""Broken publishers that go wrong only on configurations the suites once drew on some seeds
or never: a certificate chain of more than one certificate, a realm name that a URL must
escape, a realm mapping that lists the global mapping's active alias. See
mutant_support.py for how a mutant works; mutants_publisher.py has the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from mutant_support import registry

from jwkconform.reference import _jwk_uri, _publisher_http
from jwkconform.reference._publisher_config import PublisherConfig, SecretMapping

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


@mutant("PUB-11", "PUB-04")
def chain_listed_root_first() -> None:
    """`x5c` lists the chain from its root down to the leaf: PUB-11 (leaf first), and
    PUB-04 for the active mTLS alias (its chain, leaf first)."""
    original = _jwk_uri._entries

    def entries(stored: Any, use: Any, all_combinations: bool) -> list[dict[str, Any]]:
        found = original(stored, use, all_combinations)
        return [{**jwk, "x5c": list(reversed(jwk["x5c"]))} for jwk in found]

    _jwk_uri._entries = entries


@mutant("PUB-13")
def jwks_uri_unescaped() -> None:
    """The discovery document's `jwks_uri` spells the realm path with its names unescaped:
    a realm named `100%25` points at realm `100%`, one named `why?` at a query string."""
    original = _publisher_http.PublisherApp._discovery

    def discovery(self: Any, path: tuple[str, ...], base: str, prefix: str) -> Any:
        return original(self, path, base, unquote(prefix))

    _publisher_http.PublisherApp._discovery = discovery  # type: ignore[method-assign]


@mutant("PUB-03")
def override_keeps_the_global_active_alias() -> None:
    """A realm's own mapping of a secret ID that lists the global mapping's active alias
    keeps that alias active: the realm publishes the global active alias for RP encryption
    and not its own. PUB-05's SHOULD clause (the realm's mapping replaces the global one)
    is broken too, but only for the active alias, which PUB-03's test of the MUST sees first
    and PUB-05's test leaves to it."""
    original = _jwk_uri.effective_mappings

    def effective(config: PublisherConfig, path: tuple[str, ...]) -> Mapping[str, SecretMapping]:
        found = dict(original(config, path))
        for sid, mine in found.items():
            shared = config.global_mappings.get(sid)
            if shared is not None and mine is not shared and shared.active in mine.aliases:
                found[sid] = replace(mine, active=shared.active)
        return found

    _jwk_uri.effective_mappings = effective
