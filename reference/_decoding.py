"""Undo a response's ``Content-Encoding`` with bounded memory (LOAD-06).

The size cap applies to the decoded body. httpx decodes each network chunk whole, so 980
bytes of ``gzip, gzip`` become a gigabyte before any cap can be checked. Here every coding is
a zlib stream that is never asked for more than `_STEP` bytes at a time, and the reading
stops as soon as the decoded body passes the cap: memory stays near the cap whatever the
server sends.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Final

from jwkconform.reference._errors import LoadError

__all__ = ["ACCEPT_ENCODING", "MAX_CODINGS", "decoded_body"]

# What a request offers: the codings this module can undo with bounded output.
ACCEPT_ENCODING: Final = "gzip, deflate"
# RFC 9110 lets codings stack, and no JWKS server needs more than one; a handful keeps a
# header of thousands of "gzip," from building as many zlib states (tens of KB each).
MAX_CODINGS: Final = 4
# The most any one decompress call may produce.
_STEP: Final = 64 * 1024
_IDENTITY: Final = frozenset({"", "identity"})


class _Inflater:
    """One zlib stream, inflated at most `_STEP` bytes at a time.

    ``fallback`` is the window-bits value to retry with when the very first bytes do not
    parse: servers send ``deflate`` both with and without the zlib wrapper (httpx does the
    same).
    """

    def __init__(self, wbits: int, fallback: int | None = None) -> None:
        self._zlib = zlib.decompressobj(wbits)
        self._fallback = fallback

    def pipe(self, stream: Iterable[bytes]) -> Iterator[bytes]:
        for data in stream:
            yield from self._inflate(data)
        yield from self._inflate(b"")  # output still held by zlib
        if not self._zlib.eof:
            raise zlib.error("the body ends before its compressed stream does")

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        # Bytes after the end of the stream are ignored, as httpx ignores them.
        while not self._zlib.eof:
            out = self._decompress(data)
            data = self._zlib.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < _STEP:
                return  # all input taken and nothing held back

    def _decompress(self, data: bytes) -> bytes:
        try:
            out = self._zlib.decompress(data, _STEP)
        except zlib.error:
            if self._fallback is None:
                raise
            self._zlib = zlib.decompressobj(self._fallback)
            out = self._zlib.decompress(data, _STEP)
        self._fallback = None
        return out


_CODINGS: Final[Mapping[str, Callable[[], _Inflater]]] = {
    "gzip": lambda: _Inflater(zlib.MAX_WBITS | 16),
    "x-gzip": lambda: _Inflater(zlib.MAX_WBITS | 16),
    "deflate": lambda: _Inflater(zlib.MAX_WBITS, fallback=-zlib.MAX_WBITS),
}


def decoded_body(
    url: str, raw: Iterable[bytes], content_encoding: Sequence[str], max_bytes: int
) -> bytes:
    """The body whose bytes on the wire are ``raw``, once the codings listed in
    ``content_encoding`` (header values, in the order applied) are undone; a `LoadError`
    once it passes ``max_bytes``, or if a coding is unknown or corrupt."""
    codings = [c.strip().lower() for value in content_encoding for c in value.split(",")]
    codings = [c for c in codings if c not in _IDENTITY]
    unknown = [c for c in codings if c not in _CODINGS]
    if unknown:
        raise LoadError(url, f"unsupported Content-Encoding {unknown[0]!r}")
    if len(codings) > MAX_CODINGS:
        raise LoadError(url, f"{len(codings)} content codings (at most {MAX_CODINGS})")
    stream: Iterable[bytes] = raw
    for coding in reversed(codings):  # the last coding applied is the first undone
        stream = _CODINGS[coding]().pipe(stream)
    body = bytearray()
    try:
        for piece in stream:
            body += piece
            if len(body) > max_bytes:
                what = "decoded body" if codings else "body"
                raise LoadError(url, f"{what} exceeds the {max_bytes}-byte cap")
    except zlib.error as exc:
        raise LoadError(url, f"corrupt {', '.join(codings)} body: {exc}") from None
    return bytes(body)
