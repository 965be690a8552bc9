"""The mock JWKS endpoints: one scenario model, served in process (respx) and on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import MappingProxyType

import httpx
import pytest

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.endpoints._faults import (
    ConnectionRefused,
    Fault,
    MalformedJson,
    Oversized,
    Status,
    Timeout,
    WrongContentType,
)
from jwkconform.harness.endpoints._loopback import LoopbackHub, LoopbackJwksServer
from jwkconform.harness.endpoints._respx_transport import MOCK_BASE_URL, respx_client, respx_url
from jwkconform.harness.endpoints._scenario import JwksScenario

DOC1 = {"keys": [{"kty": "oct", "kid": "one"}]}
DOC2 = {"keys": [{"kty": "oct", "kid": "two"}, {"kty": "oct", "kid": "three"}]}

Opener = Callable[..., AbstractContextManager[tuple[str, httpx.Client]]]


@contextmanager
def _in_process(scenario: JwksScenario, timeout: float = 2.0) -> Iterator[tuple[str, httpx.Client]]:
    with respx_client(scenario) as client:
        yield respx_url(scenario), client


@contextmanager
def _on_loopback(
    scenario: JwksScenario, timeout: float = 2.0
) -> Iterator[tuple[str, httpx.Client]]:
    # trust_env=False: a proxy set in the environment must not carry loopback requests.
    with (
        LoopbackJwksServer(scenario) as server,
        httpx.Client(timeout=timeout, trust_env=False) as client,
    ):
        yield server.url, client


@contextmanager
def _on_a_hub(scenario: JwksScenario, timeout: float = 2.0) -> Iterator[tuple[str, httpx.Client]]:
    # Beside another scenario, which must see none of these requests.
    hub, neighbour = LoopbackHub(), JwksScenario(FakeClock(), DOC2)
    try:
        with (
            hub.mount(neighbour),
            hub.mount(scenario) as url,
            httpx.Client(timeout=timeout, trust_env=False) as client,
        ):
            yield url, client
    finally:
        hub.stop()
    assert neighbour.fetches == ()


TRANSPORTS: dict[str, Opener] = {
    "respx": _in_process,
    "loopback": _on_loopback,
    "hub": _on_a_hub,
}


@pytest.fixture(params=sorted(TRANSPORTS))
def open_endpoint(request: pytest.FixtureRequest) -> Opener:
    return TRANSPORTS[request.param]


def test_serves_the_document_as_json(clock: FakeClock, open_endpoint: Opener) -> None:
    scenario = JwksScenario(clock, DOC1)
    with open_endpoint(scenario) as (url, client):
        response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == DOC1


def test_default_document_is_an_empty_set(clock: FakeClock, open_endpoint: Opener) -> None:
    with open_endpoint(JwksScenario(clock)) as (url, client):
        assert client.get(url).json() == {"keys": []}


def test_rotation_follows_the_fake_clock(clock: FakeClock, open_endpoint: Opener) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.serve(DOC2, at=clock.now() + 60)
    with open_endpoint(scenario) as (url, client):
        before = client.get(url).json()
        clock.advance(59.999)
        still = client.get(url).json()
        clock.advance(0.001)
        after = client.get(url).json()
    assert (before, still, after) == (DOC1, DOC1, DOC2)


@pytest.mark.parametrize("code", [500, 404, 204])
def test_status_fault(clock: FakeClock, open_endpoint: Opener, code: int) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.fail(Status(code))
    with open_endpoint(scenario) as (url, client):
        response = client.get(url)
    assert response.status_code == code
    # 204 carries no body by definition; the others carry the fault's JSON body.
    assert response.content == (b"" if code == 204 else b'{"error": "mock"}')
    assert scenario.fetches[-1].outcome == str(code)


def test_refused_is_a_transport_error(clock: FakeClock, open_endpoint: Opener) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.fail(ConnectionRefused())
    with open_endpoint(scenario) as (url, client), pytest.raises(httpx.TransportError):
        client.get(url)
    assert [f.outcome for f in scenario.fetches] == ["refused"]


def test_timeout_fires_the_client_timeout(clock: FakeClock, open_endpoint: Opener) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.fail(Timeout())
    with (
        open_endpoint(scenario, timeout=0.3) as (url, client),
        pytest.raises(httpx.TimeoutException),
    ):
        client.get(url)
    assert [f.outcome for f in scenario.fetches] == ["timeout"]


@pytest.mark.parametrize(
    ("fault", "content_type", "body"),
    [
        (MalformedJson(), "application/json", b'{"keys": ['),
        (MalformedJson(b"\xff not json"), "application/json", b"\xff not json"),
        (WrongContentType(), "text/html", json.dumps(DOC1, separators=(",", ":")).encode()),
        (WrongContentType("text/plain"), "text/plain", None),
    ],
    ids=["malformed", "malformed-bytes", "text-html", "text-plain"],
)
def test_body_faults(
    clock: FakeClock, open_endpoint: Opener, fault: Fault, content_type: str, body: bytes | None
) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.fail(fault)
    with open_endpoint(scenario) as (url, client):
        response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    if body is None:
        assert response.json() == DOC1
    else:
        assert response.content == body


def test_oversized_is_valid_json_of_the_current_keys(
    clock: FakeClock, open_endpoint: Opener
) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.fail(Oversized(size=1_500_000))
    with open_endpoint(scenario) as (url, client):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.content) == 1_500_000
    assert json.loads(response.content)["keys"] == DOC1["keys"]


def test_counted_faults_queue_then_recover(clock: FakeClock, open_endpoint: Opener) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.fail(Status(503), count=2)
    scenario.fail(MalformedJson(), count=1)
    with open_endpoint(scenario) as (url, client):
        responses = [client.get(url) for _ in range(4)]
    assert [r.status_code for r in responses] == [503, 503, 200, 200]
    assert responses[2].content == b'{"keys": ['
    assert responses[3].json() == DOC1


def test_recover_drops_pending_faults(clock: FakeClock, open_endpoint: Opener) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.fail(Status(500))
    scenario.fail(Status(502), count=3)
    with open_endpoint(scenario) as (url, client):
        endless = [client.get(url).status_code for _ in range(3)]
        scenario.recover()
        recovered = client.get(url)
    assert endless == [500, 500, 500]
    assert (recovered.status_code, recovered.json()) == (200, DOC1)


def test_fetch_log_records_time_path_and_outcome(clock: FakeClock, open_endpoint: Opener) -> None:
    scenario = JwksScenario(clock, DOC1)
    start = clock.now()
    with open_endpoint(scenario) as (url, client):
        client.get(url)
        clock.advance(10)
        scenario.fail(Status(500), count=1)
        client.get(url)
        clock.advance(5)
        client.get(url.replace("/jwks.json", "/other"))
        client.get(url)
    assert [(f.at - start, f.path, f.outcome) for f in scenario.fetches] == [
        (0, "/jwks.json", "200"),
        (10, "/jwks.json", "500"),
        (15, "/other", "404"),
        (15, "/jwks.json", "200"),
    ]
    assert scenario.fetch_count() == 3
    assert scenario.fetch_count(since=start + 10) == 2
    assert scenario.fetch_count(since=start + 10.5) == 1


def test_wrong_path_is_a_logged_404(clock: FakeClock, open_endpoint: Opener) -> None:
    scenario = JwksScenario(clock, DOC1, path="/keys")
    scenario.fail(Status(500), count=1)
    with open_endpoint(scenario) as (url, client):
        wrong = client.get(url.replace("/keys", "/jwks.json"))
        right = client.get(url)
    assert (wrong.status_code, wrong.json()) == (404, {"error": "not found"})
    # The wrong path used up no fault: the fault still hit the endpoint's own path.
    assert right.status_code == 500
    assert [(f.path, f.outcome) for f in scenario.fetches] == [
        ("/jwks.json", "404"),
        ("/keys", "500"),
    ]
    assert scenario.fetch_count() == 1


def test_other_methods_are_not_allowed_and_not_logged(
    clock: FakeClock, open_endpoint: Opener
) -> None:
    scenario = JwksScenario(clock, DOC1)
    with open_endpoint(scenario) as (url, client):
        assert client.post(url).status_code == 405
        assert client.head(url).status_code == 405
    assert scenario.fetches == ()


@pytest.mark.parametrize(
    "url",
    [
        "https://other.test/jwks.json",
        "http://jwks.jwkconform.test/jwks.json",
        "https://jwks.jwkconform.test:8443/jwks.json",
        "https://jwks.jwkconform.test.evil/jwks.json",
        "http://127.0.0.1:9/jwks.json",
    ],
)
def test_respx_client_refuses_other_hosts(clock: FakeClock, url: str) -> None:
    scenario = JwksScenario(clock, DOC1)
    with respx_client(scenario) as client, pytest.raises(httpx.ConnectError):
        client.get(url)
    assert scenario.fetches == ()


def test_respx_base_url_with_a_path(clock: FakeClock) -> None:
    scenario = JwksScenario(clock, DOC1)
    base = "http://idp.test:8080/realms/root/"
    with respx_client(scenario, base_url=base) as client:
        response = client.get(respx_url(scenario, base_url=base))
    assert respx_url(scenario) == MOCK_BASE_URL + "/jwks.json"
    assert response.json() == DOC1
    assert scenario.fetches[0].path == "/jwks.json"


def test_respx_scenarios_are_independent(clock: FakeClock) -> None:
    first, second = JwksScenario(clock, DOC1), JwksScenario(clock, DOC2)
    with respx_client(first) as one, respx_client(second) as two:
        assert one.get(respx_url(first)).json() == DOC1
        assert two.get(respx_url(second)).json() == DOC2


def test_loopback_binds_127_0_0_1_only(clock: FakeClock) -> None:
    with LoopbackJwksServer(JwksScenario(clock)) as server:
        assert server.server_address == ("127.0.0.1", server.port)
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}/jwks.json"
        assert server.base_url == f"http://127.0.0.1:{server.port}"


def test_loopback_needs_a_start(clock: FakeClock) -> None:
    server = LoopbackJwksServer(JwksScenario(clock))
    server.stop()  # stopping a server that never started is harmless
    with pytest.raises(RuntimeError, match="not been started"):
        _ = server.url


@pytest.mark.parametrize("held", [False, True], ids=["idle", "after-held-timeout"])
def test_loopback_leaves_no_thread_and_no_open_port(clock: FakeClock, held: bool) -> None:
    scenario = JwksScenario(clock, DOC1)
    before = set(threading.enumerate())
    with (
        LoopbackJwksServer(scenario) as server,
        httpx.Client(timeout=0.3, trust_env=False) as client,
    ):
        assert client.get(server.url).status_code == 200
        if held:
            scenario.fail(Timeout())
            with pytest.raises(httpx.TimeoutException):
                client.get(server.url)
    assert set(threading.enumerate()) - before == set()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(server.server_address, timeout=1.0).close()
    server.stop()  # a second stop is a no-op


def test_loopback_starts_once(clock: FakeClock) -> None:
    with LoopbackJwksServer(JwksScenario(clock)) as server, pytest.raises(RuntimeError):
        server.start()


# The scenario model on its own, without a transport.


def test_serving_in_the_past_applies_now(clock: FakeClock) -> None:
    scenario = JwksScenario(clock, DOC1)
    scenario.serve(DOC2, at=clock.now() + 30)
    clock.advance(40)
    scenario.serve(DOC1, at=clock.now() - 100)
    assert scenario.document_now() == DOC1


def test_equal_times_later_call_wins(clock: FakeClock) -> None:
    scenario = JwksScenario(clock)
    at = clock.now() + 5
    scenario.serve(DOC1, at=at)
    scenario.serve(DOC2, at=at)
    scenario.serve({"keys": []}, at=at + 1)
    clock.advance(5)
    assert scenario.document_now() == DOC2
    clock.advance(1)
    assert scenario.document_now() == {"keys": []}


def test_bytes_are_served_verbatim(clock: FakeClock) -> None:
    scenario = JwksScenario(clock)
    scenario.serve(b'{"keys" : [ ]}')
    answer = scenario.respond("/jwks.json")
    assert (answer.status, answer.body) == (200, b'{"keys" : [ ]}')
    assert scenario.document_now() == b'{"keys" : [ ]}'


def test_documents_are_copied_when_served(clock: FakeClock) -> None:
    document: dict[str, list[dict[str, str]]] = {"keys": []}
    scenario = JwksScenario(clock, MappingProxyType(document))
    document["keys"].append({"kid": "late"})
    assert scenario.document_now() == {"keys": []}


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.fail(Status(500), count=0), ValueError),
        (lambda s: s.serve(DOC1, at=float("nan")), ValueError),
        (lambda s: s.serve({"keys": [object()]}), TypeError),
        (lambda s: s.serve("not a document"), TypeError),
        (lambda s: Status(101), ValueError),
        (lambda s: Oversized(size=0), ValueError),
        (lambda s: JwksScenario(s.clock, path="jwks.json"), ValueError),
        (lambda s: LoopbackJwksServer(s, hold_timeout=0), ValueError),
        (lambda s: respx_client(s, base_url="ftp://x.test"), ValueError),
    ],
)
def test_bad_arguments_are_refused(
    clock: FakeClock, call: Callable[[JwksScenario], object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        call(JwksScenario(clock))
