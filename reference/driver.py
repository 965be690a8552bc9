"""The reference implementation behind the driver protocol (docs/driver-protocol.md).

Run ``python -m jwkconform.reference.driver``; it reads JSON-line requests on standard input
and answers on standard output until ``shutdown`` or end of input. Time comes only from
``set_clock``. It is the protocol's worked example, and CI checks that testing the reference
through it gives the same verdicts as testing it in process.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO

import httpx

from jwkconform import __version__
from jwkconform.reference._errors import ConfigError, LoadError, UnsupportedPurposeError
from jwkconform.reference._log import LOGGER_NAME
from jwkconform.reference._provider import SecretsProvider
from jwkconform.reference._publisher_config import PublisherConfig
from jwkconform.reference._publisher_http import PublisherApp
from jwkconform.reference._publisher_server import PublisherServer
from jwkconform.reference._secrets import Secret
from jwkconform.reference._store import JwkSetSecretStore

__all__ = ["CAPABILITIES", "Driver", "main"]

CAPABILITIES = (
    "config", "default-client", "resolver-config", "named", "valid", "verify", "encrypt",
    "other-purposes", "sign-decrypt", "lease", "reports-attempts", "file-urls", "warnings",
    "publisher", "provider-endpoint", "realms", "all-combinations", "remote-jwk-url", "mtls",
)  # fmt: skip
# The key types (D-22) and algorithms the reference verifies with.
KEY_SUPPORT = {
    "kinds": ["RSA", "EC-P-256", "EC-P-384", "EC-P-521", "OKP-Ed25519", "OKP-Ed448",
              "OKP-X25519", "OKP-X448", "oct"],
    "algorithms": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                   "ES512", "EdDSA", "HS256", "HS384", "HS512"],
}  # fmt: skip
# Below the harness's 10 s deadline per request, so a held request ends as a load error.
_HTTP_TIMEOUT = httpx.Timeout(2.0)


class _Failure(Exception):
    def __init__(
        self, kind: str, message: str, field: str | None = None, exception: str | None = None
    ) -> None:
        super().__init__(message)
        self.kind, self.field, self.exception = kind, field, exception


class _Collect(logging.Handler):
    """Sends each warning to the list of the store being called."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.into: list[str] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.into is not None:
            self.into.append(record.getMessage())


