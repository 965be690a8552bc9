"""Requirements of purposes, order, the cache and leases (PUR, ORD, CACHE, LEASE)."""

from __future__ import annotations

from jwkconform.harness.spec._requirement import Level, Requirement, Source

__all__ = ["ROWS"]

MUST, SHOULD, MAY = Level.MUST, Level.SHOULD, Level.MAY

ROWS: tuple[Requirement, ...] = (
    # -- Purpose filtering and constraints -----------------------------------------------------
    Requirement(
        "PUR-01",
        MUST,
        "For `verify`, the valid secrets are all and only the JWKs whose `use` and `key_ops`"
        " allow verification.",
        "The valid secrets for signature verification are exactly the JWKs that fit `verify`:"
        " `use` is `sig` or absent, and `key_ops` is absent or contains `verify`.",
        "The vendor selects verification keys by these two members; a store that ignores one"
        " of them verifies with keys their owner reserved for something else.",
        (Source("001", "valid secret resolution"),),
        "check that an absent `use` counts as allowing verification, an absent `key_ops` too,"
        " and that both conditions must hold",
    ),
    Requirement(
        "PUR-02",
        MUST,
        "A JWK that suits only `encrypt` is never served for `verify`, nor one suiting only"
        " `verify` for `encrypt`.",
        "A JWK that fits only `encrypt` (`use: enc`, or `key_ops` naming only encryption) is"
        " never returned for `verify`, and a JWK that fits only `verify` is never returned"
        " for `encrypt`.",
        "Using one key for both signatures and encryption weakens both; RFC 7517 lets the"
        " owner forbid it.",
        (Source("001", "valid secret resolution"),),
        "check that `use: enc` and `key_ops` without `verify` exclude a key from verification,"
        " and the mirror case for encryption",
    ),
    Requirement(
        "PUR-03",
        SHOULD,
        "A JWK lacking both `use` and `key_ops` is eligible for any purpose its key type can"
        " serve.",
        "A JWK with neither `use` nor `key_ops` fits every purpose its key type supports: RSA,"
        " EC and `oct` keys verify and encrypt, an Ed25519 or Ed448 key only verifies, an"
        " X25519 or X448 key only encrypts. A JWK whose `use` claims what its key type cannot"
        " do fits nothing.",
        "Most published sets carry bare keys; the vendor's predicates accept a missing `use`"
        " for any purpose.",
        (Source("research", "the vendor's key predicates"),),
        "check that a missing `use` and `key_ops` are treated as unrestricted, limited only by"
        " what the key type can do",
    ),
    Requirement(
        "PUR-04",
        SHOULD,
        "A JWK whose `use` and `key_ops` contradict each other suits none of the purposes they"
        " dispute.",
        "When a JWK's `use` and `key_ops` disagree (`use: sig` with `key_ops: [encrypt]`,"
        " say), the JWK fits neither of the disagreeing purposes.",
        "RFC 7517 asks for consistent members; when they conflict, the owner's intent is"
        " unknown and the safe answer is no.",
        (Source("RFC 7517", "§4.3"),),
        "check that `use` and `key_ops` are both applied (an intersection), not either one or"
        " only the first present",
    ),
    Requirement(
        "PUR-05",
        MUST,
        "A secret is used only if it fits the token: a JWK `alg`, if any, equals the token's,"
        " and kty/curve suit it.",
        "A secret is used for a token, or even tried against it, only when its constraints"
        " hold: a JWK `alg`, when present, equals the token's `alg` (exactly: `rs256` is not"
        " `RS256`), and the key type and curve fit the algorithm (RS* and PS* take RSA; ES256,"
        " ES384 and ES512 take EC keys on P-256, P-384 and P-521; EdDSA takes OKP signing keys;"
        " HS256, HS384 and HS512 take `oct` keys of at least 256, 384 and 512 bits). A JWK"
        " without `alg` fits every algorithm its key type and curve take, and is used for"
        " them.",
        "Algorithm confusion (an RSA key fed to an HMAC check, a P-256 key to ES512) is a"
        " classic way to forge tokens.",
        (
            Source("000", "secret constraints"),
            Source("001", "secret constraints"),
            Source("RFC 7518", "§3.1"),
        ),
        "check the alg equality when the JWK has one, and the algorithm to kty/curve table"
        " (ES512 needs P-521, EdDSA needs OKP)",
    ),
    Requirement(
        "PUR-06",
        MUST,
        "`alg: none` never verifies, and an RSA key shorter than 2048 bits is never used for"
        " RS*/PS*.",
        "A token with `alg: none` never verifies, whatever the keys. An RSA key of fewer than"
        " 2048 bits is never used for RS* or PS* signatures.",
        "An unsigned token proves nothing, and RFC 7518 sets 2048 bits as the least RSA size.",
        (Source("RFC 7518", "§3.3, §3.6"),),
        "check that `none` has no verifier at all and that the RSA modulus length is measured"
        " before the key is tried",
    ),
    Requirement(
        "PUR-07",
        SHOULD,
        "An `oct` key fetched over http(s) never verifies signatures: anyone could forge with"
        " a public HMAC key.",
        "A symmetric (`oct`) key read from an `http` or `https` URL is never used to verify"
        " signatures, whatever its other members (`alg`, `use`, `key_ops`), and a private key"
        " read from one never signs. An `oct` key of a `file:` set is a local secret: it may"
        " verify.",
        "A published HMAC key lets anyone who downloads it sign tokens the gateway accepts.",
        (Source("RFC 7518", "§3.2"), Source("research", "published HMAC keys")),
        "check that symmetric keys are dropped from remote sets (they may stay for `file:`"
        " sets) and that HS* cannot verify with them",
    ),
    # -- Order ---------------------------------------------------------------------------------
    Requirement(
        "ORD-01",
        MUST,
        "Valid secrets come back in the same order as the set's `keys` array.",
        "The valid secrets for a purpose come back in the order of the set's `keys` array.",
        "Order is how the publisher says which key to try first; losing it changes which key"
        " verifies.",
        (Source("000", "secrets in set order"), Source("001", "secrets in set order")),
        "check that keys are not collected in a dict or set keyed by kid, or sorted, which"
        " loses the document order",
        gates=("valid",),
    ),
    Requirement(
        "ORD-02",
        MUST,
        "The resolver tries valid secrets in order and stops at the first that verifies; if"
        " none does, it rejects.",
        "Without a named secret, the resolver tries the valid secrets one by one from the"
        " first and stops at the first that verifies the signature; the token is invalid"
        " when none verifies or none is valid.",
        "This is how a token without `kid` (or with an unknown one) is resolved; stopping"
        " early or trying out of order verifies with the wrong key or not at all.",
        (Source("001", "valid secrets tried in sequence"),),
        "check that verification stops at the first success and that an empty or all-failing"
        " list rejects the token",
    ),
    Requirement(
        "ORD-03",
        MUST,
        "After a reload, secrets follow the order of the newly loaded document.",
        "After a reload, the valid secrets follow the order of the new document.",
        "A publisher reorders its set to change which key is tried first; the store must follow.",
        (Source("000", "secrets in set order"),),
        "check that the order comes from the new document, not from merging it into the old one",
    ),
    # -- Cache ---------------------------------------------------------------------------------
    Requirement(
        "CACHE-01",
        MUST,
        "While the set is fresh, no query fetches it, whatever kid is asked for (misses"
        " inside the miss window too).",
        "While the cached set is fresh, no query causes a fetch, whatever `kid` it asks for;"
        " a miss inside the miss window included.",
        "The cache is what protects the key server and the gateway's latency.",
        (Source("000", "cacheTimeout"),),
        "check that freshness is `now - loaded_at < cacheTimeout` on the injected clock and"
        " that a kid miss inside the miss window does not fetch",
    ),
    Requirement(
        "CACHE-02",
        MUST,
        "The first query after the set goes stale reloads it: new keys show up, removed keys"
        " are gone.",
        "The first query once the set is no longer fresh reloads it: keys added to the"
        " published set appear, and keys removed from it are no longer returned.",
        "A stale cache is how rotations reach the gateway; a reload that merges instead of"
        " replacing keeps revoked keys alive.",
        (Source("000", "cacheTimeout"),),
        "check that staleness uses `>= cacheTimeout` and that the reload replaces the set"
        " rather than adding to it",
    ),
    Requirement(
        "CACHE-03",
        MUST,
        "A kid miss reloads only once `cacheMissCacheTime` has elapsed since the last good"
        " load; else no fetch.",
        "A `kid` that is not in the cached set reloads the set when, and only when,"
        " `cacheMissCacheTime` has passed since the last successful load; otherwise no fetch"
        " happens, so forged kids cannot multiply fetches.",
        "Without the window, every token with a made-up `kid` is a request to the key server:"
        " an amplifier for anyone who can send tokens.",
        (Source("000", "cacheMissCacheTime"), Source("research", "the vendor's store source")),
        "check that the miss window is measured from the last successful load, not the last"
        " attempt or the last miss, with `>=` at the boundary",
    ),
    Requirement(
        "CACHE-04",
        MUST,
        "When a reload triggered by a miss brings the `kid`, that query gets the named secret"
        " at once.",
        "When a reload triggered by a `kid` miss brings that `kid`, the query that triggered"
        " it returns the named secret: a rotated-in key works without waiting for"
        " `cacheTimeout`.",
        "After a rotation the first token signed with the new key must verify; failing it"
        " once is an outage for that client.",
        (Source("000", "cacheMissCacheTime"),),
        "check that the kid is looked up again in the freshly loaded set before the query"
        " falls back or gives up",
    ),
    Requirement(
        "CACHE-05",
        MAY,
        "Concurrent queries that all need a reload share a single fetch.",
        "Queries made at the same time that all need a reload share one fetch.",
        "After a rotation many requests find the set stale at once; sharing the fetch keeps"
        " the key server from a burst.",
        (Source("research", "Nimbus, jose and .NET share pending fetches"),),
        "check that the reload runs under a lock or a shared pending fetch, and that waiters"
        " re-check freshness before fetching again",
        ("coalescing",),
    ),
    Requirement(
        "CACHE-06",
        SHOULD,
        "A failed reload is not a load: a stale set stays stale and is fetched again after"
        " `cacheMissCacheTime`.",
        "A failed reload does not count as a load: `loaded_at` does not move, so a stale set"
        " stays stale. A query that needs a reload (any query on a stale set, a `kid` miss"
        " past the miss window on a fresh one) made `cacheMissCacheTime` or more after the"
        " failed attempt fetches again. An implementation may hold back retries after a"
        " failure, for at most that long.",
        "Treating a failure as a load hides the outage for a whole `cacheTimeout` and serves"
        " keys that may have been revoked; retrying on every query hammers a server that is"
        " already down.",
        (Source("000", "cacheTimeout"), Source("research", "the vendor's store source")),
        "check that the time of the last successful load is kept apart from the time of the"
        " last attempt, and that retries resume within `cacheMissCacheTime`",
    ),
    # -- Leases --------------------------------------------------------------------------------
    Requirement(
        "LEASE-01",
        MUST,
        "Every secret the store hands out expires `leaseExpiry` after the moment it was produced.",
        "Every secret the store produces expires `leaseExpiry` after it was produced: after"
        " the moment the query that returned it was answered, not the moment the set was"
        " loaded.",
        "A lease bounds how long a caller may reuse a secret without asking again; counting"
        " from the load would make leases of an old set expire early or at once.",
        (Source("000", "leaseExpiry"),),
        "check that expiry is production time plus `leaseExpiry` on the injected clock, not"
        " the load time of the set",
        ("lease",),
    ),
    Requirement(
        "LEASE-02",
        MUST,
        "A resolver may keep using a secret up to its expiry; after that it goes back to the"
        " store.",
        "The resolver may reuse a secret until it expires, and queries the store again after that.",
        "Leases are how a rotation reaches resolvers that cache secrets; one that never asks"
        " again keeps trusting a removed key.",
        (Source("000", "leaseExpiry"), Source("research", "the vendor's secret references")),
        "check that expiry is inclusive (`now >= expires_at` is expired) and that an expired"
        " secret leads to a new store query",
    ),
    Requirement(
        "LEASE-03",
        SHOULD,
        "A key taken out of the published set stops verifying within `cacheTimeout +"
        " leaseExpiry` of its removal.",
        "A key removed from the published set stops verifying no later than `cacheTimeout +"
        " leaseExpiry` after its removal.",
        "Revocation must take effect within a bound the operator can compute from the"
        " configuration.",
        (Source("derived", "from CACHE-02, LEASE-01 and LEASE-02"),),
        "check that cached secrets are dropped at lease expiry and that a reload does not"
        " extend the lease of removed keys",
    ),
)
