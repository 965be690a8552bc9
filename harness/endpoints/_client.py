"""An HTTP client for the harness's own requests to servers on 127.0.0.1.

The suites ask a publisher, and the reference adapter fetches from a loopback endpoint, with
`loopback_client`: it gives up quickly on a held request, ignores proxy settings, and names
itself in a header so an endpoint's fetch log tells the harness's requests apart.

>>> with loopback_client("http://127.0.0.1:9") as client:
...     client.headers[CLIENT_HEADER]
'harness'
"""

from __future__ import annotations

import functools
import ssl

import httpx

from jwkconform.harness.endpoints._faults import DEFAULT_FETCH_TIMEOUT
from jwkconform.harness.endpoints._scenario import CLIENT_HEADER

__all__ = ["loopback_client"]


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle costs ~65 ms; loopback URLs are plain http, so one context is
    # built once and shared by every loopback client.
    return ssl.create_default_context()


def loopback_client(base_url: str = "", timeout: float = DEFAULT_FETCH_TIMEOUT) -> httpx.Client:
    """A client for plain-http servers on 127.0.0.1 (quick to build: the TLS context is
    shared); it names itself in a header, so the fetch log tells its requests apart."""
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        trust_env=False,
        verify=_tls(),
        headers={CLIENT_HEADER: "harness"},
    )
