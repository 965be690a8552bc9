"""An in-process JWKS endpoint for implementations that fetch with httpx.

`respx_client` gives an `httpx.Client` whose own transport asks a `JwksScenario` what to
answer. It is named for the respx router it was first built on; it is a plain
`httpx.MockTransport` now, because building a router for each store cost more than the
rest of opening one. Nothing is patched globally, so several scenarios (and a
test's own ``respx.mock``) can be live at once, and no request ever reaches the network:
a host other than the mock's is a connection error.

>>> from jwkconform.harness.endpoints._clock import FakeClock
>>> scenario = JwksScenario(FakeClock(), {"keys": []})
>>> with respx_client(scenario) as client:
...     client.get(respx_url(scenario)).json()
{'keys': []}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

import httpx

from jwkconform.harness.endpoints._scenario import CLIENT_HEADER, JwksScenario

__all__ = ["MOCK_BASE_URL", "respx_client", "respx_url"]

MOCK_BASE_URL: Final = "https://jwks.jwkconform.test"

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# How an in-process client experiences each transport failure.
_FAILURES: Final[Mapping[str, Callable[[httpx.Request], httpx.TransportError]]] = {
    "refused": lambda request: httpx.ConnectError("connection refused (mock)", request=request),
    "timeout": lambda request: httpx.ReadTimeout("timed out (mock)", request=request),
}


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port, the port written out where the URL leaves the default."""
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def respx_client(scenario: JwksScenario, *, base_url: str = MOCK_BASE_URL) -> httpx.Client:
    """A client on which every GET under ``base_url`` is answered by ``scenario``.

    A path under ``base_url`` is passed to the scenario relative to it (``base_url`` +
    ``scenario.path`` is the endpoint); other methods get 405 and are not logged.
    """
    url = httpx.URL(base_url)
    if url.scheme not in _DEFAULT_PORTS or not url.host:
        raise ValueError(f"a mock base URL is http(s)://host[:port][/path], got {base_url!r}")
    origin = _origin(url)
    prefix = url.path.rstrip("/")

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if _origin(request.url) != origin or not (path == prefix or path.startswith(prefix + "/")):
            raise httpx.ConnectError(
                f"nothing listens for {request.url} (mock: only {base_url} answers)",
                request=request,
            )
        if request.method != "GET":
            return httpx.Response(405, headers={"allow": "GET"})
        relative = path.removeprefix(prefix) or "/"
        reply = scenario.respond(relative, request.headers.get(CLIENT_HEADER))
        if reply.failure is not None:
            raise _FAILURES[reply.failure](request)
        return httpx.Response(reply.status, headers=dict(reply.headers), content=reply.body)

    return httpx.Client(transport=httpx.MockTransport(answer), headers={CLIENT_HEADER: "harness"})


def respx_url(scenario: JwksScenario, *, base_url: str = MOCK_BASE_URL) -> str:
    """The endpoint's URL on a `respx_client` with the same ``base_url``."""
    return base_url.rstrip("/") + scenario.path
