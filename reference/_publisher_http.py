"""The publisher's HTTP front: realm ``jwk_uri`` endpoints and discovery (PUB-01, PUB-13,
PUB-15), served in process (an httpx transport) or on a real port on 127.0.0.1.

Paths: ``/oauth2/realms/root[/realms/NAME...]/connect/jwk_uri`` (provider keys),
``.../connect/rp/jwk_uri`` (relying-party keys), ``.../.well-known/openid-configuration``.
Anything else is a 404 with a JSON body.

>>> app = PublisherApp(PublisherConfig.from_json({"keystore": {}}))
>>> client = httpx.Client(transport=app.transport(), base_url="https://am.example")
>>> client.get("/oauth2/realms/root/connect/rp/jwk_uri").json()
{'keys': []}
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import httpx

from jwkconform.reference._jwk_uri import published_keys
from jwkconform.reference._publisher_config import PublisherConfig

__all__ = ["PublisherApp", "PublisherServer"]

_JSON: Final = {"content-type": "application/json"}
_PATH: Final = re.compile(
    r"/oauth2/realms/root(?P<realms>(?:/realms/[^/]+)*)"
    r"/(?P<what>connect/jwk_uri|connect/rp/jwk_uri|\.well-known/openid-configuration)"
)

Response = tuple[int, Mapping[str, str], bytes]


def _json(status: int, body: object) -> Response:
    return status, _JSON, json.dumps(body).encode()


class PublisherApp:
    """Answers GET requests for a `PublisherConfig`."""

    def __init__(self, config: PublisherConfig) -> None:
        self.config = config
        self._routes: Mapping[str, Callable[[tuple[str, ...], str, str], Response]] = {
            "connect/jwk_uri": lambda path, base, prefix: _json(
                200, published_keys(self.config, path, "provider")
            ),
            "connect/rp/jwk_uri": lambda path, base, prefix: _json(
                200, published_keys(self.config, path, "rp")
            ),
            ".well-known/openid-configuration": self._discovery,
        }

    def handle(self, method: str, url: str) -> Response:
        """The status, headers and body for ``method url`` (an absolute URL)."""
        parts = urlsplit(url)
        found = _PATH.fullmatch(parts.path)
        if found is None:
            return _json(404, {"error": "not_found", "path": parts.path})
        if method not in {"GET", "HEAD"}:
            return (
                405,
                {**_JSON, "allow": "GET, HEAD"},
                json.dumps({"error": "method_not_allowed"}).encode(),
            )
        names = tuple(unquote(name) for name in found["realms"].split("/realms/")[1:])
        path = ("root", *names)
        if self.config.realm(path) is None:
            return _json(404, {"error": "realm_not_found", "realm": "/".join(path)})
        base = f"{parts.scheme}://{parts.netloc}"
        prefix = parts.path[: found.start("what")].rstrip("/")
        return self._routes[found["what"]](path, base, prefix)

    def _discovery(self, path: tuple[str, ...], base: str, prefix: str) -> Response:
        realm = self.config.realm(path)
        remote = realm.remote_jwk_url if realm is not None else None
        return _json(
            200,
            {
                "issuer": f"{base}{prefix}",
                "jwks_uri": remote or f"{base}{prefix}/connect/jwk_uri",
            },
        )

    def transport(self) -> httpx.MockTransport:
        """An httpx transport that serves this app in process."""

        def respond(request: httpx.Request) -> httpx.Response:
            status, headers, body = self.handle(request.method, str(request.url))
            return httpx.Response(status, headers=dict(headers), content=body)

        return httpx.MockTransport(respond)


class PublisherServer:
    """`PublisherApp` on a real port of 127.0.0.1 (port 0 picks a free one).

    >>> with PublisherServer(app) as server:  # doctest: +SKIP
    ...     httpx.get(server.base_url + "/oauth2/realms/root/connect/rp/jwk_uri")
    """

    def __init__(self, app: PublisherApp, *, port: int = 0) -> None:
        self.app = app
        handler = type("_Handler", (_Handler,), {"app": app})
        self._server = _Server(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        # A short poll interval: stop() waits for the serve loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="jwkconform-publisher",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> PublisherServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 stalls the sixth concurrent client for a SYN retransmit.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    app: PublisherApp
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm a kept-alive
    # connection waits ~40 ms for the second.
    disable_nagle_algorithm = True

    def _answer(self) -> None:
        host = self.headers.get("host") or f"127.0.0.1:{self.server.server_port}"  # type: ignore[attr-defined]
        status, headers, body = self.app.handle(self.command, f"http://{host}{self.path}")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a conformance run's output is the report, not an access log
