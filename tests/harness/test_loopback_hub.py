"""`LoopbackHub`: many scenarios on one loopback server, each closed on its own."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from support import request_threads

from jwkconform.harness import Target
from jwkconform.harness.endpoints import _loopback
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.endpoints._faults import Timeout, Trickle
from jwkconform.harness.endpoints._loopback import LoopbackHub
from jwkconform.harness.endpoints._scenario import JwksScenario
from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.harness.seam._adapter import Transport
from jwkconform.suites._store_checks import transports

ONE = {"keys": [{"kty": "oct", "kid": "one"}]}
TWO = {"keys": [{"kty": "oct", "kid": "two"}]}


@pytest.fixture
def hub() -> Iterator[LoopbackHub]:
    hub = LoopbackHub()
    yield hub
    hub.stop()


def _client(timeout: float = 2.0) -> httpx.Client:
    return httpx.Client(timeout=timeout, trust_env=False)


def _held_in_background(url: str) -> tuple[threading.Thread, list[BaseException | int]]:
    """A GET of ``url`` in a thread of its own; what it got lands in the list."""
    got: list[BaseException | int] = []

    def get() -> None:
        try:
            with _client(timeout=30.0) as client:
                got.append(client.get(url).status_code)
        except httpx.HTTPError as exc:
            got.append(exc)

    thread = threading.Thread(target=get, daemon=True)
    thread.start()
    return thread, got


def _wait_for(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.005)


def test_each_mount_serves_its_own_scenario_on_one_port(hub: LoopbackHub) -> None:
    first, second = JwksScenario(FakeClock(), ONE), JwksScenario(FakeClock(), TWO)
    with hub.mount(first) as one, hub.mount(second) as two, _client() as client:
        assert urlsplit(one).port == urlsplit(two).port
        assert one != two
        assert urlsplit(one).hostname == "127.0.0.1"
        assert client.get(one).json() == ONE
        assert client.get(two).json() == TWO
        assert client.get(two).json() == TWO
    assert [f.path for f in first.fetches] == ["/jwks.json"]
    assert [f.path for f in second.fetches] == ["/jwks.json", "/jwks.json"]


def test_a_wrong_path_under_a_mount_is_that_scenarios_404(hub: LoopbackHub) -> None:
    scenario = JwksScenario(FakeClock(), ONE)
    with hub.mount(scenario) as url, _client() as client:
        wrong = url.removesuffix("/jwks.json") + "/other.json"
        assert client.get(wrong).status_code == 404
    assert [(f.path, f.outcome) for f in scenario.fetches] == [("/other.json", "404")]


def test_a_closed_mount_answers_nothing_and_logs_nothing(hub: LoopbackHub) -> None:
    closed, open_ = JwksScenario(FakeClock(), ONE), JwksScenario(FakeClock(), TWO)
    with hub.mount(open_) as still_there, _client() as client:
        with hub.mount(closed) as url:
            assert client.get(url).json() == ONE
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(url)
        assert client.get(still_there).json() == TWO
    assert len(closed.fetches) == 1
    assert len(open_.fetches) == 1


def test_a_path_under_no_mount_is_the_only_open_scenarios_404(hub: LoopbackHub) -> None:
    only, other = JwksScenario(FakeClock(), ONE), JwksScenario(FakeClock(), TWO)
    with hub.mount(only) as url, _client() as client:
        root = f"http://127.0.0.1:{urlsplit(url).port}"
        assert client.get(root + "/.well-known/openid-configuration").status_code == 404
        # Two stores open: nobody's to charge, so nobody's log.
        with hub.mount(other), pytest.raises(httpx.RemoteProtocolError):
            client.get(root + "/")
    assert [(f.path, f.outcome) for f in only.fetches] == [
        ("/.well-known/openid-configuration", "404")
    ]
    assert other.fetches == ()


def test_an_idle_connection_is_closed(hub: LoopbackHub, monkeypatch: pytest.MonkeyPatch) -> None:
    assert 0 < _loopback._Handler.timeout <= 30, "an idle connection would hold a thread"
    monkeypatch.setattr(_loopback._Handler, "timeout", 0.2)
    with hub.mount(JwksScenario(FakeClock(), ONE)) as url:
        port = urlsplit(url).port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=5.0) as idle:
            _wait_for(lambda: len(request_threads()) == 1)
            # No request sent: the server gives up on it and its thread ends.
            _wait_for(lambda: request_threads() == [])
            assert idle.recv(1) == b""


def test_closing_a_mount_ends_its_held_request_and_no_other(hub: LoopbackHub) -> None:
    held, other = JwksScenario(FakeClock(), ONE), JwksScenario(FakeClock(), TWO)
    held.fail(Timeout())
    other.fail(Timeout())
    with hub.mount(other) as other_url:
        other_thread, other_got = _held_in_background(other_url)
        with hub.mount(held, hold_timeout=30.0) as url:
            thread, got = _held_in_background(url)
            _wait_for(lambda: len(held.fetches) == 1 and len(other.fetches) == 1)
            started = time.monotonic()
        # Leaving the block released the request and joined its server thread.
        thread.join(5.0)
        assert time.monotonic() - started < 5.0
        assert len(got) == 1
        assert isinstance(got[0], httpx.HTTPError)
        assert other_thread.is_alive(), "the other mount's request ended"
        assert other_got == []
        assert len(request_threads()) == 1
    other_thread.join(5.0)
    assert request_threads() == []


def test_closing_a_mount_cuts_its_trickle_short(hub: LoopbackHub) -> None:
    scenario = JwksScenario(FakeClock(), ONE)
    scenario.fail(Trickle(seconds=20.0))
    started = time.monotonic()
    with hub.mount(scenario) as url:
        connection = http.client.HTTPConnection("127.0.0.1", urlsplit(url).port, timeout=5.0)
        connection.request("GET", urlsplit(url).path)
        response = connection.getresponse()
        assert response.status == 200
        response.read(1)
    connection.close()
    assert time.monotonic() - started < 5.0
    _wait_for(lambda: request_threads() == [])


def test_stop_closes_the_port_and_a_later_mount_starts_a_new_server() -> None:
    hub = LoopbackHub()
    hub.stop()  # a hub that never served stops quietly
    scenario = JwksScenario(FakeClock(), ONE)
    with hub.mount(scenario) as url, _client() as client:
        assert client.get(url).json() == ONE
        hub.stop()  # while mounted: the block's end must not fail
        with pytest.raises(httpx.ConnectError):
            client.get(url)
    with hub.mount(scenario) as again, _client() as client:
        assert client.get(again).json() == ONE
    hub.stop()
    hub.stop()
    # This hub's threads, by the ports in their names: other tests of this worker may
    # still have servers of their own.
    ports = {httpx.URL(u).port for u in (url, again)}
    names = {f"jwkconform-loopback-{port}" for port in ports}
    assert not [t for t in threading.enumerate() if t.name.removesuffix("-request") in names]


@pytest.mark.parametrize("hold", [0.0, -1.0, float("inf"), float("nan")])
def test_a_bad_hold_timeout_is_refused(hub: LoopbackHub, hold: float) -> None:
    scenario = JwksScenario(FakeClock())
    with pytest.raises(ValueError, match="hold_timeout"), hub.mount(scenario, hold_timeout=hold):
        pass


@pytest.mark.parametrize("own", ["respx", "loopback"])
def test_every_transport_a_test_asks_for_is_the_one_its_stores_use(own: Transport) -> None:
    # The LOAD-06 tests read each body both in process and over a socket: a copy switched to
    # loopback that still answered in process would never see a compressed body on the wire.
    seen: list[tuple[str, str | None]] = []
    for target in transports(Target(ReferenceAdapter(), "ref", own)):
        with target.open_store(document={"keys": []}) as rig:
            seen.append((target.transport, urlsplit(rig.env.jwks_url).hostname))
    expected = [("respx", "jwks.jwkconform.test"), ("loopback", "127.0.0.1")]
    assert seen == (expected if own == "respx" else expected[1:])
