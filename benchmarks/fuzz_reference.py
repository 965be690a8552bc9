"""The robustness measurement at scale: hostile documents and tokens against the reference
store and provider (docs/robustness.md).

    python benchmarks/fuzz_reference.py --documents 100000   # the measurement
    python benchmarks/fuzz_reference.py --documents 2000     # a smoke check

Each document is served twice: as the first load of a new store (it loads, or is a
`LoadError`) and as a reload of a store holding a good set (a failed reload must keep that
set). ``--tokens`` tokens go through `SecretsProvider.verify`, which must answer each one.
Documents and tokens come from a seeded generator: malformed JSON and JWKs, key material off
its curve or out of range, nesting and numbers beyond the JSON parser's limits, bytes cut or
flipped, corrupt, unknown or stacked content codings, and a 980-byte ``gzip, gzip`` body that
inflates to 1 GiB. Prints the outcome counts, the unexpected exceptions (must be 0), the keys
lost by a failed reload (must be 0) and the peak memory (must stay under 200 MB); exits 1
otherwise. Real time is fine here: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import logging
import random
import resource
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from jwkconform.fixtures import jwk_set, private_jwk, public_jwk, sign_token
from jwkconform.harness import FakeClock
from jwkconform.reference import (
    LOGGER_NAME,
    JwkSetSecretStore,
    LoadError,
    SecretsProvider,
    Verification,
)

URL = "https://idp.fuzz.test/jwks"
PEAK_LIMIT_MB = 200
MIB = 1 << 20
KINDS = ("EC-P-256", "EC-P-384", "EC-P-521", "RSA-2048", "OKP-Ed25519", "OKP-X25519")
PRIVATE = [private_jwk(kind, 0, kid=kind) for kind in KINDS]
GOOD = [public_jwk(key) for key in PRIVATE]
GOOD_BODY = json.dumps(jwk_set(*GOOD[:3])).encode()
MEMBERS = (
    *("kty", "crv", "x", "y", "n", "e", "d", "p", "q", "dp", "dq", "qi", "k", "kid"),
    *("use", "key_ops", "alg", "oth", "x5c"),
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _octets(number: int) -> bytes:
    return number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")


def _bomb() -> bytes:
    """1 GiB of spaces, gzipped twice: the 980-byte body of the original measurement."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    chunk = b" " * MIB
    once = b"".join(packer.compress(chunk) for _ in range(1024)) + packer.flush()
    return gzip.compress(once, 9)


