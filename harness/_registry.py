"""The requirement registry: every catalogue requirement as data the harness can look up.

The requirement catalogue (``requirements.md`` in the shared spec) is the source of truth;
this module mirrors it row for row, in catalogue order, with the same IDs, levels and
sources. The statement of each row is our own one-line summary, and ``hint`` says what an
implementer most likely got wrong when a test of that requirement fails. The project's
tests compare this table with the catalogue, so a change there must be made here too.

>>> from jwkconform.harness._registry import GROUPS, UnknownRequirement, by_group, requirement
>>> req = requirement("CACHE-03")
>>> str(req.level), req.group, GROUPS[req.group]
('MUST', 'CACHE', 'Cache')
>>> [r.id for r in by_group("ORD")]
['ORD-01', 'ORD-02', 'ORD-03']
>>> requirement("CACHE-05").capability
'coalescing'
>>> try:
...     requirement("KID-3")
... except UnknownRequirement as error:
...     print(error)
unknown requirement 'KID-3'; did you mean KID-03, KID-06, KID-05?
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

__all__ = [
    "GROUPS",
    "REQUIREMENTS",
    "Level",
    "Requirement",
    "UnknownRequirement",
    "by_group",
    "requirement",
]


class Level(str, Enum):
    """How binding a requirement is: a MUST failure fails the run, a SHOULD failure is
    non-strict unless strict mode is on, and a MAY test skips unless the capability is
    declared."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Requirement:
    """One catalogue requirement, as the suites and reports use it.

    ``statement`` is our one-line wording; ``source`` is the catalogue's Source cell as
    written; ``hint`` is the likely mistake to look for when a test of it fails;
    ``capability`` names the adapter capability that enables a MAY requirement.
    """

    id: str
    level: Level
    statement: str
    source: str
    hint: str
    capability: str | None = None

    @property
    def group(self) -> str:
        """The group code the ID starts with: ``"KID"`` for ``"KID-03"``."""
        return self.id.rpartition("-")[0]


class UnknownRequirement(KeyError):
    """A requirement ID that the catalogue does not have."""

    def __init__(self, requirement_id: str, suggestions: Iterable[str] = ()) -> None:
        self.requirement_id = requirement_id
        self.suggestions = tuple(suggestions)
        message = f"unknown requirement {requirement_id!r}"
        if self.suggestions:
            message += f"; did you mean {', '.join(self.suggestions)}?"
        super().__init__(message)

    def __str__(self) -> str:
        # KeyError would show the repr of its argument; the message reads better plain.
        return str(self.args[0])


GROUPS: Mapping[str, str] = MappingProxyType(
    {
        "CFG": "Store configuration",
        "LOAD": "Loading the set",
        "KID": "Named secrets and kid fallback",
        "PUR": "Purpose filtering and constraints",
        "ORD": "Order",
        "CACHE": "Cache",
        "LEASE": "Leases",
        "PUB": "JWK URI publisher",
        "RT": "Round trip",
    }
)

