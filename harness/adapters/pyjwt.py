"""PyJWT's ``PyJWKClient`` as the conformance suites see it (in process, loopback transport).

    pip install 'jwkconform[pyjwt]'
    jwkconform run --adapter pyjwt --expected-failures pyjwt

How the harness's seam maps onto PyJWT (nothing in PyJWT is patched or worked around; the
adapter only translates). The ground truth of every requirement, with its evidence, is in
``expected-failures/pyjwt.json`` and docs/compatibility.md.

- **Fetching.** ``PyJWKClient`` fetches with ``urllib`` (its own default client, so it
  declares ``default-client`` and not ``http-client``), hence the ``loopback`` transport.
  Its ``timeout`` is the harness's ``env.fetch_timeout``; urllib applies it to each socket
  operation, not to the fetch as a whole.
- **Time.** PyJWT reads ``time.monotonic()`` for the age of its cached set
  (``jwt.api_jwk``, ``jwt.jwk_set_cache``) and for its refresh cooldown
  (``jwt.jwks_client``). While a store is open, the ``time`` name of those modules is
  replaced by a stand-in whose ``monotonic()`` reads the fake clock of the store being
  queried. That *provides* the clock, as fake timers do for JavaScript; PyJWT's behaviour
  is untouched.
- **Configuration.** PyJWT has no gateway configuration: ``cacheTimeout`` is ``lifespan``
  and ``cacheMissCacheTime`` is ``cooldown_duration``, in seconds from ``env.durations``
  (``cache-timeout``, ``miss-window``; not ``duration-syntax``); absent members keep
  PyJWT's own defaults (300 s and 30 s); ``leaseExpiry`` has no equivalent (no leases).
  ``PyJWKClient`` checks its URL and values itself (``config-refusal``): a value it
  refuses (a zero lifespan, a ``file:`` URL, no URL at all) is a `ConfigRefused` naming the
  member.
- **Keys.** A JWK without ``alg`` is bound to one algorithm inferred from its type (RS256
  for RSA, ES256/384/512 by curve, EdDSA for Ed25519, HS256 for ``oct``); an Ed448 JWK is
  used only with ``alg: EdDSA``. So the declared key support is those key types and those
  algorithms: the suites then draw nothing PyJWT cannot use for a JWK without ``alg``.
- **Purposes.** PyJWT has no purposes: ``PyJWKClient`` serves signing keys (``use: sig``
  or no ``use``, with a ``kid``). ``verify`` maps to it; ``encrypt``, ``sign`` and
  ``decrypt`` get no secrets (``encrypt`` is not declared); any other word is refused.
- **Queries.** ``named("verify", kid)`` is ``get_signing_key(kid)`` (a miss is ``None``),
  ``valid("verify")`` is ``get_signing_keys()`` in the order PyJWT returns them, and
  ``verify`` is ``get_signing_key_from_jwt(token)`` followed by ``jwt.decode`` with the
  token's own ``alg`` as the allow-list, claims left to the caller (decisions D-19) and
  ``enforce_minimum_key_length`` on (PyJWT's documented switch; without it PyJWT only
  warns about short keys). PyJWT verifies with the one key the ``kid`` names and does not
  report attempts, so ``tried`` is ``None`` and ``reports-attempts`` is not declared.
- **Errors.** ``PyJWKClientConnectionError``, ``PyJWKSetError`` and "did not return a
  JSON object" mean PyJWT has no set to serve: `LoadFailed`. Other ``PyJWKClientError``
  (no signing key, no key for that ``kid``) are a set without the key: ``None`` or ``[]``.
  Anything PyJWT lets escape (a ``json.JSONDecodeError`` for a body that is not JSON, for
  instance) escapes here too: that is PyJWT's behaviour, and LOAD-04 reports it.
- **Stable IDs.** A secret's stable ID is its ``kid`` (PyJWT ignores keys without one);
  its JWK is PyJWT's public export of the key plus the document's ``kid`` and ``use``.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final
from unittest import mock

# PyJWT is an optional extra: without it this module still type-checks (as Any).
try:
    import jwt  # type: ignore[import-not-found, unused-ignore]
    from jwt.exceptions import (  # type: ignore[import-not-found, unused-ignore]
        PyJWKClientConnectionError,
        PyJWKClientError,
        PyJWKSetError,
        PyJWTError,
    )
except ImportError as exc:  # the extra is not installed
    raise ImportError(
        f"the PyJWT adapter needs PyJWT ({exc}): pip install 'jwkconform[pyjwt]'"
    ) from exc

from jwkconform.harness.seam._adapter import (
    ConfigRefused,
    Environment,
    LoadFailed,
    PurposeRefused,
    SecretView,
    StoreUnderTest,
    Transport,
    VerifyOutcome,
)
from jwkconform.harness.spec._keys import KeySupport

if TYPE_CHECKING:
    from jwkconform.harness.seam._adapter import Adapter

__all__ = ["KEY_SUPPORT", "PyJWTAdapter", "factory"]

# Purposes that name a crypto key; PyJWKClient serves only the first of them.
_KEY_PURPOSES: Final = frozenset({"verify", "encrypt", "sign", "decrypt"})
# What PyJWT verifies with for a JWK without `alg` (see the module docstring).
KEY_SUPPORT: Final = KeySupport.of(
    kinds=["RSA", "EC-P-256", "EC-P-384", "EC-P-521", "OKP-Ed25519", "oct"],
    algorithms=["RS256", "ES256", "ES384", "ES512", "EdDSA", "HS256"],
)
# The PyJWT modules that may read time.monotonic(), depending on the version.
_TIME_READERS: Final = ("jwt.api_jwk", "jwt.jwk_set_cache", "jwt.jwks_client")


# ---------------------------------------------------------------------------------------
# The fake clock, provided to PyJWT's modules in place of the `time` module.

_CLOCK: contextvars.ContextVar[Callable[[], float] | None] = contextvars.ContextVar(
    "jwkconform_pyjwt_clock", default=None
)


class _StoreTime:
    """Stands in for ``time`` inside PyJWT: ``monotonic()`` is the queried store's fake
    clock (the real one outside a query); everything else is the real module."""

    def monotonic(self) -> float:
        clock = _CLOCK.get()
        return time.monotonic() if clock is None else clock()

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class _ClockSeam:
    """Installs `_StoreTime` in PyJWT's modules while at least one store is open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._patches: contextlib.ExitStack | None = None

    def acquire(self) -> None:
        with self._lock:
            if self._users == 0:
                patches = contextlib.ExitStack()
                for module in _time_readers():
                    patches.enter_context(mock.patch.object(module, "time", _StoreTime()))
                self._patches = patches
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._patches is not None:
                self._patches.close()
                self._patches = None


