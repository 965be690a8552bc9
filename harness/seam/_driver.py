"""Adapters for implementations in other processes: the driver protocol (docs/driver-protocol.md).

`DriverAdapter` starts the driver command in a process group of its own, asks it ``hello``
for its name, capabilities and key support, and proxies stores and publishers over JSON
lines. A driver that hangs, exits, writes out of turn, answers garbage or floods its output
gets the running test the verdict ``error`` with a `DriverError` that says which and quotes
the end of its standard error; its whole process group is killed (children that keep its
output open included) and the next test gets a fresh process. harness/seam/_driver_process.py
runs the process; this module is the protocol's client.

The clock a driver sees never goes back: every store has a fake clock of its own, and for a
driver the harness starts each new one after the last time the driver was sent
(`DriverAdapter.next_start`), so a library that keeps one process-wide clock sees time
only move forward, and exactly the readings the suites computed.

>>> adapter = DriverAdapter("node drivers/node-jose/driver.mjs")  # doctest: +SKIP
>>> adapter.capabilities  # doctest: +SKIP
frozenset({'verify', ...})
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from typing import Any, Final

import httpx

from jwkconform.harness.seam._adapter import (
    Environment,
    PublisherEnvironment,
    SecretView,
    Transport,
    VerifyOutcome,
    own_fetch_deadline,
)
from jwkconform.harness.seam._driver_process import _QUOTE, DriverError, _Process
from jwkconform.harness.spec._keys import KeySupport

__all__ = ["DEFAULT_DRIVER_TIMEOUT", "PROTOCOL", "DriverAdapter", "DriverError"]

DEFAULT_DRIVER_TIMEOUT: Final = 10.0
PROTOCOL: Final = 2
_PROTOCOLS: Final = frozenset({1, 2})  # a protocol-1 driver still works, without the hints
_MAX_RESTARTS: Final = 3
# Bounds on what hello may declare: a name, a version or a capability, and how many of those.
_MAX_NAME: Final = 200
_MAX_CAPABILITIES: Final = 100
# A clock step between stores, so the first reading of a new store is after the last one.
_STORE_GAP: Final = 1_000
# Past this reading (about 34 years) a driver with nothing open is started afresh before
# its next store: its clock never goes back within a process, and far ahead a 64-bit float
# no longer holds a microsecond, which lease and cache boundaries are checked to.
_CLOCK_LIMIT: Final = 2.0**30


def _secret(value: object, process: _Process) -> SecretView:
    if not isinstance(value, dict) or not isinstance(value.get("stable_id"), str):
        raise process.malformed(f"a malformed secret: {str(value)[:_QUOTE]}")
    jwk, expires = value.get("jwk") or {}, value.get("expires_at")
    if not isinstance(jwk, dict) or not (
        expires is None or (isinstance(expires, (int, float)) and math.isfinite(expires))
    ):
        raise process.malformed(f"a malformed secret: {str(value)[:_QUOTE]}")
    return SecretView(value["stable_id"], jwk, None if expires is None else float(expires))


def _hello_problem(hello: Mapping[str, Any]) -> str:
    """What is wrong with a ``hello`` answer, field by field, in one line ("" if nothing)."""
    protocol = hello.get("protocol")
    # A boolean is an int to Python, and true == 1: "protocol": true is no protocol number.
    if isinstance(protocol, bool) or protocol not in _PROTOCOLS:
        return f"driver speaks protocol {protocol!r:.200}, not one of {sorted(_PROTOCOLS)}"
    for field in ("name", "version"):
        value = hello.get(field)
        if value is not None and not (isinstance(value, str) and 0 < len(value) <= _MAX_NAME):
            return (
                f"driver's hello has a {field} that is not a string of 1 to {_MAX_NAME} characters"
            )
    capabilities = hello.get("capabilities")
    if capabilities is not None and not (
        isinstance(capabilities, list)
        and len(capabilities) <= _MAX_CAPABILITIES
        and all(isinstance(c, str) and 0 < len(c) <= _MAX_NAME for c in capabilities)
    ):
        return f"driver's hello has capabilities that are not a list of up to {_MAX_CAPABILITIES}"
    return ""


def _key_support(hello: Mapping[str, Any]) -> KeySupport | None:
    declared = hello.get("key_support")
    if declared is None:
        return None
    try:
        return KeySupport.of(declared["kinds"], declared["algorithms"])
    except (TypeError, KeyError, ValueError) as exc:
        raise DriverError(f"the driver's key_support is malformed: {exc}") from None


class DriverAdapter:
    """An implementation behind a driver command (see docs/driver-protocol.md)."""

    transport: Transport = "loopback"
    # Every request has the driver deadline; the harness adds no deadline of its own.
    bounds_its_calls = True

    def __init__(self, command: str, *, timeout: float = DEFAULT_DRIVER_TIMEOUT) -> None:
        self.command = shlex.split(command)
        if not self.command:
            raise ValueError("the driver command is empty")
        self.timeout = timeout
        self._process: _Process | None = None
        self._restarts = 0
        self._sent = -math.inf  # the last time sent to the driver
        self._open = 0  # stores and publishers open on the current process
        hello = self._start()
        self.name = hello.get("name") or shlex.join(self.command)
        self.version = hello.get("version") or "unknown"
        self.capabilities = frozenset(hello.get("capabilities") or ())
        try:
            self.key_support = _key_support(hello)
            self.fetch_deadline = own_fetch_deadline(hello.get("fetch_deadline"))
        except ValueError as exc:
            self.close()
            raise DriverError(f"the driver's {exc}") from None
        except DriverError:
            self.close()
            raise

    def _start(self) -> dict[str, Any]:
        process = _Process(self.command, self.timeout)
        self._process = process
        self._sent = -math.inf  # a fresh process has seen no time yet
        self._open = 0
        hello = process.call("hello", {"protocol": PROTOCOL})
        problem = _hello_problem(hello)
        if problem:
            process.stop(graceful=False)
            raise DriverError(problem)
        return hello

    def process(self) -> _Process:
        """The live driver process, started again after a failure (up to a point)."""
        if self._process is None or self._process.broken:
            self._restarts += 1
            # A driver that keeps failing would cost a full deadline per Hypothesis example.
            if self._restarts > _MAX_RESTARTS:
                raise DriverError(
                    f"driver {shlex.join(self.command)} failed {_MAX_RESTARTS} times in a row;"
                    " not started again in this run"
                )
            self._start()
        assert self._process is not None
        return self._process

    def call(
        self, process: _Process, method: str, now: float | None, **params: Any
    ) -> dict[str, Any]:
        """``method`` on ``process``, after bringing its clock to ``now``."""
        if process is not self._process:
            raise DriverError(
                "the driver was restarted after an earlier failure; this object is from before"
            )
        if now is not None and process.clock != now:
            process.call("set_clock", {"now": now})
            process.clock = now
            self._sent = max(self._sent, now)
        result = process.call(method, params)
        self._restarts = 0  # it answers again
        return result

    def transcript_tail(self) -> list[str]:
        """The end of the JSON-lines conversation with the current (or last) process."""
        return self._process.transcript() if self._process is not None else []

    def next_start(self, start: float) -> float:
        """Where a new store's clock starts: at ``start``, or a whole number of seconds after
        the last time the driver saw (whole, so the suites' exact sums stay exact). A
        driver whose clock ran past `_CLOCK_LIMIT` is first started afresh, if nothing is
        open on it, so the clock's magnitude stays where floats keep microseconds."""
        if self._sent > _CLOCK_LIMIT and self._open == 0 and self._process is not None:
            self._process.stop()
            self._start()  # a planned start, not a failure: the restart count stays
        if start > self._sent:
            return start
        return float(math.floor(self._sent) + _STORE_GAP)

    def open_store(self, config: Mapping[str, object], env: Environment) -> _DriverStore:
        process = self.process()
        result = self.call(
            process,
            "open_store",
            env.clock.now(),
            config=dict(config),
            jwks_url=env.jwks_url,
            fetch_timeout=env.fetch_timeout,
            durations={k: (v if math.isfinite(v) else None) for k, v in env.durations.items()},
            own_client=env.own_client,
        )
        store = result.get("store")
        if not isinstance(store, str):
            raise process.malformed(f"open_store without a store ID: {str(result)[:_QUOTE]}")
        self._open += 1
        return _DriverStore(self, process, store, env)

    def open_publisher(
        self, config: Mapping[str, object], env: PublisherEnvironment
    ) -> _DriverPublisher:
        process = self.process()
        result = self.call(process, "open_publisher", env.clock.now(), config=dict(config))
        publisher, base_url = result.get("publisher"), result.get("base_url")
        if not isinstance(publisher, str) or not isinstance(base_url, str):
            raise process.malformed(f"open_publisher without IDs: {str(result)[:_QUOTE]}")
        self._open += 1
        return _DriverPublisher(self, process, publisher, base_url)

    def closed(self, process: _Process) -> None:
        """One store or publisher of ``process`` was closed."""
        if process is self._process:
            self._open = max(0, self._open - 1)

    def close(self) -> None:
        """Shut the driver down and reap it (its process group with it)."""
        if self._process is not None:
            self._process.stop()
            self._process = None


class _DriverStore:
    def __init__(
        self,
        adapter: DriverAdapter,
        process: _Process,
        store: str,
        env: Environment,
    ) -> None:
        self._adapter, self._process, self._store, self._env = adapter, process, store, env

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        result = self._adapter.call(
            self._process, method, self._env.clock.now(), store=self._store, **params
        )
        if "warnings" in self._adapter.capabilities and method != "close_store":
            drained = self._adapter.call(self._process, "warnings", None, store=self._store)
            warnings = drained.get("warnings")
            if not isinstance(warnings, list):
                raise self._process.malformed(f"warnings that are not a list: {warnings!r:.200}")
            self._env.warnings.extend(str(w) for w in warnings)
        return result

    def named(self, purpose: str, kid: str) -> SecretView | None:
        secret = self._call("named", purpose=purpose, kid=kid).get("secret")
        return None if secret is None else _secret(secret, self._process)

    def valid(self, purpose: str) -> Sequence[SecretView]:
        secrets = self._call("valid", purpose=purpose).get("secrets")
        if not isinstance(secrets, list):
            raise self._process.malformed(f"valid() without a list: {str(secrets)[:_QUOTE]}")
        return [_secret(s, self._process) for s in secrets]

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        result = self._call("verify", token=token, secret_id=secret_id)
        tried, secret = result.get("tried"), result.get("secret_id")
        if (
            not isinstance(result.get("verified"), bool)
            or not (secret is None or isinstance(secret, str))
            or not (tried is None or (isinstance(tried, list) and all(
                isinstance(t, str) for t in tried)))
        ):  # fmt: skip
            raise self._process.malformed(f"a malformed verify result: {str(result)[:_QUOTE]}")
        return VerifyOutcome(
            result["verified"],
            secret,
            None if tried is None else tuple(tried),
            str(result.get("reason", ""))[:2000],
        )

    def close(self) -> None:
        self._adapter.closed(self._process)
        if self._process is self._adapter._process and not self._process.broken:
            self._adapter.call(self._process, "close_store", None, store=self._store)


class _DriverPublisher:
    def __init__(
        self, adapter: DriverAdapter, process: _Process, publisher: str, base_url: str
    ) -> None:
        self._adapter, self._process, self._publisher = adapter, process, publisher
        self.base_url = base_url
        self.http_client = httpx.Client(base_url=base_url, trust_env=False, timeout=adapter.timeout)

    def reconfigure(self, config: Mapping[str, object]) -> None:
        self._adapter.call(
            self._process,
            "reconfigure_publisher",
            None,
            publisher=self._publisher,
            config=dict(config),
        )

    def close(self) -> None:
        self.http_client.close()
        self._adapter.closed(self._process)
        if self._process is self._adapter._process and not self._process.broken:
            self._adapter.call(self._process, "close_publisher", None, publisher=self._publisher)
