"""``jwkconform serve``: the reference JWK URI publisher on 127.0.0.1.

With no ``--config`` it behaves as a new install: the demo keystore of
`jwkconform.fixtures` with the default mappings, so
``/oauth2/realms/root/connect/rp/jwk_uri`` lists the default signing and encryption keys.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from jwkconform.fixtures import keystore
from jwkconform.reference import ConfigError, PublisherApp, PublisherConfig, PublisherServer

__all__ = ["add_serve_arguments", "load_config", "serve"]

_ENDPOINTS = (
    "/oauth2/realms/root/connect/jwk_uri",
    "/oauth2/realms/root/connect/rp/jwk_uri",
    "/oauth2/realms/root/.well-known/openid-configuration",
)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``jwkconform serve``."""
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="publisher configuration, JSON (docs/publisher.md); default: a new install",
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080; 0 = any free)"
    )


def load_config(path: Path | None) -> PublisherConfig:
    """The configuration in ``path``, or a new install; errors say what is wrong where."""
    demo = PublisherConfig.from_json({"keystore": dict(keystore())}).keystore
    if path is None:
        return PublisherConfig.new_install(demo)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except RecursionError:
        raise ValueError(f"{path} is nested too deeply to read as JSON") from None
    except ValueError as exc:  # not UTF-8, not JSON, or a number beyond the parser's limit
        raise ValueError(f"{path} is not JSON: {exc}") from None
    try:
        return PublisherConfig.from_json(raw, default_keystore=demo)
    except ConfigError as exc:
        raise ValueError(f"{path}: {exc}") from None


def serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; the exit code of ``jwkconform serve``."""
    if not 0 <= args.port <= 65535:
        print(f"jwkconform serve: port {args.port} is out of range", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config)
        server = PublisherServer(PublisherApp(config), port=args.port)
    except (ValueError, OSError) as exc:
        print(f"jwkconform serve: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with server:
        print(f"serving the reference JWK URI publisher at {server.base_url}", flush=True)
        for path in _ENDPOINTS:
            print(f"  {server.base_url}{path}", flush=True)
        stop.wait()
    return 0