def _time_readers() -> list[ModuleType]:
    """PyJWT's modules that read ``time.monotonic()`` (which ones depends on the version)."""
    modules = [import_module(name) for name in _TIME_READERS]
    readers = [m for m in modules if getattr(m, "time", None) is time]
    if jwt.jwk_set_cache not in readers:
        # A PyJWT that reads the clock some other way would silently use the wall clock.
        raise RuntimeError(
            f"PyJWT {jwt.__version__}: jwt.jwk_set_cache no longer reads time.monotonic();"
            " the adapter cannot provide the fake clock"
        )
    return readers


_SEAM: Final = _ClockSeam()


# ---------------------------------------------------------------------------------------
# The store.

_NOT_A_SET: Final = "did not return a JSON object"
_CLIENT_PARAMETERS: Final = frozenset(inspect.signature(jwt.PyJWKClient).parameters)


def _no_set(error: Exception) -> bool:
    """Whether a PyJWT error means it has no JWK Set to serve (as opposed to a set that
    lacks the key asked for)."""
    return isinstance(error, PyJWKClientConnectionError | PyJWKSetError) or (
        isinstance(error, PyJWKClientError) and _NOT_A_SET in str(error)
    )


def _view(key: Any) -> SecretView:
    """A PyJWK as a secret: PyJWT's public export of the key, with ``kid`` and ``use``."""
    jwk = dict(key.Algorithm.to_jwk(key.key, as_dict=True))
    jwk.pop("key_ops", None)  # added by PyJWT's RSA export, not read from the document
    jwk["kid"] = key.key_id
    if key.public_key_use is not None:
        jwk["use"] = key.public_key_use
    return SecretView(str(key.key_id), jwk, None)


def _config(config: Mapping[str, object], env: Environment) -> dict[str, Any]:
    """``PyJWKClient`` keyword arguments for the gateway configuration."""
    arguments: dict[str, Any] = {"timeout": env.fetch_timeout}
    if "jwkUrl" in config:
        arguments["uri"] = config["jwkUrl"]  # PyJWT checks it; without one, it refuses
    for member, argument in (
        ("cacheTimeout", "lifespan"),
        ("cacheMissCacheTime", "cooldown_duration"),
    ):
        if member not in config:
            continue  # PyJWT's own default applies
        if member not in env.durations:
            raise ConfigRefused(member, f"{member} {config[member]!r} is not a duration")
        if argument in _CLIENT_PARAMETERS:  # PyJWT before the cooldown refetched every miss
            arguments[argument] = env.durations[member]
    unknown = sorted(set(config) - {"jwkUrl", "cacheTimeout", "cacheMissCacheTime", "leaseExpiry"})
    if unknown:
        raise ConfigRefused(unknown[0], f"PyJWKClient has no setting for {unknown[0]!r}")
    return arguments