class Generator:
    """Seeded hostile documents and tokens."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.bomb = _bomb()
        self.signed = [sign_token(PRIVATE[0], "ES256"), sign_token(PRIVATE[3], "RS256")]

    # -- JSON and members ----------------------------------------------------------------

    def value(self, depth: int = 0) -> Any:
        rng = self.rng
        pick = rng.randrange(9 if depth < 3 else 6)
        leaves: list[Callable[[], Any]] = [
            lambda: None,
            lambda: rng.choice([True, False]),
            lambda: rng.randint(-(10**30), 10**30),
            lambda: rng.random() * 10 ** rng.randint(-5, 300),
            lambda: self.text(),
            lambda: _b64(rng.randbytes(rng.randrange(80))),
        ]
        if pick < len(leaves):
            return leaves[pick]()
        if pick == 6:
            return [self.value(depth + 1) for _ in range(rng.randrange(4))]
        return {self.text(): self.value(depth + 1) for _ in range(rng.randrange(4))}

    def text(self) -> str:
        alphabet = "abcAZ09-_.=/ \u00e9\u0000\ud7ff\U0001f511"
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randrange(10)))

    def member(self) -> Any:
        rng = self.rng
        choices: list[Callable[[], Any]] = [
            lambda: self.value(),
            lambda: _b64(rng.randbytes(rng.choice([0, 1, 31, 32, 33, 48, 66, 256, 300]))),
            lambda: rng.choice(["", "AA", "AQAB", "AQ", "Aw", "P-256", "sig", "RSA", "EC"]),
            lambda: _b64(_octets(rng.choice([0, 1, 2, 3, 65537]) << rng.randrange(2100))),
        ]
        return rng.choice(choices)()

    # -- JWKs and documents --------------------------------------------------------------

    def jwk(self) -> Any:
        rng = self.rng
        base = dict(rng.choice(GOOD + PRIVATE))
        pick = rng.randrange(6)
        if pick == 0:
            return base
        if pick == 1:
            base[rng.choice(MEMBERS)] = self.member()
        elif pick == 2:
            base.pop(rng.choice(MEMBERS), None)
        elif pick == 3 and base["kty"] == "EC":  # a point off its curve, or the origin
            size = len(base["x"]) * 3 // 4
            base["y"] = _b64(bytes(size) if rng.random() < 0.3 else rng.randbytes(size))
        elif pick == 4:
            return {rng.choice(MEMBERS): self.member() for _ in range(rng.randrange(6))}
        else:
            return self.value()
        return base

    def body(self) -> bytes:
        rng = self.rng
        pick = rng.randrange(10)
        if pick <= 3:
            document: Any = {"keys": [self.jwk() for _ in range(rng.randrange(8))]}
            if rng.random() < 0.2:
                document[self.text()] = self.value()
            return json.dumps(document).encode("utf-8", "surrogatepass")
        if pick == 4:
            return json.dumps(self.value()).encode("utf-8", "surrogatepass")
        if pick == 5:  # bytes cut, flipped or inserted in a good document
            body = bytearray(GOOD_BODY)
            for _ in range(rng.randint(1, 4)):
                at = rng.randrange(len(body))
                body[at : at + rng.randrange(4)] = rng.randbytes(rng.randrange(4))
            return bytes(body)
        if pick == 6:  # nesting beyond the parser's limit
            opener = rng.choice([b"[", b'{"a": ', b'{"keys": ['])
            return b'{"keys": ' + opener * rng.randint(900, 100_000)
        if pick == 7:  # a number beyond Python's 4,300-digit conversion limit
            digits = b"9" * rng.randint(4_000, 6_000)
            return b'{"keys": [{"kty": "RSA", "e": ' + digits + b', "n": "AQAB"}]}'
        if pick == 8:
            return rng.randbytes(rng.randrange(300))
        return json.dumps({"keys": [rng.choice(GOOD)] * rng.randint(20, 300)}).encode()

    def document(self) -> tuple[bytes, str | None]:
        rng = self.rng
        if rng.random() < 0.001:
            return self.bomb, "gzip, gzip"
        body = self.body()
        pick = rng.randrange(10)
        codings: list[tuple[Callable[[bytes], bytes], str]] = [
            (gzip.compress, "gzip"),
            (zlib.compress, "deflate"),
            (lambda b: gzip.compress(gzip.compress(b)), "gzip, gzip"),
            (lambda b: gzip.compress(b)[: max(1, len(b) // 2)], "gzip"),  # truncated
            (lambda b: b, "br"),  # not offered: refused
        ]
        if pick < len(codings):
            encode, name = codings[pick]
            return encode(body), name
        return body, None

    def token(self) -> str:
        rng = self.rng
        pick = rng.randrange(6)
        if pick == 0:
            return self.text() * rng.randrange(1, 5)
        if pick == 1:  # the 1.3 KB token: a header of nested arrays
            return f"{_b64(b'[' * rng.randint(900, 3_000))}.e30.c2ln"
        if pick == 2:
            token = list(rng.choice(self.signed))
            for _ in range(rng.randint(0, 3)):
                token[rng.randrange(len(token))] = rng.choice("A_-.=")
            return "".join(token)
        header: Any = {"alg": rng.choice(["ES256", "RS256", "HS256", "EdDSA", "none", 5])}
        if rng.random() < 0.5:
            header["kid"] = rng.choice(["EC-P-256", "RSA-2048", "x", None, self.text()])
        if pick == 3:
            header = self.value()
        raw = json.dumps(header).encode("utf-8", "surrogatepass")
        parts = [_b64(raw), _b64(rng.randbytes(rng.randrange(60))), _b64(rng.randbytes(300))]
        return ".".join(parts[: rng.randint(1, 3)] + (["x"] if pick == 4 else []))


class Endpoint:
    """An in-process JWKS endpoint that streams its body as a network would."""

    def __init__(self) -> None:
        self.body: bytes = GOOD_BODY
        self.encoding: str | None = None
        self.client = httpx.Client(transport=httpx.MockTransport(self._respond))

    def _respond(self, request: httpx.Request) -> httpx.Response:
        headers = {} if self.encoding is None else {"content-encoding": self.encoding}
        return httpx.Response(200, headers=headers, content=iter([self.body]))

    def store(self, clock: FakeClock) -> JwkSetSecretStore:
        return JwkSetSecretStore.from_json({"jwkUrl": URL, "handler": self.client}, clock=clock)


# What a load error says, by the words of its reason (first match wins).
_REASONS: tuple[tuple[str, str], ...] = (
    ("nested too deeply", "nesting beyond the parser"),
    ("digits", "number beyond the parser"),
    ("not JSON", "not JSON"),
    ("not a JWK Set", "not a JWK Set"),
    ("cap", "over the size cap"),
    ("ontent", "content coding refused"),
    ("compressed", "corrupt compressed body"),
    ("corrupt", "corrupt compressed body"),
)


def _reason(error: LoadError) -> str:
    return next((label for words, label in _REASONS if words in error.reason), "other")


def _ids(store: JwkSetSecretStore) -> list[str]:
    return [secret.stable_id for secret in store.valid("verify")]


def measure(documents: int, tokens: int, seed: int) -> tuple[Counter[str], Counter[str]]:
    """Outcome counts, and unexpected exceptions by type."""
    generator = Generator(seed)
    endpoint = Endpoint()
    outcomes: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    for _ in range(documents):
        endpoint.body, endpoint.encoding = generator.document()
        clock = FakeClock()
        try:
            try:
                first: list[str] | None = _ids(endpoint.store(clock))
                outcomes["first load: loaded"] += 1
            except LoadError as error:
                first = None
                outcomes[f"first load: load error, {_reason(error)}"] += 1
            hostile = endpoint.body, endpoint.encoding
            endpoint.body, endpoint.encoding = GOOD_BODY, None
            store = endpoint.store(clock)
            before = _ids(store)
            endpoint.body, endpoint.encoding = hostile
            clock.advance(120)
            after = _ids(store)
            if first is None:
                outcomes["reload: failed, last good set kept" if after == before else "LOST"] += 1
            else:
                outcomes["reload: new set" if after == first else "LOST"] += 1
        except Exception as exc:
            unexpected[f"document: {type(exc).__name__}"] += 1
    provider_clock = FakeClock()
    endpoint.body, endpoint.encoding = json.dumps(jwk_set(*GOOD)).encode(), None
    provider = SecretsProvider(
        endpoint.store(provider_clock), verification_secret_id="x", clock=provider_clock
    )
    for _ in range(tokens):
        try:
            result = provider.verify(generator.token())
            assert isinstance(result, Verification)
            outcomes["token: verified" if result.verified else "token: invalid"] += 1
        except Exception as exc:
            unexpected[f"token: {type(exc).__name__}"] += 1
    endpoint.client.close()
    return outcomes, unexpected


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (MIB if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB elsewhere


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000, help="default 100,000")
    parser.add_argument("--tokens", type=int, default=12_000, help="default 12,000")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.getLogger(LOGGER_NAME).setLevel(logging.ERROR)  # a skipped JWK logs a line each
    start = time.perf_counter()
    outcomes, unexpected = measure(args.documents, args.tokens, args.seed)
    elapsed = time.perf_counter() - start
    peak = _peak_mb()
    print(f"documents: {args.documents:,} (each a first load and a reload), tokens: "
          f"{args.tokens:,}, seed {args.seed}")  # fmt: skip
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome}: {count:,}")
    by_type = "".join(f"\n  {name}: {count:,}" for name, count in sorted(unexpected.items()))
    print(f"unexpected exceptions: {sum(unexpected.values()):,}{by_type}")
    print(f"keys lost by a failed reload: {outcomes['LOST']:,}")
    print(f"peak memory: {peak:,.0f} MB (limit {PEAK_LIMIT_MB} MB)")
    print(f"duration: {elapsed:,.0f} s")
    return 0 if not unexpected and not outcomes["LOST"] and peak < PEAK_LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
