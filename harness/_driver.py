"""Adapters for implementations in other processes: the driver protocol (docs/driver-protocol.md).

`DriverAdapter` starts the driver command, asks it ``hello`` for its name and capabilities,
and proxies stores and publishers over JSON lines. A driver that hangs, exits, writes out of
turn or answers garbage fails the running test with a `DriverError` that says which and
quotes its standard error; the process is killed and the next test gets a fresh one.

>>> adapter = DriverAdapter("node drivers/node-jose/driver.mjs")  # doctest: +SKIP
>>> adapter.capabilities  # doctest: +SKIP
frozenset({'named', 'verify', ...})
"""

from __future__ import annotations

import collections
import contextlib
import json
import queue
import shlex
import subprocess
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Final

from jwkconform.harness._adapter import (
    ConfigRefused,
    Environment,
    LoadFailed,
    PublisherEnvironment,
    PurposeRefused,
    SecretView,
    Transport,
    VerifyOutcome,
)
from jwkconform.harness._attribution import AdapterError

__all__ = ["DEFAULT_DRIVER_TIMEOUT", "DriverAdapter", "DriverError"]

DEFAULT_DRIVER_TIMEOUT: Final = 10.0
_MAX_RESTARTS: Final = 3
PROTOCOL: Final = 1
_EOF: Final = object()


class DriverError(AdapterError):
    """The driver broke the protocol, crashed or hung: the test that was running gets the
    verdict ``error`` with this message (which quotes the driver's stderr)."""


