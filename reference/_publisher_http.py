"""The publisher's HTTP front: realm ``jwk_uri`` endpoints and discovery (PUB-01, PUB-13,
PUB-15), served in process (an httpx transport) or on a real port on 127.0.0.1
(`PublisherServer`, in ``_publisher_server``).

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
from collections.abc import Callable, Mapping
from typing import Final
from urllib.parse import quote, unquote, urlsplit

import httpx

from jwkconform.reference._jwk_uri import published_keys
from jwkconform.reference._publisher_config import PublisherConfig

__all__ = ["PublisherApp"]

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
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - reading it is what validates it
        except ValueError:  # a Host such as "[" makes no URL
            return _json(400, {"error": "bad_request"})
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
        # The URLs discovery prints are made of the host and the configured realm names alone:
        # never of the request's own spelling of its path.
        base = f"{parts.scheme}://{parts.netloc}"
        prefix = "/oauth2/realms/root" + "".join(f"/realms/{quote(n, safe='')}" for n in names)
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
