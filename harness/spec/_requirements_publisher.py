"""Requirements of the JWK URI publisher and the round trip (PUB, RT)."""

from __future__ import annotations

from jwkconform.harness.spec._requirement import Level, Requirement, Source

__all__ = ["ROWS"]

MUST, SHOULD = Level.MUST, Level.SHOULD

RP_SIGNING = "`am.services.oauth2.oidc.rp.jwt.authenticity.signing`"
RP_ENCRYPTION = "`am.services.oauth2.oidc.rp.idtoken.encryption`"
MTLS = "`am.services.oauth2.mtls.client.authentication`"

ROWS: tuple[Requirement, ...] = (
    Requirement(
        id="PUB-01",
        level=MUST,
        summary="Every realm answers GET on `connect/jwk_uri` and `connect/rp/jwk_uri` with 200 and"
        ' `{"keys": [...]}`.',
        text="Each realm answers `GET` at `/oauth2/realms/root[/realms/NAME...]/connect/jwk_uri`"
        " (the provider's keys) and at `.../connect/rp/jwk_uri` (the relying party's keys)"
        ' with status 200 and a JSON object `{"keys": [...]}`; a nested realm nests the'
        " path, one `/realms/NAME` per level.",
        rationale="Clients find keys by these paths; a realm that does not answer cannot be"
        " verified against.",
        sources=(Source("002"), Source("003"), Source("004")),
        hint="check the realm path nesting (`/realms/root/realms/NAME/...`) and that both the"
        " provider and the relying-party endpoint exist",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-02",
        level=MUST,
        summary="Every alias mapped to the RP JWT signing secret ID is published, active or not, so"
        " old tokens verify.",
        text=f"Every alias mapped to {RP_SIGNING} is published, whether it is the active alias or"
        " not, so that tokens signed before a rotation stay verifiable.",
        rationale="Only the active alias signs, but tokens signed by the previous one are still in"
        " flight after a rotation.",
        sources=(Source("002", "signing secret ID"), Source("004", "signing secret ID")),
        hint="check that the inactive aliases of the RP signing mapping are published too, not"
        " only the active one",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-03",
        level=MUST,
        summary="For the RP ID-token encryption secret ID, only the active alias is published.",
        text=f"Of the aliases mapped to {RP_ENCRYPTION}, only the active one is published; the"
        " others are ignored. This holds for a realm's own mapping as for a global one.",
        rationale="Peers encrypt to whatever key they find; publishing an old encryption key"
        " invites them to use it.",
        sources=(Source("002", "encryption secret ID"), Source("004", "encryption secret ID")),
        hint="check that the encryption mapping publishes only its active alias, in realm"
        " mappings as in global ones",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-04",
        level=SHOULD,
        summary="The active alias of the mTLS client-authentication secret ID is published with its"
        " certificate chain.",
        text=f"The active alias of {MTLS} is published with its certificate chain.",
        rationale="Peers check the client's self-signed certificate against this key and chain.",
        sources=(Source("002", "mTLS secret ID"), Source("004", "mTLS secret ID")),
        hint="check that the mTLS mapping is included and that `x5c` holds the whole chain, leaf"
        " first",
        gates=("publisher", "mtls"),
    ),
    Requirement(
        id="PUB-05",
        level=MUST,
        summary="Global mappings show in every realm, a realm's only in it (SHOULD: a realm mapping"
        " overrides the global one).",
        text="Mappings made globally are published at every realm; a realm's own mappings only at"
        " that realm. (At SHOULD level: a realm's mapping of a secret ID replaces the global"
        " mapping of that ID for that realm.)",
        rationale="Realms are tenants; one tenant's keys must not appear in another's set.",
        sources=(
            Source("002", "global and realm mappings"),
            Source("004", "global and realm mappings"),
        ),
        hint="check that realm mappings do not leak into other realms, and that a realm mapping of"
        " a secret ID replaces the global one there",
        gates=("publisher", "realms"),
    ),
    Requirement(
        id="PUB-06",
        level=MUST,
        summary='With no mappings at all (an upgraded install), the endpoint returns `{"keys":'
        " []}`.",
        text="A publisher with no mappings, as after an upgrade, answers with an empty set,"
        ' `{"keys": []}`.',
        rationale="An empty set is a valid answer that clients handle; an error status would break"
        " them.",
        sources=(Source("002", "upgraded instances"), Source("004", "upgraded instances")),
        hint="check that an empty mapping store yields an empty `keys` array with status 200, not"
        " an error or a missing member",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-07",
        level=MUST,
        summary="A new install maps `rsajwtsigningkey` for RP signing and `test` for RP ID-token"
        " encryption; both show.",
        text=f"A new install maps `rsajwtsigningkey` to {RP_SIGNING} and `test` to"
        f" {RP_ENCRYPTION}, and both keys are published: a publisher set up as a new install,"
        " with no explicit mappings, publishes them by its own defaults.",
        rationale="Demo deployments and tests rely on these defaults being there out of the box.",
        sources=(Source("004", "default aliases"),),
        hint="check the default mappings a fresh install writes and that their keys appear in"
        " `rp/jwk_uri` without any mapping being configured",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-08",
        level=MUST,
        summary="Published keys never carry private members or symmetric material; HMAC, dir and"
        " AES-KW secrets never show.",
        text="No published key carries a private member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`),"
        " and no symmetric key (`kty: oct`, `k`) is ever published: HMAC, direct-encryption"
        " and AES key-wrap secrets never appear.",
        rationale="A JWK URI is public; anything private in it is leaked to everyone.",
        sources=(Source("003", "secret-based algorithms"), Source("RFC 7518", "§6")),
        hint="check that each JWK is built from the public key only and that `oct` keys are"
        " filtered out",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-09",
        level=MUST,
        summary="By default, no two keys in a published set share a `kid`.",
        text="By default every `kid` in a published set is unique.",
        rationale="RFC 7517 lets clients pick a key by `kid`; duplicates make that pick ambiguous.",
        sources=(Source("003", "unique key IDs"), Source("RFC 7517", "§4.5")),
        hint="check that the same key mapped under several aliases or labels is published once, or"
        " gets distinct kids",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-10",
        level=MUST,
        summary="With every kty/alg combination on, a multi-alg key appears once per (kty, alg)"
        " with its `alg`; kids repeat.",
        text='With "include all kty and alg combinations" turned on, a key usable with several'
        " algorithms appears once per (kty, alg) pair, each entry carrying its `alg`, so a"
        " `kid` may repeat: an RSA signing key appears once for each of RS256, RS384, RS512,"
        " PS256, PS384 and PS512.",
        rationale="Some clients select keys by `alg`; listing each combination lets them.",
        sources=(Source("003", "displaying every algorithm and key type"),),
        hint="check that the option emits one entry per algorithm with `alg` set, and that it is"
        " off by default",
        gates=("publisher", "all-combinations"),
    ),
    Requirement(
        id="PUB-11",
        level=MUST,
        summary="Each key has kty, kid, use, x5c (leaf first), unpadded base64url SHA-1 x5t and the"
        " certificate's public key.",
        text="Each published key has `kty`, `kid`, `use` (`sig` or `enc`), `x5c` (base64 DER"
        " certificates, leaf first), `x5t` (the base64url SHA-1 digest of the leaf's DER,"
        " without padding) and the public parameters (`n` and `e`, or `crv`, `x` and `y`),"
        " equal to the key in the certificate.",
        rationale="Clients that pin certificates or check thumbprints need all of it, and"
        " consistent.",
        sources=(
            Source("002"),
            Source("004"),
            Source("research", "x5t checked against the example"),
        ),
        hint="check that `x5c` is standard base64 while `x5t` is unpadded base64url over the leaf"
        " DER, and that the key parameters match the certificate",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-12",
        level=MUST,
        summary="Each `kid` is computed from its key: stable for one key across requests and"
        " restarts, distinct between keys.",
        text="A `kid` is derived from the key: the same key has the same `kid` in every response"
        " and after restarts, and different keys have different kids.",
        rationale="Clients cache by `kid`; a `kid` that changes between requests defeats their"
        " cache, and one shared by two keys confuses it.",
        sources=(Source("research", "the vendor's bug tracker"),),
        hint="check that the kid is a deterministic digest of the public key (RFC 7638, say), not a"
        " random or counter value",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-13",
        level=MUST,
        summary="A realm's discovery document points `jwks_uri` at its jwk_uri, or at the Remote"
        " JSON Web Key URL if set.",
        text="A realm's `/.well-known/openid-configuration` has a `jwks_uri` that points at that"
        " realm's `jwk_uri`: an absolute `http` or `https` URL on the publisher's own origin (or"
        " a loopback name, `127.0.0.1` or `localhost`) that, fetched, serves that realm's keys,"
        " whatever characters the realm names hold. When a Remote JSON Web Key URL is set for"
        " the realm, `jwks_uri` is that URL.",
        rationale="Clients discover the keys through this document; a wrong URL sends them to"
        " another realm's keys or nowhere.",
        sources=(Source("003", "finding the JWK URI; Remote JSON Web Key URL"),),
        hint="check the realm path in `jwks_uri` and that a configured remote URL takes precedence",
        gates=("publisher",),
    ),
    Requirement(
        id="PUB-14",
        level=SHOULD,
        summary="The provider endpoint publishes the provider signing keys (every alias) and at"
        " least the active decryption alias.",
        text="The provider endpoint publishes the asymmetric keys of the provider signing secret"
        " IDs (`am.services.oauth2.oidc.signing.RSA`, `.ES256`, `.ES384`, `.ES512`; every"
        " alias) with `use: sig`, and of the decryption secret IDs"
        " (`am.services.oauth2.oidc.decryption.RSA1.5`, `.RSA.OAEP`, `.RSA.OAEP.256`; at least"
        " the active alias, the others allowed) with `use: enc`.",
        rationale="Clients verify the provider's tokens and encrypt requests to it with these"
        " keys.",
        sources=(Source("research", "the vendor's provider secret labels"),),
        hint="check that every `oidc.signing` and `oidc.decryption` label is read and that `use`"
        " follows the label",
        gates=("publisher", "provider-endpoint"),
    ),
    Requirement(
        id="PUB-15",
        level=SHOULD,
        summary="JWK URI responses are sent with `Content-Type: application/json`.",
        text="Responses of the JWK URI endpoints carry `Content-Type: application/json`.",
        rationale="Strict clients refuse a JWK Set labelled as something else.",
        sources=(Source("002"), Source("004")),
        hint="check the content type header of both endpoints",
        gates=("publisher",),
    ),
    Requirement(
        id="RT-01",
        level=MUST,
        summary="JWTs from any published signing alias verify via a store; an old alias works while"
        " mapped, then stops.",
        text="A JWT signed with any published signing alias verifies through a store that reads"
        " that endpoint. After the active alias rotates, tokens signed with the old alias keep"
        " verifying while it stays mapped, and stop within `cacheTimeout + leaseExpiry` once"
        " its mapping is removed.",
        rationale="This is the end-to-end promise of the two halves: rotation without an outage,"
        " revocation within a known time.",
        sources=(Source("001"), Source("002"), Source("004")),
        hint="check that rotation keeps the old alias published and that, once unmapped, it stops"
        " verifying within `cacheTimeout + leaseExpiry`",
        gates=("publisher",),
    ),
)
