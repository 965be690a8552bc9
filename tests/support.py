"""Helpers shared by the project's own tests (on sys.path through pytest's ``pythonpath``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

JWKS_URL = "https://idp.test/jwks"


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
