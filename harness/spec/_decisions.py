"""Decisions where the requirement catalogue is silent or ambiguous, as data.

Each decision says which question the catalogue left open, what jwkconform decided, why,
and which requirements it bears on. The reference behaves this way; the suites test a
decision only where ``tested`` is true (otherwise either answer conforms). The specification
(``jwkconform spec``, docs/spec.md) prints the decisions under the requirements they apply
to, and docs/decisions.md is rendered from this table.

>>> decision("D-20").applies_to
('KID-02', 'KID-05', 'PUR-05')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from jwkconform.harness.spec._decision import Decision
from jwkconform.harness.spec._decisions_revised import REVISED

__all__ = ["DECISIONS", "Decision", "decision", "decisions_for"]


_ROWS: tuple[Decision, ...] = (
    Decision(
        id="D-1",
        question="What is the stable ID of a JWK without `kid`?",
        answer="Its RFC 7638 thumbprint (SHA-256, base64url).",
        why="The vendor's stable ID is the `kid`; a key without one still needs a name that stays"
        " the same from one load to the next.",
        applies_to=("KID-01", "ORD-02"),
    ),
    Decision(
        id="D-2",
        question="Several JWKs share a `kid` but serve different purposes: which is the named"
        " secret?",
        answer="The first JWK in set order whose `kid` matches and which fits the purpose asked"
        " for.",
        why="A decoy with the same `kid` and another `use` must not hide the real key; the OpenID"
        " conformance suite checks the same thing.",
        applies_to=("KID-04", "KID-05"),
        tested=True,
        tightens=(
            ("KID-04", "the first of them in the set's order that fits the purpose asked for"),
        ),
    ),
    Decision(
        id="D-3",
        question='Which purposes does "every purpose its key type supports" (PUR-03) cover?',
        answer="RSA, EC and `oct` keys: signatures and encryption. Ed25519 and Ed448: signatures"
        " only. X25519 and X448: encryption only. A JWK whose `use` claims what its type cannot do"
        " fits nothing.",
        why="Key types are not interchangeable: an X25519 key cannot check a signature.",
        applies_to=("PUR-03",),
        tested=True,
        tightens=(
            (
                "PUR-03",
                "an Ed25519 or Ed448 key only verifies, an X25519 or X448 key only encrypts",
            ),
            ("PUR-03", "A JWK whose `use` claims what its key type cannot do fits nothing"),
        ),
    ),
    Decision(
        id="D-4",
        question="Does PUR-07 cover encryption too, and `file:` sets?",
        answer="A symmetric key in a remote (`http(s)`) set is skipped at load for every purpose,"
        " with a log line. A `file:` set may hold symmetric keys and they are used.",
        why="A key anyone can download is no secret, whatever it is used for; a local file is as"
        " private as the gateway's own configuration.",
        applies_to=("PUR-07",),
        tightens=(("PUR-07", "An `oct` key of a `file:` set is a local secret: it may verify"),),
    ),
    Decision(
        id="D-5",
        question="How soon may a store try again after a failed load?",
        answer="`loaded_at` stays at the last success. The reference makes no new fetch for"
        " min(`cacheMissCacheTime`, 10 s) after a failed attempt, first load included (which"
        " then raises its load error).",
        why="Without a pause an outage turns every query into a fetch; the pause never exceeds the"
        " user's own miss window, which CACHE-06 allows.",
        applies_to=("LOAD-05", "CACHE-06"),
    ),
    Decision(
        id="D-6",
        question="CACHE-01 against CACHE-03 when `cacheMissCacheTime` is shorter than"
        " `cacheTimeout`.",
        answer="While the set is fresh, the only query that may fetch is a `kid` miss made once"
        " `cacheMissCacheTime` has passed since the last successful load.",
        why="CACHE-01's parenthesis names misses inside the miss window; CACHE-03 allows the"
        " others.",
        applies_to=("CACHE-01", "CACHE-03"),
        tested=True,
    ),
    Decision(
        id="D-7",
        question="What does `cacheTimeout: unlimited` mean?",
        answer="Accepted: the set never goes stale by time, and `kid` misses still reload by"
        " `cacheMissCacheTime`. `cacheMissCacheTime: unlimited` means misses never reload.",
        why="Unlimited is not lower than 10 s, so CFG-04 does not replace it.",
        applies_to=("CFG-04", "CFG-07"),
        tested=True,
    ),
    Decision(
        id="D-8",
        question="Which duration texts are valid?",
        answer="Whole ASCII numbers with a unit, pieces joined by `,`, `and` or white space, or one"
        " keyword alone. Left-over text, decimals, negatives and numbers without a unit are"
        " refused.",
        why="CFG-08: the vendor parser silently drops what it cannot read, which hides mistakes.",
        applies_to=("CFG-07", "CFG-08"),
        tested=True,
    ),
    Decision(
        id="D-9",
        question="What does a verification report as tried?",
        answer="The stable IDs whose signature check ran, in order. A secret whose constraints do"
        " not fit the token's `alg` is not tried; the reason lists it.",
        why="The check that ran is what ORD-02 observes.",
        applies_to=("ORD-02", "PUR-05"),
        tested=True,
        tightens=(("PUR-05", "or even tried against it"),),
    ),
    Decision(
        id="D-10",
        question="Must the JWK Set response carry a JSON content type?",
        answer="No: any 200 body that parses as a JWK Set loads.",
        why="Many servers send `text/plain` or `application/octet-stream`; the body decides.",
        applies_to=("LOAD-01", "LOAD-04"),
        tested=True,
        tightens=(("LOAD-01", "loads whatever its `Content-Type` says"),),
    ),
    Decision(
        id="D-11",
        question="How long must an HMAC key be?",
        answer="HS256, HS384 and HS512 need keys of at least 256, 384 and 512 bits.",
        why="RFC 7518 section 3.2.",
        applies_to=("PUR-05",),
        tested=True,
        tightens=(
            ("PUR-05", "HS256, HS384 and HS512 take `oct` keys of at least 256, 384 and 512 bits"),
        ),
    ),
    Decision(
        id="D-12",
        question="May a provider cache a named miss or an empty list of valid secrets?",
        answer="No: the reference's provider asks the store again for both.",
        why="A rotated-in key must work at once (CACHE-04).",
        applies_to=("CACHE-04", "LEASE-02"),
    ),
    Decision(
        id="D-13",
        question="What do the `sign` and `decrypt` purposes (MAY) serve?",
        answer="JWKs of a local set that hold private members. `Secret.jwk` never carries private"
        " members; the key object does.",
        why="A local set may hold the gateway's own keys.",
        applies_to=("PUR-03",),
    ),
    Decision(
        id="D-14",
        question="When is a purpose that is not a crypto key refused?",
        answer="At once, before any fetch, with its own error.",
        why="A password query must never see a JWK, and need not cost a fetch.",
        applies_to=("LOAD-02",),
    ),
    Decision(
        id="D-15",
        question="Configuration members beyond the gateway's JSON.",
        answer="`handler` is an HTTP client object; `maxBodyBytes` (a positive integer, default"
        " 1 MiB) sets the LOAD-06 cap; `fetchTimeout` (a duration, default 10 seconds) is the"
        " real-time deadline of a whole fetch (D-24). Any other unknown member is refused.",
        why="The gateway's heap reference has no meaning outside the gateway.",
        applies_to=("CFG-09", "LOAD-06"),
    ),
    Decision(
        id="D-16",
        question="`use` and `key_ops` values outside RFC 7517's lists.",
        answer="Kept (the RFC allows them) but they fit no purpose. `key_ops` must be a list of"
        " distinct strings, or the JWK is skipped.",
        why="RFC 7517 sections 4.2 and 4.3.",
        applies_to=("PUR-01", "LOAD-03"),
        tightens=(("LOAD-03", "a `key_ops` that is not a list of distinct strings"),),
    ),
    Decision(
        id="D-17",
        question="Does the default client follow redirects?",
        answer="No: a status other than 200 is a load error. A `handler` that follows redirects can"
        " be supplied.",
        why="LOAD-04 and LOAD-05 name a status other than 200 as a failure.",
        applies_to=("LOAD-05", "CFG-09"),
    ),
    Decision(
        id="D-18",
        question="A `kid` miss in the same instant as a load.",
        answer="A set loaded at this very instant is not reloaded for a miss, even with"
        " `cacheMissCacheTime: zero`.",
        why="One query never makes two fetches.",
        applies_to=("CACHE-03",),
    ),
    Decision(
        id="D-19",
        question="Does verification check claims such as `exp`, `iss` or `aud`?",
        answer="No: the provider checks signatures only; claims belong to the caller.",
        why="The catalogue specifies how keys are found, not how tokens are validated.",
        applies_to=("ORD-02",),
    ),
    Decision(
        id="D-20",
        question="A `kid` names a JWK whose constraints do not fit the token (another `alg`, a"
        " wrong curve, an RSA key under 2048 bits).",
        answer="That JWK is still the named secret; it cannot verify, so the token is invalid and"
        " no other key is tried.",
        why="KID-02: the named secret alone decides. KID-05's no-match is about purpose, not"
        " algorithm.",
        applies_to=("KID-02", "KID-05", "PUR-05"),
        tested=True,
        tightens=(("KID-02", "is the named secret even when it does not fit the token"),),
    ),
    Decision(
        id="D-21",
        question='CACHE-03 says a miss reloads "only if" the miss window has passed.',
        answer='Read as "when and only when": once the window has passed, a miss reloads.',
        why="The vendor's store reloads then, and CACHE-04 presumes it.",
        applies_to=("CACHE-03", "CACHE-04"),
        tested=True,
        tightens=(("CACHE-03", "when, and only when,"),),
    ),
    Decision(
        id="D-22",
        question="Which curves load?",
        answer="EC keys on P-256, P-384 and P-521 and OKP keys on Ed25519, Ed448, X25519 and X448;"
        " any other curve (secp256k1 included) is skipped with a log line.",
        why="No algorithm the catalogue accepts can use the others (LOAD-03).",
        applies_to=("LOAD-03",),
    ),
    Decision(
        id="D-23",
        question="Which durations are too large for the implementation's time arithmetic (CFG-08)?",
        answer="Anything over 2^32 seconds (about 136 years) is refused at configuration, naming"
        " the member and quoting the value; `unlimited` stays a keyword of its own.",
        why="A clock reading plus such a duration stays below 2^33 s, where a double still"
        " resolves a microsecond: an accepted value never makes a later query fail.",
        applies_to=("CFG-08",),
        tested=True,
        tightens=(
            (
                "CFG-08",
                "over 2^32 seconds (about 136 years): 2^32 seconds itself is accepted",
            ),
        ),
    ),
    Decision(
        id="D-24",
        question="What bounds a fetch as a whole (CFG-09)?",
        answer="One real-time deadline, `fetchTimeout` (default 10 seconds), covers connecting,"
        " headers and body together, whatever client fetches; each phase time-out of the"
        " client is capped at it. Zero, unlimited or too large is refused, not corrected.",
        why="A per-read time-out lets a server that sends a byte now and then hold a load open"
        " for ever; refusing a nonsensical deadline beats silently picking another.",
        applies_to=("CFG-09", "LOAD-05"),
        tested=True,
    ),
    Decision(
        id="D-25",
        question="How does the size cap meet `Content-Encoding` (LOAD-06)?",
        answer="The store asks for `gzip, deflate`, undoes `gzip`, `x-gzip`, `deflate` and"
        " `identity` (at most four stacked) a bounded step at a time, and stops as soon as"
        " the decoded body passes the cap. Another coding, or a corrupt or truncated body, is"
        " a load error.",
        why="A few hundred compressed bytes can decode to gigabytes; only a cap on the decoded"
        " stream, enforced while decoding, bounds memory.",
        applies_to=("LOAD-06", "LOAD-04"),
        tested=True,
    ),
    Decision(
        id="D-26",
        question="Which key material is invalid (LOAD-03)?",
        answer="An EC point off its curve, at the origin or with coordinates of the wrong length;"
        " an RSA modulus that is even, shorter than 2048 bits (the least any accepted"
        " algorithm takes) or longer than 16384; an RSA public exponent that is even, below 3"
        " or not below 2^256 (the range SP 800-56B and FIPS 186 allow; the modulus bounds it"
        " too); an OKP key of the wrong length; private members that do not belong to"
        " the public key. Such a JWK is skipped whole, with a log line. The checks are the"
        " cryptography library's, and the exponent range.",
        why="A key that is not what it claims can verify forgeries (an exponent of 1 makes the"
        " signature equal the message) or sign for someone else; and one verification with"
        " an exponent as long as its modulus costs seconds of CPU, which a key set with"
        " hundreds of them turns into a denial of service by one token.",
        applies_to=("LOAD-03", "PUR-06"),
        tested=True,
        tightens=(
            (
                "LOAD-03",
                "an OKP key of the wrong length, private members that do not belong",
            ),
        ),
    ),
    Decision(
        id="D-27",
        question="Private members in a remote set.",
        answer="Ignored: the JWK loads as its public key, with a log line; `sign` and `decrypt` are"
        " served from local (`file:`) sets only.",
        why="A private key anyone can download is no secret; and checking a stranger's private"
        " key costs CPU a hostile server could spend for us.",
        applies_to=("LOAD-03", "PUR-07"),
        tested=True,
        tightens=(
            ("LOAD-03", "A private JWK in a remote set is not skipped: it loads as its public key"),
            ("PUR-07", "a private key read from one never signs"),
        ),
    ),
    Decision(
        id="D-28",
        question="What may a `file:` URL name?",
        answer="A regular file, opened without blocking: a FIFO, a device or a folder is a load"
        " error; a NUL in the path is refused at configuration.",
        why="A FIFO with no writer would block a load for ever; a NUL can never name a file.",
        applies_to=("CFG-02", "LOAD-01"),
        tightens=(("CFG-02", "a `file:` URL whose path holds a NUL (`%00`)"),),
    ),
    Decision(
        id="D-29",
        question="How deep may a publisher's realm tree be?",
        answer="32 levels below `root`; a deeper tree is a configuration error.",
        why="Real deployments nest a few levels; a tree thousands deep is a mistake or an"
        " attack, and must be refused before it exhausts the stack.",
        applies_to=("PUB-01", "PUB-05"),
    ),
    Decision(
        id="D-30",
        question="What does the publisher answer to a malformed request?",
        answer="A 4xx with a JSON body, and the connection is closed: 400 for a bad request line"
        " (HTTP/0.9 included), Host or header, 414 for an over-long line, 431 for too many"
        " or too long headers; 505 for HTTP/2.0 and later, which are well formed but not"
        " spoken.",
        why="Every request gets an answer, so no connection holds a server thread; the JSON"
        " body keeps PUB-15's promise on error answers too.",
        applies_to=("PUB-01", "PUB-15"),
    ),
)


def _index(rows: tuple[Decision, ...]) -> Mapping[str, Decision]:
    table: dict[str, Decision] = {}
    for row in rows:
        if row.id in table:
            raise ValueError(f"decision {row.id} is listed twice")
        table[row.id] = row
    return MappingProxyType(table)


DECISIONS: Mapping[str, Decision] = _index((*_ROWS, *REVISED))
"""Every decision by ID, in order."""


def decision(id: str) -> Decision:
    """The decision with ID ``id`` (``KeyError`` when there is none)."""
    return DECISIONS[id]


def decisions_for(requirement_id: str) -> tuple[Decision, ...]:
    """The decisions that bear on ``requirement_id``, in order."""
    return tuple(d for d in DECISIONS.values() if requirement_id in d.applies_to)