# One row per catalogue row: ID, level, our statement, the catalogue's source, the hint.
_ROWS: tuple[Requirement, ...] = (
    # Store configuration
    Requirement(
        "CFG-01",
        Level.MUST,
        "A store configuration that lacks `jwkUrl` is rejected, and the error mentions `jwkUrl`.",
        "000, 001",
        "check that jwkUrl is looked for before any default applies and that the error names it",
    ),
    Requirement(
        "CFG-02",
        Level.MUST,
        "`jwkUrl` takes http, https or file URLs; any other scheme or a bad URL fails at setup,"
        " naming the value.",
        '000 ("local or remote")',
        "check that the URL scheme is validated when the store is configured, not at first"
        " fetch, and that file: is allowed",
    ),
    Requirement(
        "CFG-03",
        Level.MUST,
        "When `cacheTimeout` is left out, the cached set stays fresh for 2 minutes.",
        "000",
        "check that the default cache lifetime is 120 s, not a peer library's 5 or 10 minutes",
    ),
    Requirement(
        "CFG-04",
        Level.MUST,
        "A `cacheTimeout` under 10 s (0 too) warns and falls back to 2 min; 10 s is kept;"
        " caching never turns off.",
        "000",
        "check that the lower bound is exclusive (10 s is valid), that zero is corrected"
        " rather than disabling the cache, and that a warning is logged",
    ),
    Requirement(
        "CFG-05",
        Level.MUST,
        "When `cacheMissCacheTime` is left out, it is 2 minutes.",
        "000",
        "check that the miss window has its own 120 s default instead of reusing cacheTimeout",
    ),
    Requirement(
        "CFG-06",
        Level.MUST,
        "`leaseExpiry` is 5 minutes when left out; a zero or unlimited value warns and 5"
        " minutes is used.",
        "000",
        "check that the lease default is 300 s and that zero and unlimited are both corrected"
        " with a logged warning",
    ),
    Requirement(
        "CFG-07",
        Level.MUST,
        "Durations follow the gateway's English syntax: number-and-unit pieces in any case,"
        " or a lone keyword.",
        "IG reference (research)",
        "check the unit aliases (m is minutes, us and both micro signs), the ',', 'and' and"
        " white-space joiners, and the unlimited/zero keywords",
    ),
    Requirement(
        "CFG-08",
        Level.SHOULD,
        "Negative values, unknown units, unit-less numbers and trailing text are rejected"
        " with the value named.",
        "research",
        "check that the parser consumes the whole text instead of stopping at the first"
        " piece it cannot read",
    ),
    Requirement(
        "CFG-09",
        Level.SHOULD,
        "A user-given `handler` is the HTTP client used; the built-in client gives up after"
        " a finite timeout.",
        "000",
        "check that the handler is actually used for fetching and that the default client"
        " is not created with timeout=None",
    ),
    # Loading the set
    Requirement(
        "LOAD-01",
        Level.MUST,
        "The set is fetched from `jwkUrl`: through the handler for http(s), from the file"
        " system for `file:`.",
        "000",
        "check that file: URLs are read from disk (percent-decoded path) and that remote"
        " fetches go through the configured handler",
    ),
    Requirement(
        "LOAD-02",
        Level.MUST,
        "A purpose whose secrets are not keys (passwords, say) is refused with a clear error;"
        " no JWK comes back.",
        "001",
        "check that purposes other than key purposes are refused up front instead of"
        " falling through to the JWK lookup",
    ),
    Requirement(
        "LOAD-03",
        Level.SHOULD,
        "A JWK that cannot be used (unknown kty or curve, bad members) is logged and skipped;"
        " its neighbours work.",
        "RFC 7517, research",
        "check that parsing is per key: one bad entry must be skipped with a log line, not"
        " abort the whole set",
    ),
    Requirement(
        "LOAD-04",
        Level.MUST,
        "A body other than a JSON object holding a `keys` list fails with a clear load"
        " error, never a stray exception.",
        "RFC 7517",
        "check that JSON decoding errors, a top-level array and a missing or non-list keys"
        " member all become the store's load error",
    ),
    Requirement(
        "LOAD-05",
        Level.SHOULD,
        "When a reload fails for any reason, the last good set keeps serving; no loaded key"
        " is dropped.",
        "research (nothing lost)",
        "check that the cached set is replaced only after the new document loaded fully,"
        " and is never cleared on a fetch or parse error",
    ),
    Requirement(
        "LOAD-06",
        Level.SHOULD,
        "A body larger than the size cap (1 MiB unless configured) is rejected as a load error.",
        "research (Nimbus caps at 50 KiB)",
        "check that the cap is enforced while streaming the body, not only from the"
        " Content-Length header",
    ),
    # Named secrets and kid fallback
    Requirement(
        "KID-01",
        Level.MUST,
        "Asking by `kid` yields the JWK with an identical, case-sensitive `kid`; that kid is"
        " the secret's stable ID.",
        "000, 001",
        "check that the kid comparison is exact and case-sensitive, that the stable ID is"
        " the kid, and that the index is rebuilt on reload",
    ),
    Requirement(
        "KID-02",
        Level.MUST,
        "If the named secret does not check out, the token fails at once; other keys are never"
        " tried.",
        "001",
        "check that a kid hit stops resolution: the valid-secret list must not be tried"
        " after the named secret fails",
    ),
    Requirement(
        "KID-03",
        Level.MUST,
        "An unmatched `kid` falls back to valid-secret resolution, as if the token had no `kid`.",
        "001",
        "check that an unknown kid is treated as a miss that falls back, not as an"
        " immediate rejection",
    ),
    Requirement(
        "KID-04",
        Level.SHOULD,
        "When several JWKs share a `kid`, the earliest one in the set is the named secret.",
        "research",
        "check that the kid index keeps the first entry for a kid instead of letting later"
        " ones overwrite it",
    ),
    Requirement(
        "KID-05",
        Level.SHOULD,
        "A `kid` that only matches JWKs of the wrong purpose counts as a miss, so fallback"
        " applies.",
        "research",
        "check that the purpose filter runs before the kid match decides hit or miss",
    ),
    Requirement(
        "KID-06",
        Level.MUST,
        "The resolver rejects a configuration with no non-empty `verificationSecretId`,"
        " though named lookup ignores it.",
        "001",
        "check that verificationSecretId is required and must be a non-empty string even"
        " for a JWK-set store",
    ),
    # Purpose filtering and constraints
    Requirement(
        "PUR-01",
        Level.MUST,
        "For `verify`, the valid secrets are all and only the JWKs whose `use` and `key_ops`"
        " allow verification.",
        "001",
        "check that use absent counts as sig and key_ops absent counts as allowing verify,"
        " and that both conditions must hold",
    ),
    Requirement(
        "PUR-02",
        Level.MUST,
        "A JWK that suits only `encrypt` is never served for `verify`, nor one suiting only"
        " `verify` for `encrypt`.",
        "001",
        "check that use: enc and key_ops without verify exclude a key from verification,"
        " and the mirror case for encryption",
    ),
    Requirement(
        "PUR-03",
        Level.SHOULD,
        "A JWK lacking both `use` and `key_ops` is eligible for any purpose its key type can"
        " serve.",
        "research (JwkPredicates)",
        "check that a missing use/key_ops is treated as unrestricted, limited only by what"
        " the key type can do",
    ),
    Requirement(
        "PUR-04",
        Level.SHOULD,
        "A JWK whose `use` and `key_ops` contradict each other suits none of the purposes"
        " they dispute.",
        "RFC 7517",
        "check that use and key_ops are both applied (intersection), not either one"
        " (union) or only the first present",
    ),
    Requirement(
        "PUR-05",
        Level.MUST,
        "A secret is used only if it fits the token: a JWK `alg`, if any, equals the token's,"
        " and kty/curve suit it.",
        "000, 001, RFC 7518",
        "check the alg equality when the JWK has one, and the algorithm-to-kty/curve table"
        " (ES512 needs P-521, EdDSA needs OKP)",
    ),
    Requirement(
        "PUR-06",
        Level.MUST,
        "`alg: none` never verifies, and an RSA key shorter than 2048 bits is never used"
        " for RS*/PS*.",
        "RFC 7518 §3.3, §3.6",
        "check that 'none' has no verifier at all and that the RSA modulus length is"
        " measured before the key is tried",
    ),
    Requirement(
        "PUR-07",
        Level.SHOULD,
        "An `oct` key fetched over http(s) never verifies signatures: anyone could forge with"
        " a public HMAC key.",
        "RFC 7518, research",
        "check that symmetric keys are dropped from remote sets (they may stay for file:"
        " sets) and that HS* cannot verify with them",
    ),
    # Order
    Requirement(
        "ORD-01",
        Level.MUST,
        "Valid secrets come back in the same order as the set's `keys` array.",
        "000, 001",
        "check that keys are not collected in a dict or set keyed by kid or sorted, which"
        " loses the document order",
    ),
    Requirement(
        "ORD-02",
        Level.MUST,
        "The resolver tries valid secrets in order and stops at the first that verifies;"
        " if none does, it rejects.",
        "001",
        "check that verification stops at the first success and that an empty or all-failing"
        " list rejects the token",
    ),
    Requirement(
        "ORD-03",
        Level.MUST,
        "After a reload, secrets follow the order of the newly loaded document.",
        "000",
        "check that the order comes from the new document, not from merging it into the old one",
    ),
    # Cache
    Requirement(
        "CACHE-01",
        Level.MUST,
        "While the set is fresh, no query fetches it, whatever kid is asked for (misses"
        " inside the miss window too).",
        "000",
        "check that freshness is now - loaded_at < cacheTimeout on the injected clock and"
        " that a kid miss inside the miss window does not fetch",
    ),
    Requirement(
        "CACHE-02",
        Level.MUST,
        "The first query after the set goes stale reloads it: new keys show up, removed"
        " keys are gone.",
        "000",
        "check that the staleness test uses >= cacheTimeout and that the reload replaces"
        " the set rather than adding to it",
    ),
    Requirement(
        "CACHE-03",
        Level.MUST,
        "A kid miss reloads only once `cacheMissCacheTime` has elapsed since the last"
        " good load; else no fetch.",
        "000, research (vendor source)",
        "check that the miss window is measured from the last successful load, not the last"
        " attempt or the last miss, with >= at the boundary",
    ),
    Requirement(
        "CACHE-04",
        Level.MUST,
        "When a reload triggered by a miss brings the `kid`, that query gets the named"
        " secret at once.",
        "000",
        "check that the kid is looked up again in the freshly loaded set before falling back",
    ),
    Requirement(
        "CACHE-05",
        Level.MAY,
        "Concurrent queries that all need a reload share a single fetch.",
        "research (Nimbus, jose, .NET)",
        "check that the reload runs under a lock and that waiters re-check freshness before"
        " fetching again",
        capability="coalescing",
    ),
    # Leases
    Requirement(
        "LEASE-01",
        Level.MUST,
        "Every secret the store hands out expires `leaseExpiry` after the moment it was produced.",
        "000",
        "check that expiry is production time plus leaseExpiry on the injected clock, not"
        " the load time of the set",
    ),
    Requirement(
        "LEASE-02",
        Level.MUST,
        "A resolver may keep using a secret up to its expiry; after that it goes back to the"
        " store.",
        "000, research (SecretReference)",
        "check that expiry is inclusive (now >= expires_at is expired) and that an expired"
        " secret triggers a new store query",
    ),
    Requirement(
        "LEASE-03",
        Level.SHOULD,
        "A key taken out of the published set stops verifying within `cacheTimeout +"
        " leaseExpiry` of its removal.",
        "derived",
        "check that cached secrets are dropped at lease expiry and that a reload does not"
        " extend the lease of removed keys",
    ),
    # JWK URI publisher
    Requirement(
        "PUB-01",
        Level.MUST,
        "Every realm answers GET on `connect/jwk_uri` and `connect/rp/jwk_uri` with 200 and"
        ' `{"keys": [...]}`.',
        "002, 003, 004",
        "check the realm path nesting (/realms/root/realms/NAME/...) and that both the"
        " provider and the rp endpoint exist",
    ),
    Requirement(
        "PUB-02",
        Level.MUST,
        "Every alias mapped to the RP JWT signing secret ID is published, active or not, so"
        " old tokens verify.",
        "002, 004",
        "check that inactive aliases of the RP signing mapping are published too, not only"
        " the active one",
    ),
    Requirement(
        "PUB-03",
        Level.MUST,
        "For the RP ID-token encryption secret ID, only the active alias is published.",
        "002, 004",
        "check that the encryption mapping publishes only its active alias and drops the others",
    ),
    Requirement(
        "PUB-04",
        Level.SHOULD,
        "The active alias of the mTLS client-authentication secret ID is published with its"
        " certificate chain.",
        "002, 004",
        "check that the mTLS mapping is included and that x5c holds the whole chain, leaf first",
    ),
    Requirement(
        "PUB-05",
        Level.MUST,
        "Global mappings show in every realm, a realm's only in it (SHOULD: a realm mapping"
        " overrides the global one).",
        "002, 004",
        "check that realm mappings do not leak into other realms, and that a realm mapping"
        " of a secret ID replaces the global one there",
    ),
    Requirement(
        "PUB-06",
        Level.MUST,
        'With no mappings at all (an upgraded install), the endpoint returns `{"keys": []}`.',
        "002, 004",
        "check that an empty mapping store yields an empty keys array with 200, not an"
        " error or a missing member",
    ),
    Requirement(
        "PUB-07",
        Level.MUST,
        "A new install maps `rsajwtsigningkey` for RP signing and `test` for RP ID-token"
        " encryption; both show.",
        "004",
        "check the default mappings written on a fresh install and that their keys appear"
        " in rp/jwk_uri",
    ),
    Requirement(
        "PUB-08",
        Level.MUST,
        "Published keys never carry private members or symmetric material; HMAC, dir and"
        " AES-KW secrets never show.",
        "003, RFC 7518",
        "check that the JWK is built from the public key only (no d, p, q, dp, dq, qi, oth)"
        " and that oct keys are filtered out",
    ),
    Requirement(
        "PUB-09",
        Level.MUST,
        "By default, no two keys in a published set share a `kid`.",
        "003, RFC 7517 §4.5",
        "check that the same key mapped under several aliases or labels is published once,"
        " or gets distinct kids",
    ),
    Requirement(
        "PUB-10",
        Level.MUST,
        "With every kty/alg combination on, a multi-alg key appears once per (kty, alg) with"
        " its `alg`; kids repeat.",
        "003",
        "check that the option emits one entry per algorithm with alg set, and that it is"
        " off by default",
    ),
    Requirement(
        "PUB-11",
        Level.MUST,
        "Each key has kty, kid, use, x5c (leaf first), unpadded base64url SHA-1 x5t and the"
        " certificate's public key.",
        "002, 004, research (x5t checked)",
        "check that x5c is standard base64 while x5t is base64url without padding over the"
        " leaf DER, and that n/e or crv/x/y match the certificate",
    ),
    Requirement(
        "PUB-12",
        Level.MUST,
        "Each `kid` is computed from its key: stable for one key across requests and restarts,"
        " distinct between keys.",
        "research (vendor bug tracker)",
        "check that the kid is a deterministic digest of the public key (e.g. RFC 7638),"
        " not a random or counter value",
    ),
    Requirement(
        "PUB-13",
        Level.MUST,
        "A realm's discovery document points `jwks_uri` at its jwk_uri, or at the Remote"
        " JSON Web Key URL if set.",
        "003",
        "check the realm path in jwks_uri and that a configured remote JWK URL takes precedence",
    ),
    Requirement(
        "PUB-14",
        Level.SHOULD,
        "The provider endpoint publishes the asymmetric provider signing and decryption"
        " keys with use sig or enc.",
        "research",
        "check that every oidc.signing and oidc.decryption label is read and that use"
        " follows the label (sig or enc)",
    ),
    Requirement(
        "PUB-15",
        Level.SHOULD,
        "JWK URI responses are sent with `Content-Type: application/json`.",
        "002, 004",
        "check the response content type header of both endpoints",
    ),
    # Round trip
    Requirement(
        "RT-01",
        Level.MUST,
        "JWTs from any published signing alias verify via a store; an old alias works while"
        " mapped, then stops.",
        "001, 002, 004",
        "check that rotation keeps the old alias published and that, once unmapped, it stops"
        " within cacheTimeout + leaseExpiry",
    ),
)


