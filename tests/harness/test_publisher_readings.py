"""The publisher suites accept every lawful reading of the catalogue, not only the reference's.

PUB-14 asks for at least the active decryption alias on the provider endpoint; the others
may be published or not. PUB-13 asks for a ``jwks_uri`` that is an absolute URL serving the
realm's keys, in whatever form. Each adapter here is the reference publisher making one of
those choices its own way, and the packaged suites of that requirement must pass it:

- ``every_decryption_alias`` / ``active_decryption_alias``: the provider endpoint publishes
  every alias of each decryption mapping, or only the active one;
- ``jwks_uri_with_a_query``: discovery appends a query string to ``jwks_uri``;
- ``jwks_uri_with_the_default_port``: discovery spells out the default port;
- ``jwks_uri_with_the_ip_literal``: the publisher is reached by the host name ``localhost``
  and advertises ``jwks_uri`` with the IP literal ``127.0.0.1`` instead.

And one adapter that is not lawful, on the adapter's side: RT-01 needs the publisher on a
real port of 127.0.0.1, and an adapter that cannot serve it there is told so (the verdict
``error``), never judged as a failing implementation.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pytester_files import by_id, report

from jwkconform.fixtures import keystore
from jwkconform.harness import FakeClock, PublisherEnvironment

READINGS = '''
import json
from dataclasses import replace

import httpx

from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.reference import PublisherApp, PublisherConfig, PublisherServer, published_keys
from jwkconform.reference._publisher_config import PROVIDER_DECRYPTION, SecretMapping

IN_PROCESS = "https://am.jwkconform.test"


def _everywhere(config, change):
    """``config`` with ``change`` applied to the global mappings and every realm's own."""

    def realm(node):
        subs = {name: realm(sub) for name, sub in node.realms.items()}
        return replace(node, mappings=change(node.mappings), realms=subs)

    return replace(config, global_mappings=change(config.global_mappings), root=realm(config.root))


def _decryption(change):
    return lambda mappings: {
        sid: change(m) if sid in PROVIDER_DECRYPTION else m for sid, m in mappings.items()
    }


def active_only(config, path):
    """The provider set with each decryption mapping cut down to its active alias."""
    only = _decryption(lambda m: SecretMapping((m.active,), m.active))
    return published_keys(_everywhere(config, only), path, "provider")


def _all_mappings(config):
    found, pending = list(config.global_mappings.values()), [config.root]
    while pending:
        realm = pending.pop()
        found += realm.mappings.values()
        pending += realm.realms.values()
    return found


def every_alias(config, path):
    """The provider set with every decryption alias, whatever the reference's own rule:
    the union of the sets published with each alias made active in turn."""
    keys, seen = [], set()
    for turn in range(max([len(m.aliases) for m in _all_mappings(config)] + [1])):
        rotate = _decryption(lambda m: replace(m, active=m.aliases[turn % len(m.aliases)]))
        for jwk in published_keys(_everywhere(config, rotate), path, "provider")["keys"]:
            if (jwk["kid"], jwk.get("alg")) not in seen:
                seen.add((jwk["kid"], jwk.get("alg")))
                keys.append(jwk)
    return {"keys": keys}


class ReadingApp(PublisherApp):
    """The reference app with a provider rule and a jwks_uri of its own."""

    provider = None
    jwks_uri = None

    def __init__(self, config):
        super().__init__(config)
        rule = type(self).provider
        if rule is not None:
            self._routes = {
                **self._routes,
                "connect/jwk_uri": lambda path, base, prefix: (
                    200, {"content-type": "application/json"},
                    json.dumps(rule(self.config, path)).encode(),
                ),
            }

    def _discovery(self, path, base, prefix):
        realm = self.config.realm(path)
        if self.jwks_uri is None or (realm is not None and realm.remote_jwk_url):
            return super()._discovery(path, base, prefix)
        status, headers, _ = super()._discovery(path, base, prefix)
        jwks_uri = type(self).jwks_uri(self, path, base, prefix)
        return status, headers, json.dumps({"issuer": base + prefix, "jwks_uri": jwks_uri}).encode()


