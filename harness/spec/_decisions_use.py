"""Decisions on purposes, order, the cache and leases (first bearing on PUR, ORD, CACHE or
LEASE)."""

from __future__ import annotations

from jwkconform.harness.spec._decision import Decision

__all__ = ["ROWS"]

ROWS: tuple[Decision, ...] = (
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
        id="D-16",
        question="`use` and `key_ops` values outside RFC 7517's lists.",
        answer="Kept (the RFC allows them) but they fit no purpose. `key_ops` must be a list of"
        " distinct strings, or the JWK is skipped.",
        why="RFC 7517 sections 4.2 and 4.3.",
        applies_to=("PUR-01", "LOAD-03"),
        tightens=(("LOAD-03", "a `key_ops` that is not a list of distinct strings"),),
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
        id="D-21",
        question='CACHE-03 says a miss reloads "only if" the miss window has passed.',
        answer='Read as "when and only when": once the window has passed, a miss reloads.',
        why="The vendor's store reloads then, and CACHE-04 presumes it.",
        applies_to=("CACHE-03", "CACHE-04"),
        tested=True,
        tightens=(("CACHE-03", "when, and only when,"),),
    ),
    Decision(
        id="D-39",
        question="Must a JWK without `alg` be used, and what of the tests when an implementation"
        " uses only keys that carry one?",
        answer="A JWK without `alg` fits every algorithm its key type and curve take (PUR-05's"
        " 'if any'); an implementation that ignores such keys fails PUR-05, in PUR-05's own"
        " test. The run learns this once, and every other test then draws keys that carry"
        " their `alg`, so each requirement is judged on keys the implementation uses.",
        why="One shape of key must not block or fail a dozen requirements whose subject is not the"
        " key's shape: a failure counts against the requirement whose rule was broken.",
        applies_to=("PUR-05",),
        tested=True,
        tightens=(("PUR-05", "A JWK without `alg` fits every algorithm its key type and curve"),),
    ),
    Decision(
        id="D-40",
        question="How are the cache requirements judged for an implementation whose cache lifetime"
        " or miss window cannot be configured?",
        answer="At the catalogue's defaults: a 2-minute lifetime (CFG-03), a 2-minute miss window"
        " (CFG-05) and a 5-minute lease (CFG-06). A fetch earlier than a default bound allows"
        " breaks the cache requirement checked (CACHE-01, CACHE-03); a reload that does not"
        " come by a default bound is the default's failure (CFG-03 or CFG-05), and the test"
        " that needed that reload is blocked by it, since the implementation's real bound"
        " cannot be known.",
        why="None of the cache requirements presumes a setting; a library with a fixed window"
        " is still held to the rules a gateway with default settings keeps.",
        applies_to=("CACHE-01", "CACHE-02", "CACHE-03", "CACHE-04", "CACHE-06", "CFG-03", "CFG-05"),
        tested=True,
    ),
    Decision(
        id="D-42",
        question="Through which query paths must each requirement be reachable?",
        answer="Through some single query path (`named`, `valid` or `verify`) plus the way the"
        " implementation fetches (`http-client` or `default-client`), unless the requirement"
        " presumes a feature. docs/coverage.md lists the paths that reach each requirement and,"
        " for the others, why the path alone cannot show it (a named-only store does not"
        " verify; valid() names no kid). ORD-01, the order in which the valid secrets come"
        " back, presumes a query that lists them (`valid`): through a verifier the order"
        " shows only as the order of tries, which is ORD-02's requirement.",
        why="A library is judged on every requirement it can be observed on; a skip claims that"
        " the requirement does not apply, which only the specification may say.",
        applies_to=("ORD-01", "ORD-02"),
    ),
    Decision(
        id="D-44",
        question="A store that, after a failed reload, waits too long to try again (or never does):"
        " which requirement does it break?",
        answer="CACHE-06, which says when a failed reload is tried again, for every query after it:"
        " on a stale set and for a `kid` miss alike. CACHE-02's first query once stale is the"
        " reload attempt itself, whatever its outcome, and CACHE-03's window runs from the last"
        " successful load on a store whose last attempt succeeded; neither judges the retries"
        " after a failure, which LOAD-05 (what is served meanwhile) and CACHE-06 cover.",
        why="The catalogue gives the retries after a failure a requirement of their own, at SHOULD"
        " level; reading CACHE-02 or CACHE-03 into them would make a MUST of it.",
        applies_to=("CACHE-02", "CACHE-03", "CACHE-06"),
    ),
)
