"""Helpers shared by the project's own tests (on sys.path through pytest's ``pythonpath``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import JwkSetSecretStore

JWKS_URL = "https://idp.test/jwks"
RUN_TIMEOUT = 600.0


def jwkconform_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m jwkconform run ARGS`` in ``folder``, as a user starts it: without this
    session's pytest and xdist variables, and without PYTHONPATH (a module in ``folder``
    must be importable as it is)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "jwkconform", "run", *args],
        cwd=folder, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
    )  # fmt: skip


def request_threads() -> list[threading.Thread]:
    """The loopback servers' live request threads (named ``...-request``)."""
    return [t for t in threading.enumerate() if t.name.endswith("-request")]


@dataclass
class Endpoint:
    """What the mocked ``JWKS_URL`` answers next, and how often it was asked."""

    document: Any = field(default_factory=lambda: {"keys": []})
    status: int = 200
    error: Exception | None = None
    raw: bytes | None = None
    fetches: int = 0

    def respond(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.error is not None:
            raise self.error
        body = self.raw if self.raw is not None else json.dumps(self.document).encode()
        return httpx.Response(
            self.status, content=body, headers={"content-type": "application/json"}
        )


class StreamingEndpoint:
    """Stores over an in-process endpoint that streams its body as a network does (see
    `answer`), through an `httpx.MockTransport` handler rather than respx, whose routes
    read, and decode, a mocked response before the store sees it."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.fetches = 0
        self.last_request: httpx.Request | None = None
        self.client = httpx.Client(transport=httpx.MockTransport(self._respond))
        self._body: bytes | list[bytes] = b""
        self._headers: dict[str, str] = {}

    def answer(self, body: bytes | list[bytes], encoding: str | None = None) -> None:
        """Answer ``body`` (bytes, or a list of chunks) with that Content-Encoding."""
        self._body = body
        self._headers = {} if encoding is None else {"content-encoding": encoding}

    def store(
        self, body: bytes | list[bytes], encoding: str | None = None, **config: Any
    ) -> JwkSetSecretStore:
        """A store over this endpoint, which now answers ``body``."""
        self.answer(body, encoding)
        raw = {"jwkUrl": JWKS_URL, "handler": self.client, **config}
        return JwkSetSecretStore.from_json(raw, clock=self.clock)

    def _respond(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        self.last_request = request
        chunks = [self._body] if isinstance(self._body, bytes) else self._body
        # An iterator, not bytes: httpx reads (and decodes) a bytes body at once.
        return httpx.Response(200, headers=self._headers, content=iter(chunks))
