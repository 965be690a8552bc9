"""LOAD-06 on the decoded body: the size cap holds whatever the ``Content-Encoding``, and
memory stays bounded by it while reading (a few compressed bytes can be a gigabyte)."""

from __future__ import annotations

import functools
import gzip
import json
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest
from support import JWKS_URL, StreamingEndpoint

from jwkconform.fixtures import jwk_set, private_jwk, public_jwk
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import JwkSetSecretStore, LoadError

MIB = 1024 * 1024
DOCUMENT = jwk_set(public_jwk(private_jwk("EC-P-256", 0, kid="a")))


@functools.cache
def _double_gzip_bomb() -> bytes:
    """32 MiB of a JSON-looking body, gzipped twice: a few hundred bytes on the wire."""
    inner = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    chunk = b" " * MIB
    once = b"".join(inner.compress(chunk) for _ in range(32)) + inner.flush()
    return gzip.compress(once, 9)


def _padded(size: int) -> bytes:
    body = json.dumps(DOCUMENT).encode()
    return body + b" " * (size - len(body))


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[StreamingEndpoint]:
    served = StreamingEndpoint(clock)
    yield served
    served.client.close()


def _peak_bytes(query: Callable[[], object]) -> tuple[int, BaseException | None]:
    """The peak of Python allocations while ``query`` runs, and what it raised."""
    tracemalloc.start()
    try:
        query()
        raised = None
    except Exception as exc:
        raised = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, raised


def test_load06_double_gzip_bomb_is_refused_with_bounded_memory(server: StreamingEndpoint) -> None:
    bomb = _double_gzip_bomb()
    assert len(bomb) < 2_000
    store = server.store(bomb, "gzip, gzip")
    peak, raised = _peak_bytes(lambda: store.valid("verify"))
    assert isinstance(raised, LoadError), raised
    assert "decoded body exceeds the 1048576-byte cap" in str(raised)
    # The cap (1 MiB) plus one decoding step per coding; the old decoder took 64 MiB here.
    assert peak < 4 * MIB, f"peak {peak / MIB:.1f} MiB"


def test_load06_gzip_bomb_against_a_small_cap(server: StreamingEndpoint) -> None:
    store = server.store(gzip.compress(b" " * (16 * MIB)), "gzip", maxBodyBytes=1000)
    peak, raised = _peak_bytes(lambda: store.valid("verify"))
    assert isinstance(raised, LoadError)
    assert "1000-byte cap" in str(raised)
    assert peak < 1 * MIB


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (gzip.compress, "gzip"),
        (gzip.compress, "x-gzip"),
        (zlib.compress, "deflate"),
        (_raw_deflate, "deflate"),
        (lambda body: gzip.compress(zlib.compress(body)), "deflate, gzip"),
        (lambda body: body, "identity"),
        (gzip.compress, "GZip , identity"),
    ],
    ids=["gzip", "x-gzip", "deflate", "raw-deflate", "deflate-then-gzip", "identity", "case"],
)
def test_load06_cap_applies_to_the_decoded_body(
    server: StreamingEndpoint, encode: Callable[[bytes], bytes], encoding: str
) -> None:
    at_cap = server.store(encode(_padded(1000)), encoding, maxBodyBytes=1000)
    assert [s.stable_id for s in at_cap.valid("verify")] == ["a"]
    over = server.store(encode(_padded(1001)), encoding, maxBodyBytes=1000)
    with pytest.raises(LoadError, match="1000-byte cap"):
        over.valid("verify")


def test_load06_compressed_stream_split_into_small_chunks_decodes(
    server: StreamingEndpoint,
) -> None:
    wire = gzip.compress(_padded(5000))
    chunks = [wire[i : i + 7] for i in range(0, len(wire), 7)]
    store = server.store(chunks, "gzip")
    assert [s.stable_id for s in store.valid("verify")] == ["a"]


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (b"\x1f\x8b garbage", "gzip", "corrupt gzip body"),
        (gzip.compress(_padded(5000))[:-40], "gzip", "ends before its compressed stream"),
        (b"", "gzip", "ends before its compressed stream"),
        (b"{}", "br", "unsupported Content-Encoding 'br'"),
        (b"{}", "compress", "unsupported Content-Encoding 'compress'"),
        (b"{}", ", ".join(["gzip"] * 5), "5 content codings"),
    ],
    ids=["corrupt", "truncated", "empty", "brotli", "compress", "five-codings"],
)
def test_load04_undecodable_body_is_a_load_error(
    server: StreamingEndpoint, body: bytes, encoding: str, message: str
) -> None:
    with pytest.raises(LoadError, match=message):
        server.store(body, encoding).valid("verify")


def test_load05_bomb_on_reload_keeps_the_last_good_set(
    server: StreamingEndpoint, clock: FakeClock
) -> None:
    store = server.store(gzip.compress(_padded(2000)), "gzip")
    assert [s.stable_id for s in store.valid("verify")] == ["a"]
    server.answer(_double_gzip_bomb(), "gzip, gzip")
    clock.advance(120)
    assert [s.stable_id for s in store.valid("verify")] == ["a"]
    assert server.fetches == 2


def test_load06_request_offers_only_the_codings_it_can_undo(server: StreamingEndpoint) -> None:
    store = server.store(json.dumps(DOCUMENT).encode(), None)
    store.valid("verify")
    assert server.last_request is not None
    assert server.last_request.headers["accept-encoding"] == "gzip, deflate"


def test_load06_cap_applies_to_a_body_the_transport_read_already(clock: FakeClock) -> None:
    """An in-process transport (httpx.MockTransport, say) may answer with a body that httpx
    read and decoded at once: the cap still applies to it."""

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-encoding": "gzip"}, content=gzip.compress(_padded(1001))
        )

    with httpx.Client(transport=httpx.MockTransport(respond)) as client:
        config = {"jwkUrl": JWKS_URL, "handler": client, "maxBodyBytes": 1001}
        store = JwkSetSecretStore.from_json(config, clock=clock)
        assert [s.stable_id for s in store.valid("verify")] == ["a"]
        config["maxBodyBytes"] = 1000
        with pytest.raises(LoadError, match="1000-byte cap"):
            JwkSetSecretStore.from_json(config, clock=clock).valid("verify")
