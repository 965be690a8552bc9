"""Requirements of purposes, order, the cache and leases (PUR, ORD, CACHE, LEASE)."""

from __future__ import annotations

from jwkconform.harness.spec._requirement import Level, Requirement, Source

__all__ = ["ROWS"]

MUST, SHOULD, MAY = Level.MUST, Level.SHOULD, Level.MAY

ROWS: tuple[Requirement, ...] = (
    # -- Purpose filtering and constraints -----------------------------------------------------
    Requirement(
        id="PUR-01",
        level=MUST,
        summary="For `verify`, the valid secrets are all and only the JWKs whose `use` and"
        " `key_ops` allow verification.",
        text="The valid secrets for signature verification are exactly the JWKs that fit `verify`:"
        " `use` is `sig` or absent, and `key_ops` is absent or contains `verify`.",
        rationale="The vendor selects verification keys by these two members; a store that ignores"
        " one of them verifies with keys their owner reserved for something else.",
        sources=(Source("001", "valid secret resolution"),),
        hint="check that an absent `use` counts as allowing verification, an absent `key_ops` too,"
        " and that both conditions must hold",
    ),
    Requirement(
        id="PUR-02",
        level=MUST,
        summary="A JWK that suits only `encrypt` is never served for `verify`, nor one suiting only"
        " `verify` for `encrypt`.",
        text="A JWK that fits only `encrypt` (`use: enc`, or `key_ops` naming only encryption) is"
        " never returned for `verify`, and a JWK that fits only `verify` is never returned"
        " for `encrypt`.",
        rationale="Using one key for both signatures and encryption weakens both; RFC 7517 lets the"
        " owner forbid it.",
        sources=(Source("001", "valid secret resolution"),),
        hint="check that `use: enc` and `key_ops` without `verify` exclude a key from verification,"
        " and the mirror case for encryption",
    ),
    Requirement(
        id="PUR-03",
        level=SHOULD,
        summary="A JWK lacking both `use` and `key_ops` is eligible for any purpose its key type"
        " can serve.",
        text="A JWK with neither `use` nor `key_ops` fits every purpose its key type supports: RSA,"
        " EC and `oct` keys verify and encrypt, an Ed25519 or Ed448 key only verifies, an"
        " X25519 or X448 key only encrypts. A JWK whose `use` claims what its key type cannot"
        " do fits nothing.",
        rationale="Most published sets carry bare keys; the vendor's predicates accept a missing"
        " `use` for any purpose.",
        sources=(Source("research", "the vendor's key predicates"),),
        hint="check that a missing `use` and `key_ops` are treated as unrestricted, limited only by"
        " what the key type can do",
    ),
    Requirement(
        id="PUR-04",
        level=SHOULD,
        summary="A JWK whose `use` and `key_ops` contradict each other suits none of the purposes"
        " they dispute.",
        text="When a JWK's `use` and `key_ops` disagree (`use: sig` with `key_ops: [encrypt]`,"
        " say), the JWK fits neither of the disagreeing purposes.",
        rationale="RFC 7517 asks for consistent members; when they conflict, the owner's intent is"
        " unknown and the safe answer is no.",
        sources=(Source("RFC 7517", "§4.3"),),
        hint="check that `use` and `key_ops` are both applied (an intersection), not either one or"
        " only the first present",
    ),
    Requirement(
        id="PUR-05",
        level=MUST,
        summary="A secret is used only if it fits the token: a JWK `alg`, if any, equals the"
        " token's, and kty/curve suit it.",
        text="A secret is used for a token, or even tried against it, only when its constraints"
        " hold: a JWK `alg`, when present, equals the token's `alg` (exactly: `rs256` is not"
        " `RS256`), and the key type and curve fit the algorithm (RS* and PS* take RSA; ES256,"
        " ES384 and ES512 take EC keys on P-256, P-384 and P-521; EdDSA takes OKP signing keys;"
        " HS256, HS384 and HS512 take `oct` keys of at least 256, 384 and 512 bits). A JWK"
        " without `alg` fits every algorithm its key type and curve take, and is used for"
        " them.",
        rationale="Algorithm confusion (an RSA key fed to an HMAC check, a P-256 key to ES512) is a"
        " classic way to forge tokens.",
        sources=(
            Source("000", "secret constraints"),
            Source("001", "secret constraints"),
            Source("RFC 7518", "§3.1"),
        ),
        hint="check the alg equality when the JWK has one, and the algorithm to kty/curve table"
        " (ES512 needs P-521, EdDSA needs OKP)",
    ),
    Requirement(
        id="PUR-06",
        level=MUST,
        summary="`alg: none` never verifies, and an RSA key shorter than 2048 bits is never used"
        " for RS*/PS*.",
        text="A token with `alg: none` never verifies, whatever the keys. An RSA key of fewer than"
        " 2048 bits is never used for RS* or PS* signatures.",
        rationale="An unsigned token proves nothing, and RFC 7518 sets 2048 bits as the least RSA"
        " size.",
        sources=(Source("RFC 7518", "§3.3, §3.6"),),
        hint="check that `none` has no verifier at all and that the RSA modulus length is measured"
        " before the key is tried",
    ),
    Requirement(
        id="PUR-07",
        level=SHOULD,
        summary="An `oct` key fetched over http(s) never verifies signatures: anyone could forge"
        " with a public HMAC key.",
        text="A symmetric (`oct`) key read from an `http` or `https` URL is never used to verify"
        " signatures, whatever its other members (`alg`, `use`, `key_ops`), and a private key"
        " read from one never signs. An `oct` key of a `file:` set is a local secret: it may"
        " verify.",
        rationale="A published HMAC key lets anyone who downloads it sign tokens the gateway"
        " accepts.",
        sources=(Source("RFC 7518", "§3.2"), Source("research", "published HMAC keys")),
        hint="check that symmetric keys are dropped from remote sets (they may stay for `file:`"
        " sets) and that HS* cannot verify with them",
    ),
    # -- Order ---------------------------------------------------------------------------------
    Requirement(
        id="ORD-01",
        level=MUST,
        summary="Valid secrets come back in the same order as the set's `keys` array.",
        text="The valid secrets for a purpose come back in the order of the set's `keys` array.",
        rationale="Order is how the publisher says which key to try first; losing it changes which"
        " key verifies.",
        sources=(Source("000", "secrets in set order"), Source("001", "secrets in set order")),
        hint="check that keys are not collected in a dict or set keyed by kid, or sorted, which"
        " loses the document order",
        gates=("valid",),
    ),
    Requirement(
        id="ORD-02",
        level=MUST,
        summary="The resolver tries valid secrets in order and stops at the first that verifies; if"
        " none does, it rejects.",
        text="Without a named secret, the resolver tries the valid secrets one by one from the"
        " first and stops at the first that verifies the signature; the token is invalid"
        " when none verifies or none is valid.",
        rationale="This is how a token without `kid` (or with an unknown one) is resolved; stopping"
        " early or trying out of order verifies with the wrong key or not at all.",
        sources=(Source("001", "valid secrets tried in sequence"),),
        hint="check that verification stops at the first success and that an empty or all-failing"
        " list rejects the token",
    ),
    Requirement(
        id="ORD-03",
        level=MUST,
        summary="After a reload, secrets follow the order of the newly loaded document.",
        text="After a reload, the valid secrets follow the order of the new document.",
        rationale="A publisher reorders its set to change which key is tried first; the store must"
        " follow.",
        sources=(Source("000", "secrets in set order"),),
        hint="check that the order comes from the new document, not from merging it into the old"
        " one",
    ),
    # -- Cache ---------------------------------------------------------------------------------
    Requirement(
        id="CACHE-01",
        level=MUST,
        summary="While the set is fresh, no query fetches it, whatever kid is asked for (misses"
        " inside the miss window too).",
        text="While the cached set is fresh, no query causes a fetch, whatever `kid` it asks for;"
        " a miss inside the miss window included.",
        rationale="The cache is what protects the key server and the gateway's latency.",
        sources=(Source("000", "cacheTimeout"),),
        hint="check that freshness is `now - loaded_at < cacheTimeout` on the injected clock and"
        " that a kid miss inside the miss window does not fetch",
    ),
    Requirement(
        id="CACHE-02",
        level=MUST,
        summary="The first query after the set goes stale reloads it: new keys show up, removed"
        " keys are gone.",
        text="The first query once the set is no longer fresh reloads it: keys added to the"
        " published set appear, and keys removed from it are no longer returned.",
        rationale="A stale cache is how rotations reach the gateway; a reload that merges instead"
        " of replacing keeps revoked keys alive.",
        sources=(Source("000", "cacheTimeout"),),
        hint="check that staleness uses `>= cacheTimeout` and that the reload replaces the set"
        " rather than adding to it",
    ),
    Requirement(
        id="CACHE-03",
        level=MUST,
        summary="A kid miss reloads only once `cacheMissCacheTime` has elapsed since the last good"
        " load; else no fetch.",
        text="A `kid` that is not in the cached set reloads the set when, and only when,"
        " `cacheMissCacheTime` has passed since the last successful load; otherwise no fetch"
        " happens, so forged kids cannot multiply fetches.",
        rationale="Without the window, every token with a made-up `kid` is a request to the key"
        " server: an amplifier for anyone who can send tokens.",
        sources=(
            Source("000", "cacheMissCacheTime"),
            Source("research", "the vendor's store source"),
        ),
        hint="check that the miss window is measured from the last successful load, not the last"
        " attempt or the last miss, with `>=` at the boundary",
    ),
    Requirement(
        id="CACHE-04",
        level=MUST,
        summary="When a reload triggered by a miss brings the `kid`, that query gets the named"
        " secret at once.",
        text="When a reload triggered by a `kid` miss brings that `kid`, the query that triggered"
        " it returns the named secret: a rotated-in key works without waiting for"
        " `cacheTimeout`.",
        rationale="After a rotation the first token signed with the new key must verify; failing it"
        " once is an outage for that client.",
        sources=(Source("000", "cacheMissCacheTime"),),
        hint="check that the kid is looked up again in the freshly loaded set before the query"
        " falls back or gives up",
    ),
    Requirement(
        id="CACHE-05",
        level=MAY,
        summary="Concurrent queries that all need a reload share a single fetch.",
        text="Queries made at the same time that all need a reload share one fetch.",
        rationale="After a rotation many requests find the set stale at once; sharing the fetch"
        " keeps the key server from a burst.",
        sources=(Source("research", "Nimbus, jose and .NET share pending fetches"),),
        hint="check that the reload runs under a lock or a shared pending fetch, and that waiters"
        " re-check freshness before fetching again",
        gates=("coalescing",),
    ),
    Requirement(
        id="CACHE-06",
        level=SHOULD,
        summary="A failed reload is not a load: a stale set stays stale and is fetched again after"
        " `cacheMissCacheTime`.",
        text="A failed reload does not count as a load: `loaded_at` does not move, so a stale set"
        " stays stale. A query that needs a reload (any query on a stale set, a `kid` miss"
        " past the miss window on a fresh one) made `cacheMissCacheTime` or more after the"
        " failed attempt fetches again. An implementation may hold back retries after a"
        " failure, for at most that long.",
        rationale="Treating a failure as a load hides the outage for a whole `cacheTimeout` and"
        " serves keys that may have been revoked; retrying on every query hammers a server that is"
        " already down.",
        sources=(Source("000", "cacheTimeout"), Source("research", "the vendor's store source")),
        hint="check that the time of the last successful load is kept apart from the time of the"
        " last attempt, and that retries resume within `cacheMissCacheTime`",
    ),
    # -- Leases --------------------------------------------------------------------------------
    Requirement(
        id="LEASE-01",
        level=MUST,
        summary="Every secret the store hands out expires `leaseExpiry` after the moment it was"
        " produced.",
        text="Every secret the store produces expires `leaseExpiry` after it was produced: after"
        " the moment the query that returned it was answered, not the moment the set was"
        " loaded.",
        rationale="A lease bounds how long a caller may reuse a secret without asking again;"
        " counting from the load would make leases of an old set expire early or at once.",
        sources=(Source("000", "leaseExpiry"),),
        hint="check that expiry is production time plus `leaseExpiry` on the injected clock, not"
        " the load time of the set",
        gates=("lease",),
    ),
    Requirement(
        id="LEASE-02",
        level=MUST,
        summary="A resolver may keep using a secret up to its expiry; after that it goes back to"
        " the store.",
        text="The resolver may reuse a secret until it expires, and queries the store again after"
        " that.",
        rationale="Leases are how a rotation reaches resolvers that cache secrets; one that never"
        " asks again keeps trusting a removed key.",
        sources=(
            Source("000", "leaseExpiry"),
            Source("research", "the vendor's secret references"),
        ),
        hint="check that expiry is inclusive (`now >= expires_at` is expired) and that an expired"
        " secret leads to a new store query",
    ),
    Requirement(
        id="LEASE-03",
        level=SHOULD,
        summary="A key taken out of the published set stops verifying within `cacheTimeout +"
        " leaseExpiry` of its removal.",
        text="A key removed from the published set stops verifying no later than `cacheTimeout +"
        " leaseExpiry` after its removal.",
        rationale="Revocation must take effect within a bound the operator can compute from the"
        " configuration.",
        sources=(Source("derived", "from CACHE-02, LEASE-01 and LEASE-02"),),
        hint="check that cached secrets are dropped at lease expiry and that a reload does not"
        " extend the lease of removed keys",
    ),
)