class _Process:
    """One driver process: requests with deadlines, its stdout read by a thread."""

    def __init__(self, command: Sequence[str], timeout: float) -> None:
        self.command = command
        self.timeout = timeout
        self.clock: float | None = None
        self.broken = False
        self._lock = threading.Lock()  # one request at a time, whatever thread asks
        self._ids = 0
        self._lines: queue.Queue[object] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=40)
        try:
            self._popen = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
            )
        except OSError as exc:
            raise DriverError(f"cannot start driver {shlex.join(command)}: {exc}") from None
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True, name="jwkconform-driver-out"),
            threading.Thread(target=self._read_stderr, daemon=True, name="jwkconform-driver-err"),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        assert self._popen.stdout is not None
        for line in self._popen.stdout:
            self._lines.put(line)
        self._lines.put(_EOF)

    def _read_stderr(self) -> None:
        assert self._popen.stderr is not None
        for line in self._popen.stderr:
            self._stderr.append(line.rstrip("\n"))

    def _fail(self, what: str) -> DriverError:
        self.broken = True
        self.stop(graceful=False)
        tail = "\n".join(self._stderr) or "(nothing)"
        return DriverError(f"driver {shlex.join(self.command)} {what}\ndriver stderr:\n{tail}")

    def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request and return its ``result``; protocol errors raise."""
        with self._lock:
            return self._call(method, params)

    def _call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if self.broken:
            raise DriverError(
                f"driver {shlex.join(self.command)} was stopped after an earlier failure"
            )
        self._ids += 1
        request = json.dumps({"id": self._ids, "method": method, "params": dict(params)})
        try:
            assert self._popen.stdin is not None
            self._popen.stdin.write(request + "\n")
            self._popen.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._fail(f"exited (status {self._popen.poll()}) before {method!r}") from None
        try:
            line = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            raise self._fail(f"did not answer {method!r} within {self.timeout} s") from None
        if line is _EOF:
            try:
                code: int | None = self._popen.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
            what = "closed its output" if code is None else f"exited with status {code}"
            raise self._fail(f"{what} while answering {method!r}")
        return self._result(method, str(line))

    def _result(self, method: str, line: str) -> dict[str, Any]:
        try:
            answer = json.loads(line)
        except json.JSONDecodeError:
            raise self._fail(
                f"wrote a line that is not JSON in answer to {method!r}: {line[:200]!r}"
            ) from None
        if not isinstance(answer, dict) or answer.get("id") != self._ids:
            raise self._fail(
                f"wrote out of turn (expected id {self._ids} for {method!r}): {line[:200]!r}"
            )
        if "error" in answer:
            raise _error(method, answer["error"])
        result = answer.get("result")
        if not isinstance(result, dict):
            raise self._fail(f"answered {method!r} without a result object: {line[:200]!r}")
        return result

    def stop(self, *, graceful: bool = True) -> None:
        """End the process (politely first when ``graceful``) and reap it."""
        if self._popen.poll() is None and graceful and not self.broken:
            with contextlib.suppress(DriverError, ConfigRefused, LoadFailed, PurposeRefused):
                self._call("shutdown", {})
        if self._popen.stdin is not None:
            with contextlib.suppress(OSError):
                self._popen.stdin.close()
        try:
            self._popen.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait(timeout=5)
        for thread in self._threads:
            thread.join(timeout=2)
        for stream in (self._popen.stdout, self._popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _error(method: str, error: object) -> Exception:
    if not isinstance(error, dict):
        return DriverError(f"driver answered {method!r} with a malformed error: {error!r}")
    kind, message = error.get("type"), str(error.get("message", ""))
    if kind == "config_refused":
        return ConfigRefused(str(error.get("field", "")), message)
    if kind == "load_failed":
        return LoadFailed(message)
    if kind == "purpose_refused":
        return PurposeRefused(message)
    return DriverError(f"driver failed {method!r} ({kind}): {message}")


def _secret(value: object) -> SecretView:
    if not isinstance(value, dict) or not isinstance(value.get("stable_id"), str):
        raise DriverError(f"driver returned a malformed secret: {value!r}")
    expires = value.get("expires_at")
    return SecretView(
        value["stable_id"],
        dict(value.get("jwk") or {}),
        None if expires is None else float(expires),
    )


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
        hello = self._start()
        self.name = str(hello.get("name") or shlex.join(self.command))
        self.capabilities = frozenset(str(c) for c in hello.get("capabilities") or ())

    def _start(self) -> dict[str, Any]:
        process = _Process(self.command, self.timeout)
        self._process = process
        hello = process.call("hello", {"protocol": PROTOCOL})
        if hello.get("protocol") != PROTOCOL:
            process.stop(graceful=False)
            raise DriverError(f"driver speaks protocol {hello.get('protocol')!r}, not {PROTOCOL}")
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
        result = process.call(method, params)
        self._restarts = 0  # it answers again
        return result

    def open_store(self, config: Mapping[str, object], env: Environment) -> _DriverStore:
        process = self.process()
        result = self.call(
            process, "open_store", env.clock.now(), config=dict(config), jwks_url=env.jwks_url
        )
        return _DriverStore(self, process, str(result.get("store")), env)

    def open_publisher(
        self, config: Mapping[str, object], env: PublisherEnvironment
    ) -> _DriverPublisher:
        process = self.process()
        result = self.call(process, "open_publisher", env.clock.now(), config=dict(config))
        return _DriverPublisher(
            self, process, str(result.get("publisher")), str(result.get("base_url"))
        )

    def close(self) -> None:
        """Shut the driver down and reap it."""
        if self._process is not None:
            self._process.stop()
            self._process = None


class _DriverStore:
    def __init__(
        self, adapter: DriverAdapter, process: _Process, store: str, env: Environment
    ) -> None:
        self._adapter, self._process, self._store, self._env = adapter, process, store, env

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        result = self._adapter.call(
            self._process, method, self._env.clock.now(), store=self._store, **params
        )
        if "warnings" in self._adapter.capabilities and method != "close_store":
            drained = self._adapter.call(self._process, "warnings", None, store=self._store)
            self._env.warnings.extend(str(w) for w in drained.get("warnings") or ())
        return result

    def named(self, purpose: str, kid: str) -> SecretView | None:
        secret = self._call("named", purpose=purpose, kid=kid).get("secret")
        return None if secret is None else _secret(secret)

    def valid(self, purpose: str) -> Sequence[SecretView]:
        secrets = self._call("valid", purpose=purpose).get("secrets")
        if not isinstance(secrets, list):
            raise DriverError(f"driver answered valid() without a list of secrets: {secrets!r}")
        return [_secret(s) for s in secrets]

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        result = self._call("verify", token=token, secret_id=secret_id)
        tried = result.get("tried")
        return VerifyOutcome(
            bool(result.get("verified")),
            result.get("secret_id"),
            None if tried is None else tuple(str(t) for t in tried),
            str(result.get("reason", "")),
        )

    def close(self) -> None:
        if self._process is self._adapter._process and not self._process.broken:
            self._adapter.call(self._process, "close_store", None, store=self._store)


class _DriverPublisher:
    def __init__(
        self, adapter: DriverAdapter, process: _Process, publisher: str, base_url: str
    ) -> None:
        import httpx

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
        if self._process is self._adapter._process and not self._process.broken:
            self._adapter.call(self._process, "close_publisher", None, publisher=self._publisher)