class _Via127(httpx.BaseTransport):
    """Reaches the host name localhost at 127.0.0.1, keeping its Host header."""

    def __init__(self):
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request):
        request.url = request.url.copy_with(host="127.0.0.1")
        return self._inner.handle_request(request)

    def close(self):
        self._inner.close()


class ReadingPublisher:
    def __init__(self, app_class, config, env, host):
        self._app = app_class(PublisherConfig.from_json(config))
        self._server = None
        if env.transport == "loopback" or host == "localhost":
            self._server = PublisherServer(self._app)
            self._server.start()
            self.base_url = f"http://{host}:{self._server.port}"
            self._app.port = self._server.port
            self.http_client = httpx.Client(base_url=self.base_url, transport=_Via127())
        else:
            self.base_url = IN_PROCESS
            self.http_client = httpx.Client(transport=self._app.transport(), base_url=IN_PROCESS)

    def reconfigure(self, config):
        self._app.config = PublisherConfig.from_json(config)

    def close(self):
        self.http_client.close()
        if self._server is not None:
            self._server.stop()


def _reading(name, host="127.0.0.1", **rules):
    app_class = type(name, (ReadingApp,), rules)

    class Reading(ReferenceAdapter):
        def open_publisher(self, config, env):
            return ReadingPublisher(app_class, config, env, host)

    Reading.name = f"reference publisher, {name}"
    return Reading


def _with_port(base):
    scheme, _, host = base.partition("://")
    return base if ":" in host else f"{base}:{443 if scheme == 'https' else 80}"


EveryDecryptionAlias = _reading("every decryption alias", provider=every_alias)
ActiveDecryptionAlias = _reading("only the active decryption alias", provider=active_only)
JwksUriWithAQuery = _reading(
    "a query string in jwks_uri",
    jwks_uri=lambda app, path, base, prefix: f"{base}{prefix}/connect/jwk_uri?realm="
    + "/".join(path),
)
JwksUriWithTheDefaultPort = _reading(
    "the default port in jwks_uri",
    jwks_uri=lambda app, path, base, prefix: f"{_with_port(base)}{prefix}/connect/jwk_uri",
)
JwksUriWithTheIpLiteral = _reading(
    "the IP literal in jwks_uri",
    host="localhost",
    jwks_uri=lambda app, path, base, prefix: (
        f"http://127.0.0.1:{app.port}{prefix}/connect/jwk_uri"
    ),
)


def every_decryption_alias():
    return EveryDecryptionAlias()


def active_decryption_alias():
    return ActiveDecryptionAlias()


def jwks_uri_with_a_query():
    return JwksUriWithAQuery()


def jwks_uri_with_the_default_port():
    return JwksUriWithTheDefaultPort()


def jwks_uri_with_the_ip_literal():
    return JwksUriWithTheIpLiteral()
