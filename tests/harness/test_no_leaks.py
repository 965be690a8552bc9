"""The loopback transport leaves nothing behind: no server thread, no listening socket.

Threads are compared by identity before and after; a new thread gets a bounded join
(the loopback server's own stop() bound) before it counts as leaked. Listening sockets are
read from /proc (Linux only): the LISTEN entries (state 0A) on 127.0.0.1 whose inode is
one of this process's file descriptors.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support import request_threads

from jwkconform.harness import ConfigRefused, LoadFailed, Target, Timeout
from jwkconform.harness.reference_adapter import ReferenceAdapter

PROC_TCP = Path("/proc/self/net/tcp")
LOOPBACK_HEX = "0100007F"  # 127.0.0.1, as /proc/net/tcp writes it
LISTEN = "0A"
SERVER_THREAD = re.compile(r"loopback|serve|process_request|http", re.IGNORECASE)
JOIN_WITHIN = 5.0  # LoopbackJwksServer.stop() joins its threads within this bound
EMPTY_SET: dict[str, list[object]] = {"keys": []}


def _own_socket_inodes() -> set[str]:
    inodes: set[str] = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:  # closed while we looked
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:[") : -1])
    return inodes


def _listening_loopback_ports() -> set[int] | None:
    """Ports this process listens on at 127.0.0.1, or None where /proc cannot tell."""
    if not sys.platform.startswith("linux") or not PROC_TCP.exists():
        return None
    mine = _own_socket_inodes()
    ports: set[int] = set()
    for line in PROC_TCP.read_text(encoding="ascii").splitlines()[1:]:
        fields = line.split()
        host, port = fields[1].split(":")
        if fields[3] == LISTEN and host == LOOPBACK_HEX and fields[9] in mine:
            ports.add(int(port, 16))
    return ports


@dataclass
class Baseline:
    threads: set[threading.Thread]
    ports: set[int] | None

    def leaked_threads(self) -> list[str]:
        """New threads still alive after a bounded join that are non-daemon or look like a
        server's."""
        deadline = time.monotonic() + JOIN_WITHIN
        leaked = []
        for thread in set(threading.enumerate()) - self.threads:
            if thread.daemon and not SERVER_THREAD.search(thread.name):
                continue
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                leaked.append(f"{thread.name} (daemon={thread.daemon})")
        return sorted(leaked)

    def new_listening_ports(self) -> set[int]:
        now = _listening_loopback_ports()
        if self.ports is None or now is None:
            pytest.skip("listening sockets are read from /proc/self/net/tcp (Linux only)")
        return now - self.ports

    def assert_clean(self) -> None:
        assert self.leaked_threads() == []
        assert self.new_listening_ports() == set()


@pytest.fixture
def baseline() -> Baseline:
    return Baseline(set(threading.enumerate()), _listening_loopback_ports())


@pytest.fixture
def hypothesis_profile_restored() -> Iterator[None]:
    """An in-process run with --jwk-profile loads that profile process-wide; undo it."""
    from hypothesis import settings

    name = settings.get_current_profile_name()
    yield
    settings.load_profile(name)


def _loopback_target() -> Target:
    return Target(ReferenceAdapter(), "ref", "loopback")


def test_the_suites_on_loopback_leave_no_thread_or_socket(
    pytester: pytest.Pytester, baseline: Baseline, hypothesis_profile_restored: None
) -> None:
    # In process, so that this process's threads and sockets are the run's. The dev profile
    # is named because without --jwk-profile Hypothesis runs its own default of 100 examples.
    result = pytester.runpytest(
        "--pyargs",
        "jwkconform.suites",
        "--jwk-transport",
        "loopback",
        "--jwk-profile",
        "dev",
        "-p",
        "no:cacheprovider",
        "--jwk-report-json",
        "r.json",
    )
    baseline.assert_clean()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-5000:]
    assert result.parseoutcomes()["passed"] > 0
    assert '"transport": "loopback"' in (pytester.path / "r.json").read_text(encoding="utf-8")


def test_twenty_loopback_stores_leave_no_thread_or_socket(baseline: Baseline) -> None:
    with _loopback_target() as target:
        for index in range(20):
            with target.open_store(document=EMPTY_SET) as rig:
                assert list(rig.store.valid("verify")) == []
                if index == 0:  # the checks can see a live server at all
                    port = urlsplit(rig.env.jwks_url).port
                    assert port is not None
                    assert rig.env.jwks_url.startswith("http://127.0.0.1:")
                    threads = threading.enumerate()
                    assert any(t.name.startswith("jwkconform-loopback") for t in threads)
                    assert port in (_listening_loopback_ports() or {port})
        # The stores share one server, which lives as long as the target.
        assert len(baseline.new_listening_ports()) == 1
    baseline.assert_clean()


def test_a_held_request_is_released_when_the_store_closes(baseline: Baseline) -> None:
    with _loopback_target() as target:
        with target.open_store(document=EMPTY_SET) as rig:
            rig.jwks.fail(Timeout())
            with pytest.raises(LoadFailed):
                rig.store.valid("verify")  # the client gives up; the server still holds it
            assert request_threads() != []
        # Before the server stops: closing the store ended the request it held.
        assert request_threads() == []
    baseline.assert_clean()


def test_a_refused_configuration_still_ends_the_stores_requests(baseline: Baseline) -> None:
    with _loopback_target() as target:
        with (
            pytest.raises(ConfigRefused),
            target.open_store({"cacheTimeout": "banana"}, document=EMPTY_SET),
        ):
            pass
        assert request_threads() == []
    baseline.assert_clean()


def _query_then_fail(target: Target) -> None:
    with target.open_store(document=EMPTY_SET) as rig:
        rig.store.valid("verify")
        raise ZeroDivisionError


def test_a_failing_test_body_still_stops_the_server(baseline: Baseline) -> None:
    with _loopback_target() as target, pytest.raises(ZeroDivisionError):
        _query_then_fail(target)
    baseline.assert_clean()


def test_a_target_never_closed_stops_its_server_when_collected(baseline: Baseline) -> None:
    target = _loopback_target()
    with target.open_store(document=EMPTY_SET) as rig:
        rig.store.valid("verify")
    del target, rig
    gc.collect()
    baseline.assert_clean()
