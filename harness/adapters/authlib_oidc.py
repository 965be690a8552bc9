"""Authlib's OpenID Connect client as the conformance suites see it (in process, loopback).

    pip install 'jwkconform[authlib]'
    jwkconform run --adapter authlib --expected-failures authlib

**Which client.** Authlib's only code that fetches and keeps a JWK Set is the OAuth client's
``OpenIDMixin``: ``fetch_jwk_set()`` downloads ``jwks_uri`` and keeps the document in the
app's ``server_metadata``, and ``parse_id_token()`` verifies an ID token with joserfc's
``KeySet`` and ``jwt.decode``, fetching the set again (once) when no key has the token's
``kid``. Its core (``authlib.jose``, now a shim over joserfc) fetches nothing. So the store is
an app built exactly as Authlib's Flask and Django integrations build theirs
(``OAuth2Mixin``, ``OpenIDMixin`` and ``BaseApp`` over the ``requests`` ``OAuth2Session``),
without the web framework, which the key handling never touches. Nothing in Authlib is
patched or worked around; the adapter only translates. The ground truth of every
requirement, with its evidence, is in ``expected-failures/authlib.json``.

- **Fetching.** Authlib fetches with its own ``requests`` session, built from
  ``client_kwargs``: no user client can be handed over, so it declares ``default-client``
  (not ``http-client``) and needs the ``loopback`` transport. ``env.fetch_timeout`` is the
  session's ``default_timeout``, which ``requests`` applies per socket operation.
- **Time.** Nothing on this path reads a clock: the set is kept with no age (it is replaced
  only by the refetch after a ``kid`` miss), and claims are not checked. No clock is
  provided, and none is needed.
- **Configuration.** ``jwkUrl`` is the app's ``jwks_uri``. Authlib has no cache lifetime,
  miss window or lease: ``cacheTimeout``, ``cacheMissCacheTime`` and ``leaseExpiry`` have no
  equivalent and are not passed on. Authlib refuses a missing ``jwks_uri`` at the first
  query (``RuntimeError``), and ``requests`` refuses other schemes and malformed URLs at the
  first fetch: those are a `ConfigRefused` for ``jwkUrl`` with the library's own message
  (``config-refusal``).
- **Keys.** ``parse_id_token`` allows the algorithms of the provider's
  ``id_token_signing_alg_values_supported``; with none given (no discovery document here),
  joserfc's recommended ones: RS256, ES256 and HS256. That is the declared key support.
- **Queries.** Only ``verify``: ``parse_id_token({"id_token": token}, nonce=None,
  claims_cls=...)`` with a claims class that checks nothing (claims belong to the caller,
  docs/decisions.md D-19; Authlib checks them only after the signature). Authlib answers no
  lookup by ``kid`` and lists no keys, so ``named`` and ``valid`` are not declared. A token
  that verified names its key by its ``kid``, which joserfc matched exactly; a token without
  ``kid`` leaves ``secret_id`` unset. Attempts are not reported.
- **Errors.** joserfc's own errors (``JoseError``: bad signature, no key for the ``kid``, an
  algorithm or key refused, no keys in the set) and a failed fetch (a connection error, a
  time-out, an HTTP error status, a broken or undecodable body) reject the token. Anything
  else Authlib lets escape (a body that is not JSON, a document that is not a JWK Set) is
  `ImplementationRaised`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

# Authlib is an optional extra: without it this module still type-checks (as Any).
try:
    import authlib  # type: ignore[import-not-found, unused-ignore]
    import requests  # type: ignore[import-untyped, unused-ignore]
    from authlib.integrations.base_client import (  # type: ignore[import-not-found, unused-ignore]
        BaseApp,
        OAuth2Mixin,
        OpenIDMixin,
    )
    from authlib.integrations.requests_client import (  # type: ignore[import-not-found, unused-ignore]
        OAuth2Session,
    )
    from joserfc.errors import JoseError  # type: ignore[import-not-found, unused-ignore]
    from joserfc.jws import extract_compact  # type: ignore[import-not-found, unused-ignore]
except ImportError as exc:  # the extra is not installed
    raise ImportError(
        f"the Authlib adapter needs Authlib and requests ({exc}): pip install 'jwkconform[authlib]'"
    ) from exc

from jwkconform.harness.seam._adapter import (
    ConfigRefused,
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

__all__ = ["KEY_SUPPORT", "AuthlibAdapter", "factory"]

# joserfc's recommended JWS algorithms, what parse_id_token allows without discovery.
KEY_SUPPORT: Final = KeySupport.of(kinds=["RSA", "EC-P-256", "oct"],
                                   algorithms=["RS256", "ES256", "HS256"])  # fmt: skip
# requests' refusals of a URL before any connection: the URL is refused, not a fetch failed.
_URL_REFUSALS: Final = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)
# A fetch that failed on the wire or by status: no set, so the token cannot verify. (A body
# that arrived but is not JSON is requests' JSONDecodeError, which Authlib lets escape.)
_FETCH_FAILURES: Final = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.HTTPError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_NO_URI: Final = "jwks_uri"  # in Authlib's RuntimeError for an app without one


class _OpenIDApp(OAuth2Mixin, OpenIDMixin, BaseApp):  # type: ignore[misc, unused-ignore]
    """Authlib's sync OAuth 2 app, composed as ``FlaskOAuth2App`` and ``DjangoOAuth2App``
    are, minus the framework mixin (sessions and redirects, which key handling never uses)."""

    client_cls = OAuth2Session


class _CallerClaims(dict[str, Any]):
    """The ``claims_cls`` of ``parse_id_token``: claims are the caller's (D-19), so its
    ``validate`` checks nothing. Authlib calls it only once the signature has verified."""

    def __init__(self, claims: Mapping[str, Any], *_context: object) -> None:
        super().__init__(claims)

    def validate(self, leeway: int = 0) -> None:
        return None


def _kid(token: str) -> str | None:
    """The ``kid`` of a token joserfc has just verified (so its header parses)."""
    kid = extract_compact(token.encode("ascii")).headers().get("kid")
    return kid if isinstance(kid, str) else None


class _AuthlibStore:
    def __init__(self, config: Mapping[str, object], env: Environment) -> None:
        metadata: dict[str, Any] = {}
        if "jwkUrl" in config:
            metadata["jwks_uri"] = config["jwkUrl"]  # Authlib checks it, at the first query
        self._app = _OpenIDApp(
            None,  # the framework: used only to store OAuth tokens, never here
            name="jwkconform",
            client_id="jwkconform",
            client_kwargs={"default_timeout": env.fetch_timeout},
            **metadata,
        )

    def named(self, purpose: str, kid: str) -> SecretView | None:
        raise NotImplementedError("Authlib has no lookup by kid (capability named)")

    def valid(self, purpose: str) -> Sequence[SecretView]:
        raise NotImplementedError("Authlib lists no keys (capability valid)")

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        # Authlib has no verificationSecretId: secret_id is neither used nor checked.
        try:
            self._app.parse_id_token({"id_token": token}, None, claims_cls=_CallerClaims)
        except JoseError as exc:
            return VerifyOutcome(verified=False, reason=f"{type(exc).__name__}: {exc}")
        except _URL_REFUSALS as exc:
            raise ConfigRefused("jwkUrl", str(exc)) from exc
        except _FETCH_FAILURES as exc:
            return VerifyOutcome(verified=False, reason=f"fetch failed: {type(exc).__name__}")
        except RuntimeError as exc:
            if _NO_URI in str(exc):
                raise ConfigRefused("jwkUrl", str(exc)) from exc
            raise ImplementationRaised.wrap(exc) from exc
        except Exception as exc:  # Authlib's own exception: a finding about it
            raise ImplementationRaised.wrap(exc) from exc
        # tried=None: Authlib verifies with the one key joserfc selects and reports nothing.
        return VerifyOutcome(verified=True, secret_id=_kid(token), tried=None)

    def close(self) -> None:
        return None  # each fetch opens and closes its own session


class AuthlibAdapter:
    """Authlib's ``OpenIDMixin`` (see the module docstring for the mapping)."""

    name = f"Authlib {authlib.__version__} (OpenIDMixin: fetch_jwk_set, parse_id_token)"
    version = str(authlib.__version__)
    # What the app has: verification, a URL it refuses by itself when missing or malformed
    # (at the first query), and its own HTTP client.
    capabilities = frozenset({"verify", "config-refusal", "default-client"})
    key_support = KEY_SUPPORT
    transport: Transport = "loopback"  # requests: it must reach a real server

    def open_store(self, config: Mapping[str, object], env: Environment) -> StoreUnderTest:
        return _AuthlibStore(config, env)


def factory() -> AuthlibAdapter:
    """What ``--adapter jwkconform.harness.adapters.authlib_oidc:factory`` calls."""
    return AuthlibAdapter()


if TYPE_CHECKING:
    _checked: Adapter = AuthlibAdapter()
