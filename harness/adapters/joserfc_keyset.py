"""joserfc's ``KeySet`` and ``jwt.decode`` as the conformance suites see them (in process).

    pip install 'jwkconform[joserfc]'
    jwkconform run --adapter joserfc --expected-failures joserfc

**Which client.** joserfc verifies a JWT with a JWK Set (``jwt.decode(token, key_set)``,
selecting the key by ``kid``, ``use`` and ``alg``), but it has no fetch, no cache and no
clock: ``KeySet.import_key_set`` takes a document already in memory, and what keeps that
document is the caller's. The adapter does not invent the missing layer. Every query reads
the document at ``jwkUrl`` once, through the harness's client (``env.http_client``), and
hands it to joserfc: the least a caller must add, with no caching, retrying or size policy
of our own. The cache, reload and fetch requirements therefore judge joserfc as what it is,
a library that keeps nothing; ``expected-failures/joserfc.json`` says so row by row.
Nothing in joserfc is patched or worked around.

- **Fetching.** One ``GET`` per query; an error status, a failed connection or a body that
  is not JSON is a failed load (the token does not verify), and whatever JSON arrives goes
  to ``KeySet.import_key_set`` as it is. joserfc has no HTTP client, so neither
  ``http-client`` nor ``default-client`` is declared; the ``respx`` transport serves.
- **Time.** joserfc reads no clock on this path (claims are not checked), so none is
  provided, and the adapter keeps no state between queries that could age.
- **Configuration.** joserfc has none: only ``jwkUrl`` is read, by the adapter; no member is
  refused (no ``config-refusal``), and there is no cache lifetime, miss window or lease.
- **Keys.** ``jwt.decode`` without ``algorithms`` allows joserfc's recommended algorithms:
  RS256, ES256 and HS256. That is the declared key support.
- **Queries.** Only ``verify``: ``jwt.decode`` with the imported ``KeySet`` (claims are the
  caller's, docs/decisions.md D-19; ``decode`` does not check them). A verified token names
  its key by its ``kid``, which joserfc matched exactly; without a ``kid``, ``secret_id`` is
  unset. Attempts are not reported.
- **Errors.** joserfc's own errors (``JoseError``: bad signature, no key for the ``kid``, an
  algorithm or key refused, no keys to import) reject the token. Anything else it raises (a
  ``TypeError`` for a document that is not a JWK Set, a ``KeyError`` for an unknown curve)
  is `ImplementationRaised`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib.metadata import version as _distribution_version
from typing import TYPE_CHECKING, Any, Final

import httpx

# joserfc is an optional extra: without it this module still type-checks (as Any).
try:
    from joserfc import jwt  # type: ignore[import-not-found, unused-ignore]
    from joserfc.errors import JoseError  # type: ignore[import-not-found, unused-ignore]
    from joserfc.jwk import KeySet  # type: ignore[import-not-found, unused-ignore]
    from joserfc.jws import extract_compact  # type: ignore[import-not-found, unused-ignore]
except ImportError as exc:  # the extra is not installed
    raise ImportError(
        f"the joserfc adapter needs joserfc ({exc}): pip install 'jwkconform[joserfc]'"
    ) from exc

from jwkconform.harness.seam._adapter import (
    Environment,
    ImplementationRaised,
    SecretView,
    StoreUnderTest,
    Transport,
    VerifyOutcome,
)
from jwkconform.harness.spec._keys import KeySupport

if TYPE_CHECKING:
    from jwkconform.harness.seam._adapter import Adapter

__all__ = ["KEY_SUPPORT", "JoserfcAdapter", "factory"]

_VERSION: Final = _distribution_version("joserfc")
# joserfc's recommended JWS algorithms, what jwt.decode allows when given none.
KEY_SUPPORT: Final = KeySupport.of(kinds=["RSA", "EC-P-256", "oct"],
                                   algorithms=["RS256", "ES256", "HS256"])  # fmt: skip


class _Unloaded(Exception):
    """The document could not be read: no set for joserfc to import."""


class _JoserfcStore:
    def __init__(self, config: Mapping[str, object], env: Environment) -> None:
        url = config.get("jwkUrl")
        self._url = url if isinstance(url, str) else None
        self._http = env.http_client

    def _document(self) -> Any:
        """The JSON at ``jwkUrl``, read afresh (joserfc keeps nothing between queries)."""
        if self._url is None:
            raise _Unloaded("no jwkUrl to read the set from")
        try:
            response = self._http.get(self._url)
        except httpx.HTTPError as exc:
            raise _Unloaded(f"fetch failed: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise _Unloaded(f"fetch failed: status {response.status_code}")
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise _Unloaded("the body is not JSON") from exc

    def named(self, purpose: str, kid: str) -> SecretView | None:
        raise NotImplementedError("joserfc has no lookup by kid here (capability named)")

    def valid(self, purpose: str) -> Sequence[SecretView]:
        raise NotImplementedError("joserfc lists no keys (capability valid)")

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        # joserfc has no verificationSecretId: secret_id is neither used nor checked.
        try:
            document = self._document()
        except _Unloaded as exc:
            return VerifyOutcome(verified=False, reason=str(exc))
        try:
            jwt.decode(token, KeySet.import_key_set(document))
        except JoseError as exc:
            return VerifyOutcome(verified=False, reason=f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # joserfc's own exception: a finding about it
            raise ImplementationRaised.wrap(exc) from exc
        kid = extract_compact(token.encode("ascii")).headers().get("kid")
        # tried=None: joserfc verifies with the one key it selects and reports nothing.
        return VerifyOutcome(
            verified=True, secret_id=kid if isinstance(kid, str) else None, tried=None
        )

    def close(self) -> None:
        return None  # nothing held: the harness closes its own client


class JoserfcAdapter:
    """joserfc's ``KeySet`` with ``jwt.decode`` (see the module docstring for the mapping)."""

    name = f"joserfc {_VERSION} (KeySet, jwt.decode; no fetch or cache of its own)"
    version = _VERSION
    capabilities = frozenset({"verify"})  # no lookup, list, configuration or HTTP client
    key_support = KEY_SUPPORT
    transport: Transport = "respx"  # the adapter reads the set through env.http_client

    def open_store(self, config: Mapping[str, object], env: Environment) -> StoreUnderTest:
        return _JoserfcStore(config, env)


def factory() -> JoserfcAdapter:
    """What ``--adapter jwkconform.harness.adapters.joserfc_keyset:factory`` calls."""
    return JoserfcAdapter()


if TYPE_CHECKING:
    _checked: Adapter = JoserfcAdapter()