class Driver:
    """One driver session: its clock, stores and publishers."""

    def __init__(self) -> None:
        self.now = 0.0
        self._stores: dict[str, tuple[JwkSetSecretStore, list[str]]] = {}
        self._providers: dict[tuple[str, str], SecretsProvider] = {}
        self._publishers: dict[str, tuple[PublisherApp, PublisherServer]] = {}
        self._client = httpx.Client(timeout=_HTTP_TIMEOUT, trust_env=False)
        self._count = 0
        self._log = _Collect()
        logging.getLogger(LOGGER_NAME).addHandler(self._log)
        self.methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "hello": self.hello,
            "set_clock": self.set_clock,
            "open_store": self.open_store,
            "named": self.named,
            "valid": self.valid,
            "verify": self.verify,
            "warnings": self.warnings,
            "close_store": self.close_store,
            "open_publisher": self.open_publisher,
            "reconfigure_publisher": self.reconfigure_publisher,
            "close_publisher": self.close_publisher,
            "shutdown": lambda params: {},
        }

    def clock(self) -> float:
        return self.now

    def _new_id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def _store(self, params: dict[str, Any]) -> tuple[JwkSetSecretStore, list[str]]:
        try:
            return self._stores[str(params["store"])]
        except KeyError:
            raise _Failure("internal", f"no open store {params.get('store')!r}") from None

    def hello(self, params: dict[str, Any]) -> dict[str, Any]:
        name = f"jwkconform reference {__version__} (driver)"
        return {
            "protocol": 2,
            "name": name,
            "capabilities": list(CAPABILITIES),
            "key_support": KEY_SUPPORT,
        }

    def set_clock(self, params: dict[str, Any]) -> dict[str, Any]:
        self.now = float(params["now"])
        return {}

    def open_store(self, params: dict[str, Any]) -> dict[str, Any]:
        warnings: list[str] = []
        self._log.into = warnings
        try:
            config = dict(params["config"])
            deadline = params.get("fetch_timeout")
            if isinstance(deadline, (int, float)) and deadline > 0:
                # The harness's hint, unless a test sets the member itself.
                config.setdefault("fetchTimeout", f"{round(deadline * 1000)} ms")
            if not params.get("own_client"):
                config = {"handler": self._client, **config}
            store = JwkSetSecretStore.from_json(config, clock=self.clock)
        except ConfigError as exc:
            raise _Failure("config_refused", str(exc), exc.field) from None
        name = self._new_id("s")
        self._stores[name] = (store, warnings)
        return {"store": name}

    def _query(self, params: dict[str, Any], run: Callable[[JwkSetSecretStore], Any]) -> Any:
        store, warnings = self._store(params)
        self._log.into = warnings
        try:
            return run(store)
        except UnsupportedPurposeError as exc:
            raise _Failure("purpose_refused", str(exc)) from None
        except LoadError as exc:
            raise _Failure("load_failed", str(exc)) from None
        except Exception as exc:  # the store's own bug: a finding, not the driver's fault
            raise _Failure("raised", str(exc), exception=type(exc).__name__) from None

    def named(self, params: dict[str, Any]) -> dict[str, Any]:
        secret = self._query(params, lambda s: s.named(params["purpose"], params["kid"]))
        return {"secret": None if secret is None else _secret(secret)}

    def valid(self, params: dict[str, Any]) -> dict[str, Any]:
        secrets = self._query(params, lambda s: s.valid(params["purpose"]))
        return {"secrets": [_secret(s) for s in secrets]}

    def verify(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params["store"]), str(params["secret_id"]))
        if key not in self._providers:
            store, _ = self._store(params)
            try:
                provider = SecretsProvider(store, verification_secret_id=key[1], clock=self.clock)
            except ConfigError as exc:
                raise _Failure("config_refused", str(exc), exc.field) from None
            self._providers[key] = provider
        result = self._query(params, lambda s: self._providers[key].verify(params["token"]))
        tried = list(result.tried)
        return {"verified": result.verified, "secret_id": result.secret_id, "tried": tried,
                "reason": result.reason}  # fmt: skip

    def warnings(self, params: dict[str, Any]) -> dict[str, Any]:
        _, warnings = self._store(params)
        drained = list(warnings)
        warnings.clear()
        return {"warnings": drained}

    def close_store(self, params: dict[str, Any]) -> dict[str, Any]:
        store, _ = self._stores.pop(str(params["store"]), (None, None))
        if store is not None:
            store.close()
        return {}

    def open_publisher(self, params: dict[str, Any]) -> dict[str, Any]:
        app = PublisherApp(_publisher_config(params["config"]))
        server = PublisherServer(app)
        server.start()
        name = self._new_id("p")
        self._publishers[name] = (app, server)
        return {"publisher": name, "base_url": server.base_url}

    def reconfigure_publisher(self, params: dict[str, Any]) -> dict[str, Any]:
        app, _ = self._publishers[str(params["publisher"])]
        app.config = _publisher_config(params["config"])
        return {}

    def close_publisher(self, params: dict[str, Any]) -> dict[str, Any]:
        _, server = self._publishers.pop(str(params["publisher"]))
        server.stop()
        return {}

    def close(self) -> None:
        logging.getLogger(LOGGER_NAME).removeHandler(self._log)
        for store, _ in self._stores.values():
            store.close()
        for _, server in self._publishers.values():
            server.stop()
        self._client.close()

    def answer(self, line: str) -> tuple[dict[str, Any], bool]:
        """The response to one request line, and whether the session ends."""
        request_id: object = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            method = request.get("method")
            if method not in self.methods:
                raise _Failure("unsupported", f"unknown method {method!r}")
            result = self.methods[method](dict(request.get("params") or {}))
            return {"id": request_id, "result": result}, method == "shutdown"
        except _Failure as exc:
            error = {"type": exc.kind, "message": str(exc)}
            if exc.field is not None:
                error["field"] = exc.field
            if exc.exception is not None:
                error["exception"] = exc.exception
            return {"id": request_id, "error": error}, False
        except Exception as exc:  # a driver answers every request, whatever went wrong
            message = f"{type(exc).__name__}: {exc}"
            return {"id": request_id, "error": {"type": "internal", "message": message}}, False


def _secret(secret: Secret) -> dict[str, Any]:
    return {"stable_id": secret.stable_id, "jwk": dict(secret.jwk), "expires_at": secret.expires_at}


def _publisher_config(raw: object) -> PublisherConfig:
    try:
        return PublisherConfig.from_json(raw if isinstance(raw, dict) else {})
    except ConfigError as exc:
        raise _Failure("config_refused", str(exc), exc.field) from None


def main(lines: Iterable[str] = sys.stdin, out: TextIO = sys.stdout) -> int:
    driver = Driver()
    try:
        for line in lines:
            if not line.strip():
                continue
            response, done = driver.answer(line)
            out.write(json.dumps(response) + "\n")
            out.flush()
            if done:
                break
    finally:
        driver.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