def _index(rows: Iterable[Requirement]) -> Mapping[str, Requirement]:
    table: dict[str, Requirement] = {}
    for row in rows:
        if row.id in table:
            raise ValueError(f"requirement {row.id} is listed twice")
        table[row.id] = row
    return MappingProxyType(table)


REQUIREMENTS: Mapping[str, Requirement] = _index(_ROWS)
"""Every catalogue requirement by ID, in catalogue order."""


def requirement(id: str) -> Requirement:
    """The requirement with ID ``id``; `UnknownRequirement` names close IDs when it is absent."""
    try:
        return REQUIREMENTS[id]
    except KeyError:
        # "kid-3" is compared as "KID-03", so the likely intended ID comes first.
        wanted = re.sub(r"-(\d)$", r"-0\1", id.strip().upper())
        close = difflib.get_close_matches(wanted, REQUIREMENTS, n=3)
        raise UnknownRequirement(id, close) from None


def by_group(group: str) -> tuple[Requirement, ...]:
    """The requirements of ``group`` (a code such as ``"KID"``), in catalogue order."""
    if group not in GROUPS:
        raise KeyError(f"unknown requirement group {group!r}; known: {', '.join(GROUPS)}")
    return tuple(row for row in REQUIREMENTS.values() if row.group == group)