def _refused_member(message: str) -> str:
    """The configuration member behind a refusal by ``PyJWKClient()``."""
    for word, member in (("Lifespan", "cacheTimeout"), ("Cooldown", "cacheMissCacheTime")):
        if word in message:
            return member
    return "jwkUrl"  # the URL scheme is the only other thing PyJWKClient() checks


class _PyJWTStore:
    def __init__(self, config: Mapping[str, object], env: Environment) -> None:
        arguments = _config(config, env)
        try:
            self._client = jwt.PyJWKClient(**arguments)
        except (PyJWKClientError, TypeError, ValueError) as exc:
            # PyJWKClient's own refusals: a bad URL or value, or no URL at all (TypeError).
            raise ConfigRefused(_refused_member(str(exc)), str(exc)) from exc
        self._env = env
        _SEAM.acquire()
        self._open = True

    @contextlib.contextmanager
    def _query(self) -> Iterator[None]:
        """Run a PyJWT call on this store's fake clock."""
        token = _CLOCK.set(self._env.clock)
        try:
            yield
        finally:
            _CLOCK.reset(token)

    def _check(self, purpose: str) -> bool:
        """Whether PyJWT has keys for ``purpose``; refuses words that are not key purposes."""
        if purpose not in _KEY_PURPOSES:
            raise PurposeRefused(f"PyJWKClient serves signing keys only, never {purpose!r}")
        return purpose == "verify"

    def named(self, purpose: str, kid: str) -> SecretView | None:
        if not self._check(purpose):
            return None
        with self._query():
            try:
                key = self._client.get_signing_key(kid)
            except (PyJWKClientError, PyJWKSetError) as exc:
                if _no_set(exc):
                    raise LoadFailed(str(exc)) from exc
                return None
        return _view(key)

    def valid(self, purpose: str) -> Sequence[SecretView]:
        if not self._check(purpose):
            return []
        with self._query():
            try:
                keys = self._client.get_signing_keys()
            except (PyJWKClientError, PyJWKSetError) as exc:
                if _no_set(exc):
                    raise LoadFailed(str(exc)) from exc
                return []
        return [_view(key) for key in keys]

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        # PyJWT has no verificationSecretId: secret_id is neither used nor checked.
        with self._query():
            try:
                header = jwt.get_unverified_header(token)
                key = self._client.get_signing_key_from_jwt(token)
            except PyJWTError as exc:
                return VerifyOutcome(verified=False, reason=f"{type(exc).__name__}: {exc}")
            alg = header.get("alg")
            try:
                jwt.decode(
                    token,
                    key,
                    # The token's own alg as the allow-list: PyJWT then checks that it is
                    # the algorithm the JWK is bound to.
                    algorithms=[alg] if isinstance(alg, str) else [],
                    # Claims belong to the caller (docs/decisions.md D-19); the time-based
                    # ones would read the wall clock. Short keys are refused, not warned about.
                    options={
                        "verify_signature": True,
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                        "verify_aud": False,
                        "verify_iss": False,
                        "enforce_minimum_key_length": True,
                    },
                )
            except PyJWTError as exc:
                return VerifyOutcome(
                    verified=False, reason=f"kid {key.key_id!r}: {type(exc).__name__}: {exc}"
                )
        # tried=None: PyJWT checks the one key the kid names and does not report attempts.
        return VerifyOutcome(verified=True, secret_id=str(key.key_id), tried=None)

    def close(self) -> None:
        if self._open:
            self._open = False
            _SEAM.release()


class PyJWTAdapter:
    """PyJWT's ``PyJWKClient`` (see the module docstring for the mapping)."""

    name = f"PyJWT {jwt.__version__} (PyJWKClient)"
    # What PyJWKClient has: lookups by kid, the list of signing keys, verification, a
    # configurable lifespan and cooldown that it checks itself, and its own HTTP client.
    capabilities = frozenset(
        {"named", "valid", "verify", "config-refusal", "cache-timeout", "miss-window",
         "default-client"}
    )  # fmt: skip
    key_support = KEY_SUPPORT
    transport: Transport = "loopback"  # urllib: it must reach a real server

    def open_store(self, config: Mapping[str, object], env: Environment) -> StoreUnderTest:
        return _PyJWTStore(config, env)


def factory() -> PyJWTAdapter:
    """What ``--adapter jwkconform.harness.adapters.pyjwt:factory`` calls."""
    return PyJWTAdapter()


if TYPE_CHECKING:
    _checked: Adapter = PyJWTAdapter()