'''

SUITES = ("--pyargs", "jwkconform.suites", "-p", "no:cacheprovider", "--jwk-seed", "1")
SUITE_TIMEOUT = 300.0
ROOT = "/oauth2/realms/root"
PROVIDER_RSA = "am.services.oauth2.oidc.signing.RSA"
DECRYPTION = "am.services.oauth2.oidc.decryption.RSA.OAEP"


def _readings() -> types.ModuleType:
    module = types.ModuleType("readings")
    exec(compile(READINGS, "readings.py", "exec"), module.__dict__)
    return module


def _config() -> dict[str, object]:
    held = ("rsa-a", "rsa-b", "rsa-c")
    return {
        "keystore": {alias: dict(keystore()[alias]) for alias in held},
        "globalMappings": {
            PROVIDER_RSA: {"aliases": ["rsa-a"], "active": "rsa-a"},
            DECRYPTION: {"aliases": ["rsa-b", "rsa-c"], "active": "rsa-c"},
        },
        "realm": {"realms": {"alpha": {}}},
    }


@pytest.fixture
def env(tmp_path: Path) -> PublisherEnvironment:
    return PublisherEnvironment(FakeClock(), "respx", tmp_path)


@contextmanager
def _opened(factory: str, env: PublisherEnvironment) -> Iterator[Any]:
    publisher = getattr(_readings(), factory)().open_publisher(_config(), env)
    try:
        yield publisher
    finally:
        publisher.close()


@pytest.mark.parametrize(
    ("factory", "published"), [("every_decryption_alias", 3), ("active_decryption_alias", 2)]
)
def test_each_decryption_reading_publishes_what_it_says(
    factory: str, published: int, env: PublisherEnvironment
) -> None:
    # rsa-a signs; rsa-b and rsa-c decrypt, rsa-c being the active alias.
    with _opened(factory, env) as publisher:
        keys = publisher.http_client.get(f"{ROOT}/connect/jwk_uri").json()["keys"]
    assert len(keys) == published


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        ("jwks_uri_with_a_query", "https://am.jwkconform.test{realm}/connect/jwk_uri?realm=root/alpha"),
        ("jwks_uri_with_the_default_port", "https://am.jwkconform.test:443{realm}/connect/jwk_uri"),
        ("jwks_uri_with_the_ip_literal", "http://127.0.0.1:{port}{realm}/connect/jwk_uri"),
    ],
)  # fmt: skip
def test_each_jwks_uri_reading_advertises_another_form_than_the_request(
    factory: str, expected: str, env: PublisherEnvironment
) -> None:
    realm = f"{ROOT}/realms/alpha"
    with _opened(factory, env) as publisher:
        base = publisher.base_url
        got = publisher.http_client.get(f"{realm}/.well-known/openid-configuration").json()
    assert got["jwks_uri"] == expected.format(realm=realm, port=base.rsplit(":", 1)[-1])
    # Not the one string the suites used to demand.
    assert got["jwks_uri"] != f"{base}{realm}/connect/jwk_uri"


@pytest.mark.parametrize(
    ("factory", "requirement"),
    [
        ("every_decryption_alias", "PUB-14"),
        ("active_decryption_alias", "PUB-14"),
        ("jwks_uri_with_a_query", "PUB-13"),
        ("jwks_uri_with_the_default_port", "PUB-13"),
        ("jwks_uri_with_the_ip_literal", "PUB-13"),
    ],
)
def test_a_lawful_reading_passes_its_requirement(
    pytester: pytest.Pytester, factory: str, requirement: str
) -> None:
    pytester.makepyfile(readings=READINGS)
    result = pytester.runpytest_subprocess(
        *SUITES, "--jwk-adapter", f"readings:{factory}", "--jwk-requirement", requirement,
        "--jwk-strict", "--jwk-report-json", "r.json", timeout=SUITE_TIMEOUT,
    )  # fmt: skip
    rows = by_id(report(pytester.path / "r.json"))
    assert rows[requirement]["verdict"] == "pass", (
        f"{factory}: {rows[requirement]['message']}\n" + "\n".join(result.outlines[-30:])
    )


IN_PROCESS_ONLY = """
from dataclasses import replace

from jwkconform.harness.reference_adapter import ReferenceAdapter


class InProcessOnly(ReferenceAdapter):
    name = "reference publisher served in process only"

    def open_publisher(self, config, env):
        return super().open_publisher(config, replace(env, transport="respx"))


def factory():
    return InProcessOnly()
"""


def test_an_adapter_that_cannot_serve_on_loopback_is_told_why_rt_01_needs_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(in_process_only=IN_PROCESS_ONLY)
    pytester.runpytest_subprocess(
        *SUITES, "--jwk-adapter", "in_process_only:factory", "--jwk-requirement", "RT-01",
        "--jwk-report-json", "r.json", timeout=SUITE_TIMEOUT,
    )  # fmt: skip
    row = by_id(report(pytester.path / "r.json"))["RT-01"]
    assert row["verdict"] == "error", row
    assert "RT-01 needs the publisher on a real port of 127.0.0.1" in row["message"], row
    assert "https://am.jwkconform.test" in row["message"], row
