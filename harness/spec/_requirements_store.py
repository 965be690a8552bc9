"""Requirements of the store's configuration, loading and named secrets (CFG, LOAD, KID)."""

from __future__ import annotations

from jwkconform.harness.spec._requirement import Level, Requirement, Source

__all__ = ["ROWS"]

MUST, SHOULD = Level.MUST, Level.SHOULD

ROWS: tuple[Requirement, ...] = (
    # -- Store configuration -----------------------------------------------------------------
    Requirement(
        id="CFG-01",
        level=MUST,
        summary="A store configuration that lacks `jwkUrl` is rejected, and the error mentions"
        " `jwkUrl`.",
        text="`jwkUrl` is mandatory. A configuration without it is refused with an error that names"
        " `jwkUrl`, and the store never serves a secret: the refusal comes when the store is"
        " configured or, at the latest, at its first query.",
        rationale="A store without a set to read can only fail later and more obscurely; naming the"
        " member tells the operator what to fix.",
        sources=(Source("000", "jwkUrl is required"), Source("001", "jwkUrl is required")),
        hint="check that `jwkUrl` is looked for before any default applies, and that the error"
        " names it",
        gates=("config-refusal",),
    ),
    Requirement(
        id="CFG-02",
        level=MUST,
        summary="`jwkUrl` takes http, https or file URLs; any other scheme or a bad URL is refused,"
        " naming the value.",
        text="`jwkUrl` may be an `http`, `https` or `file` URL. Any other scheme, or a value that"
        " is not a well-formed URL, is refused with an error that quotes the value, before any"
        " fetch: when the store is configured or, at the latest, at its first query. So is a"
        " `file:` URL whose path holds a NUL (`%00`), which no file can be named; an `http` or"
        " `https` URL may hold `%00` in its path.",
        rationale="The vendor reads a local or a remote set; anything else is a typo that should"
        " surface at once, not as a network error minutes later.",
        sources=(Source("000", "a local or remote JWK Set"),),
        hint="check that the URL scheme is validated before the first fetch and that `file:` is"
        " allowed",
        gates=("config-refusal",),
    ),
    Requirement(
        id="CFG-03",
        level=MUST,
        summary="When `cacheTimeout` is left out, the cached set stays fresh for 2 minutes.",
        text="Without `cacheTimeout` the loaded set is fresh for exactly 2 minutes: it is reused"
        " before that and reloaded by the first query at or after it.",
        rationale="Operators rely on the documented default to bound how long a removed key"
        " lingers.",
        sources=(Source("000", "cacheTimeout default"),),
        hint="check that the default cache lifetime is 120 s, not a peer library's 5 or 10 minutes",
    ),
    Requirement(
        id="CFG-04",
        level=MUST,
        summary="A `cacheTimeout` under 10 s (0 too) warns and falls back to 2 min; 10 s is kept;"
        " caching never turns off.",
        text="A `cacheTimeout` below 10 seconds, zero included, is not applied: a warning is logged"
        " and the 2-minute default is used. Exactly 10 seconds is accepted. There is no way to"
        " switch the cache off.",
        rationale="A key server must not be fetched on every request; the floor protects it from a"
        " careless setting.",
        sources=(Source("000", "cacheTimeout"),),
        hint="check that the lower bound is exclusive (10 s is valid), that zero is corrected"
        " rather than disabling the cache, and that a warning is logged",
        gates=("cache-timeout",),
    ),
    Requirement(
        id="CFG-05",
        level=MUST,
        summary="When `cacheMissCacheTime` is left out, it is 2 minutes.",
        text="Without `cacheMissCacheTime` the miss window is 2 minutes: a `kid` miss reloads the"
        " set only once 2 minutes have passed since the last successful load.",
        rationale="The miss window is what stops forged `kid` values from turning into fetches.",
        sources=(Source("000", "cacheMissCacheTime default"),),
        hint="check that the miss window has its own 120 s default instead of reusing"
        " `cacheTimeout` or a peer library's cooldown",
    ),
    Requirement(
        id="CFG-06",
        level=MUST,
        summary="`leaseExpiry` is 5 minutes when left out; a zero or unlimited value warns and 5"
        " minutes is used.",
        text="Without `leaseExpiry` a produced secret's lease is 5 minutes. A lease of zero or an"
        " unlimited lease is not applied: a warning is logged and 5 minutes is used.",
        rationale="A lease must end, or a removed key is trusted forever, and must last, or every"
        " verification queries the store.",
        sources=(Source("000", "leaseExpiry"),),
        hint="check that the lease default is 300 s and that zero and unlimited are both corrected"
        " with a logged warning",
        gates=("lease",),
    ),
    Requirement(
        id="CFG-07",
        level=MUST,
        summary="Durations follow the gateway's English syntax: number-and-unit pieces in any case,"
        " or a lone keyword.",
        text="A duration is either a keyword on its own or pieces of a whole number (ASCII digits)"
        " and a unit, joined by `,`, `and` or white space. Units: `days`/`day`/`d`,"
        " `hours`/`hour`/`h`, `minutes`/`minute`/`min`/`m`, `seconds`/`second`/`sec`/`s`,"
        " `milliseconds`/`millisecond`/`millisec`/`millis`/`milli`/`ms`,"
        " `microseconds`/`microsecond`/`microsec`/`micros`/`micro`/`us`/`μs`/`µs` and"
        " `nanoseconds`/`nanosecond`/`nanosec`/`nanos`/`nano`/`ns`, in any letter case."
        " `unlimited`, `indefinite`, `infinity`, `undefined` and `none` mean no limit;"
        " `zero` and `disabled` mean zero, as does any total of zero (`0 ms`). So"
        " `23 hours 59 minutes and 59 seconds` is 86,399 seconds.",
        rationale="Gateway configurations are written in this syntax; a store that reads them"
        " otherwise silently applies other times.",
        sources=(Source("research", "the gateway's duration reference"),),
        hint="check the unit aliases (`m` is minutes, `us` and both micro signs), the `,`, `and`"
        " and white-space joiners, and the unlimited and zero keywords",
        gates=("duration-syntax",),
    ),
    Requirement(
        id="CFG-08",
        level=SHOULD,
        summary="Negative values, decimals, unknown units, unit-less numbers, left-over text and"
        " values too large are refused.",
        text="A duration that is negative, has a decimal point, an unknown unit, a number without a"
        " unit, text left over after the last piece, or a value too large for the"
        " implementation's time arithmetic is refused when the store is configured, with an"
        " error that quotes the value. Too large means over 2^32 seconds (about 136 years):"
        " 2^32 seconds itself is accepted, and `unlimited` is a keyword of its own. A value"
        " that was accepted never makes a later query fail.",
        rationale="The vendor's parser silently drops what it cannot read, so `1 hour 30 minutes`"
        " means one hour there; refusing is safer than guessing.",
        sources=(Source("research", "the vendor's duration parser"),),
        hint="check that the parser consumes the whole text instead of stopping at the first piece"
        " it cannot read, and that huge values are refused up front",
        gates=("duration-syntax", "config-refusal"),
    ),
    Requirement(
        id="CFG-09",
        level=SHOULD,
        summary="A user-given `handler` is the HTTP client used; the built-in client bounds the"
        " whole fetch by a deadline.",
        text="The `handler` member lets the user supply the HTTP client the store fetches with."
        " The client the store builds for itself bounds each fetch as a whole (connecting,"
        " headers and body together) by a finite deadline (the one it is configured with, or"
        " a fixed one of its own), so a server that trickles bytes cannot hold a load open.",
        rationale="A key server that hangs must not hang the gateway; per-read time-outs alone let"
        " a slow server stretch a fetch forever.",
        sources=(Source("000", "handler"),),
        hint="check that the handler is used for fetching, and that the default client has an"
        " overall deadline, not just a per-read time-out",
        gates=("http-client|default-client",),
    ),
    # -- Loading the set ---------------------------------------------------------------------
    Requirement(
        id="LOAD-01",
        level=MUST,
        summary="The set is fetched from `jwkUrl`: through the handler for http(s), from the file"
        " system for `file:`.",
        text="The store reads its JWK Set from `jwkUrl`: a remote URL through its HTTP client, a"
        " `file:` URL from disk. A `200` answer whose body is a JWK Set loads whatever its"
        " `Content-Type` says (`text/plain`, `application/octet-stream`...).",
        rationale="The set is the only source of keys; reading it from anywhere else (or not at"
        " all) breaks every other requirement.",
        sources=(Source("000", "jwkUrl"),),
        hint="check that file: URLs are read from disk (percent-decoded path) and that remote"
        " fetches go through the configured client",
    ),
    Requirement(
        id="LOAD-02",
        level=MUST,
        summary="A purpose whose secrets are not keys (passwords, say) is refused with a clear"
        " error; no JWK comes back.",
        text="The store holds only cryptographic keys. A query for a purpose whose secret is not a"
        " key, a password for instance, gets no secret and a clear error, never a JWK.",
        rationale="Handing a key where a password is expected confuses the two and can leak key"
        " material into places that log passwords.",
        sources=(Source("001", "only CryptoKey secrets"),),
        hint="check that purposes other than key purposes are refused up front instead of falling"
        " through to the JWK lookup",
        gates=("other-purposes",),
    ),
    Requirement(
        id="LOAD-03",
        level=SHOULD,
        summary="A JWK that cannot be used (unknown kty or curve, bad members, invalid key"
        " material) is skipped; the others work.",
        text="A JWK the implementation cannot use is skipped with a log line, and the other keys"
        " of the set stay usable. That covers an unknown `kty`, an unsupported curve,"
        " malformed members (a `key_ops` that is not a list of distinct strings, say) and"
        " invalid key material: an EC point that is not on its curve or whose coordinates have"
        " the wrong length, an RSA modulus that is even or shorter than any accepted algorithm"
        " allows (2048 bits), an exponent below 3 or not below the modulus, an OKP key of the"
        " wrong length, private members that do not belong to the public key. An"
        " implementation that does not support a key type (Ed448, say) skips it this way, and"
        " that is conformant. A private JWK in a remote set is not skipped: it loads as its"
        " public key.",
        rationale="One odd key in a shared set must not take the whole set down, and a key that is"
        " not a valid point or modulus must never be used.",
        sources=(
            Source("RFC 7517", "§5"),
            Source("RFC 8037"),
            Source("SP 800-56A", "§5.6.2.3"),
            Source("research", "one bad key dropping a whole set, a known pain"),
        ),
        hint="check that parsing is per key (one bad entry is skipped with a log line, not the"
        " whole set) and that key material is validated when the set loads",
    ),
    Requirement(
        id="LOAD-04",
        level=MUST,
        summary="A body that is not a JSON object with a `keys` array is a clear load error;"
        ' `{"keys": []}` is an empty set.',
        text="A document that is not a JSON object holding a `keys` array (`null`, a number, a"
        " `keys` that is a string or an object, invalid UTF-8, nesting or numbers beyond the"
        " parser's limits) is a clear load error: the caller never sees an unrelated"
        ' exception. `{"keys": []}` is valid: an empty set.',
        rationale="Callers handle one kind of load failure; a stray decoding error escaping the"
        " store is a crash in the gateway.",
        sources=(Source("RFC 7517", "§5"),),
        hint="check that JSON decoding errors, a top-level value that is not an object and a"
        " missing or non-array `keys` all become the store's load error, and that an empty"
        " `keys` array loads",
    ),
    Requirement(
        id="LOAD-05",
        level=SHOULD,
        summary="When a reload fails for any reason, the last good set keeps serving; no loaded key"
        " is dropped.",
        text="A reload that fails (connection error, a status other than 200, a malformed or"
        " oversized body, a time-out) keeps the last good set in service: no key that was"
        " loaded is lost because a reload failed.",
        rationale="An outage of the key server must not become an outage of every service that"
        " verifies tokens.",
        sources=(
            Source("research", "nothing lost; peer libraries that wipe their cache on failure"),
        ),
        hint="check that the cached set is replaced only after the new document loaded fully, and"
        " is never cleared on a fetch or parse error",
    ),
    Requirement(
        id="LOAD-06",
        level=SHOULD,
        summary="A body over the size cap (1 MiB unless configured), after decoding, is a load"
        " error; memory stays bounded.",
        text="A body larger than a size cap (1 MiB by default, configurable) is refused as a load"
        " error. The cap applies to the decoded body, after any `Content-Encoding`, and is"
        " enforced while reading, so memory stays bounded by the cap whatever the server"
        " sends.",
        rationale="A hostile or broken key server must not be able to exhaust the gateway's"
        " memory, with a huge body or a small compressed one.",
        sources=(Source("research", "Nimbus caps a set at 50 KiB"),),
        hint="check that the cap is enforced while streaming the decoded body, not only from the"
        " Content-Length header or after reading everything",
    ),
    # -- Named secrets and kid fallback ----------------------------------------------------------
    Requirement(
        id="KID-01",
        level=MUST,
        summary="Asking by `kid` yields the JWK with an identical, case-sensitive `kid`; that kid"
        " is the secret's stable ID.",
        text="A query with a `kid` returns the JWK whose `kid` is exactly that value, letter case"
        " included, as a named secret whose stable ID is the `kid`.",
        rationale="The token's `kid` is how the issuer says which key signed it; matching it"
        " loosely would try a key the issuer never meant.",
        sources=(Source("000", "named secrets"), Source("001", "named secret resolution")),
        hint="check that the kid comparison is exact and case-sensitive, that the stable ID is the"
        " kid, and that the index is rebuilt on reload",
    ),
    Requirement(
        id="KID-02",
        level=MUST,
        summary="If the named secret does not verify the signature, the token fails at once; other"
        " keys are never tried.",
        text="When a named secret is found for the token's `kid` and it cannot verify the"
        " signature, the token is invalid: no other key is tried. A JWK that the `kid` names"
        " is the named secret even when it does not fit the token (another `alg`, key type or"
        " curve, or too short a key: PUR-05, PUR-06); it cannot verify, so the token is"
        " invalid.",
        rationale="Trying other keys after the named one failed would let a token claim one key"
        " and be accepted under another.",
        sources=(Source("001", "named secret resolution"),),
        hint="check that a kid hit ends resolution: the valid secrets must not be tried after the"
        " named secret fails",
    ),
    Requirement(
        id="KID-03",
        level=MUST,
        summary="An unmatched `kid` falls back to valid-secret resolution, as if the token had no"
        " `kid`.",
        text="A token whose `kid` matches no JWK is resolved exactly like a token without `kid`:"
        " the valid secrets are tried in order.",
        rationale="Issuers that stamp a `kid` the set does not carry (a rotated name, a different"
        " kid scheme) still verify against the keys that fit.",
        sources=(Source("001", "a kid without a matching secret"),),
        hint="check that an unknown kid is treated as a miss that falls back, not as an immediate"
        " rejection",
    ),
    Requirement(
        id="KID-04",
        level=SHOULD,
        summary="When several JWKs share a `kid`, the earliest one in the set is the named secret.",
        text="If several JWKs carry the same `kid`, the first of them in the set's order that fits"
        " the purpose asked for is the named secret.",
        rationale="Duplicate kids happen during botched rotations; a fixed rule makes the result"
        " predictable and matches the vendor's store.",
        sources=(Source("research", "the vendor's store takes the first match"),),
        hint="check that the kid index keeps the first entry for a kid instead of letting later"
        " ones overwrite it",
    ),
    Requirement(
        id="KID-05",
        level=SHOULD,
        summary="A `kid` that matches only JWKs of another purpose counts as no match: fallback and"
        " the miss rules apply.",
        text="A `kid` held only by JWKs whose purpose does not fit the query (`use: enc` when"
        " verifying, say) counts as no match: valid-secret resolution applies, and so do the"
        " miss rules of CACHE-03 and CACHE-04.",
        rationale="An encryption key that happens to share a name with the token's `kid` must"
        " neither verify the token nor block the keys that can.",
        sources=(Source("research", "the vendor's key predicates filter before matching"),),
        hint="check that the purpose filter runs before the kid match decides hit or miss, and"
        " that such a miss reloads like any other",
    ),
    Requirement(
        id="KID-06",
        level=MUST,
        summary="The resolver rejects a configuration without a non-empty `verificationSecretId`,"
        " though named lookup ignores it.",
        text="A resolver configuration must carry a non-empty `verificationSecretId`, and one"
        " without it is refused, even though named resolution does not use the value. This"
        " applies to implementations that have such a resolver configuration.",
        rationale="The vendor requires the member; a configuration that works here and fails in the"
        " gateway is a trap.",
        sources=(Source("001", "verificationSecretId must be configured"),),
        hint="check that `verificationSecretId` is required and must be a non-empty string even"
        " for a JWK-set store",
        gates=("resolver-config",),
    ),
)
