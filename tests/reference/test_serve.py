"""``jwkconform serve`` as a real subprocess on 127.0.0.1: what it serves, how it stops, and
how it refuses a bad configuration or port.

Each server runs from an empty folder (so the repository root never shadows the installed
package) with ``--port 0``; its address is read from the banner line with a bounded wait.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

ROOT = "/oauth2/realms/root"
BANNER = re.compile(r"serving .* at (http://127\.0\.0\.1:(\d+))$")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")


def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(folder)
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "jwkconform", "serve", *args]


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)  # end of output: the process closed stdout


def _banner(lines: queue.Queue[str | None]) -> tuple[str, int]:
    """The base URL and port of the banner line, read within START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        assert line is not None, "the server exited before its banner line"
        found = BANNER.search(line)
        if found:
            return found[1], int(found[2])
    raise AssertionError(f"no banner line within {START_TIMEOUT} s")


@contextmanager
def _serving(folder: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str, int]]:
    """Start ``jwkconform serve --port 0 ARGS``; yield the process, base URL and port."""
    process = subprocess.Popen(
        _command("--port", "0", *args),
        cwd=folder,
        env=_env(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
        base, port = _banner(lines)
        yield process, base, port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _refused(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``jwkconform serve ARGS`` expecting it to exit on its own."""
    return subprocess.run(
        _command(*args),
        cwd=folder,
        env=_env(folder),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )


def _port_is_closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


@posix_only
def test_serve_new_install_publishes_defaults_and_stops_on_sigterm(tmp_path: Path) -> None:
    with _serving(tmp_path) as (process, base, port):
        with httpx.Client(base_url=base, timeout=5) as client:
            response = client.get(ROOT + "/connect/rp/jwk_uri")
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/json"
            keys = response.json()["keys"]
            assert [key["use"] for key in keys] == ["sig", "enc"]
            assert all(key["kty"] == "RSA" and "d" not in key for key in keys)

            discovery = client.get(ROOT + "/.well-known/openid-configuration").json()
            assert discovery["jwks_uri"] == f"{base}{ROOT}/connect/jwk_uri"
            assert discovery["issuer"] == f"{base}{ROOT}"

            provider = client.get(discovery["jwks_uri"])
            assert provider.status_code == 200
            assert len(provider.json()["keys"]) == 5

            missing = client.get(ROOT + "/realms/nowhere/connect/rp/jwk_uri")
            assert missing.status_code == 404
            assert missing.headers["content-type"] == "application/json"

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=STOP_TIMEOUT) == 0
        assert _port_is_closed(port)


def test_serve_with_an_upgraded_install_config_publishes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "publisher.json"
    config.write_text(json.dumps({"globalMappings": {}}), encoding="utf-8")
    with _serving(tmp_path, "--config", str(config)) as (_, base, _port):
        response = httpx.get(base + ROOT + "/connect/rp/jwk_uri", timeout=5)
        assert response.status_code == 200
        assert response.json() == {"keys": []}


def test_serve_refuses_a_config_with_an_unknown_member(tmp_path: Path) -> None:
    config = tmp_path / "publisher.json"
    bad = {"globalMappings": {"X": {"aliases": ["test"], "primary": "test"}}}
    config.write_text(json.dumps(bad), encoding="utf-8")
    completed = _refused(tmp_path, "--port", "0", "--config", str(config))
    assert completed.returncode == 2
    assert "globalMappings.X.primary" in completed.stderr
    assert str(config) in completed.stderr
    assert "serving" not in completed.stdout


def test_serve_refuses_a_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    completed = _refused(tmp_path, "--port", "0", "--config", str(missing))
    assert completed.returncode == 2
    assert f"cannot read {missing}" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_serve_refuses_a_config_that_is_not_json(tmp_path: Path) -> None:
    config = tmp_path / "publisher.json"
    config.write_text("globalMappings: {}\n", encoding="utf-8")
    completed = _refused(tmp_path, "--port", "0", "--config", str(config))
    assert completed.returncode == 2
    assert "is not JSON" in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("port", ["65536", "-1"])
def test_serve_refuses_a_port_out_of_range(tmp_path: Path, port: str) -> None:
    completed = _refused(tmp_path, f"--port={port}")
    assert completed.returncode == 2
    assert f"port {port} is out of range" in completed.stderr


def _deep_realms(depth: int) -> str:
    return '{"realm": ' + '{"realms": {"r": ' * depth + "{}" + "}}" * depth + "}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(_deep_realms(2_000).encode(), "nested too deeply", id="json-too-deep"),
        pytest.param(_deep_realms(100).encode(), "realms nest more than 32", id="realms-too-deep"),
        pytest.param(
            b'{"globalMappings": {}, "n": ' + b"9" * 5_000 + b"}", "not JSON", id="digits"
        ),
        pytest.param(b'{"globalMappings": "\xff"}', "not JSON", id="not-utf-8"),
    ],
)
def test_serve_refuses_an_unreadable_config_in_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    config = tmp_path / "publisher.json"
    config.write_bytes(content)
    completed = _refused(tmp_path, "--port", "0", "--config", str(config))
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr[-2000:]
    assert message in lines[0]
    assert str(config) in lines[0]
