"""Decisions on the store's configuration, loading and named secrets (first bearing on CFG,
LOAD or KID)."""

from __future__ import annotations

from jwkconform.harness.spec._decision import Decision

__all__ = ["ROWS"]

ROWS: tuple[Decision, ...] = (
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
        id="D-10",
        question="Must the JWK Set response carry a JSON content type?",
        answer="No: any 200 body that parses as a JWK Set loads.",
        why="Many servers send `text/plain` or `application/octet-stream`; the body decides.",
        applies_to=("LOAD-01", "LOAD-04"),
        tested=True,
        tightens=(("LOAD-01", "loads whatever its `Content-Type` says"),),
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
        id="D-17",
        question="Does the default client follow redirects?",
        answer="No: a status other than 200 is a load error. A `handler` that follows redirects can"
        " be supplied.",
        why="LOAD-04 and LOAD-05 name a status other than 200 as a failure.",
        applies_to=("LOAD-05", "CFG-09"),
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
        id="D-31",
        question="When must a bad configuration be refused (CFG-01, CFG-02, CFG-08)?",
        answer="When the store is opened, or at the latest by the first query, before any fetch:"
        " that query ends in a configuration error that names the member. A store that"
        " accepted a value never fails later because of it.",
        why="Implementations that read their configuration lazily are common (a JWKS client"
        " built on first use); what matters to the gateway is that no request is ever"
        " served from a configuration that should not stand.",
        applies_to=("CFG-01", "CFG-02", "CFG-08"),
        tested=True,
    ),
    Decision(
        id="D-37",
        question="Nesting or numbers beyond the parser's limits (LOAD-04).",
        answer="Such a document either loads, if the implementation's parser takes it, or fails"
        " with the store's load error; it never raises anything else, and on a reload the"
        " last good set keeps serving.",
        why="Parser limits differ between languages; only the unrelated exception and the loss"
        " of the served set harm the gateway.",
        applies_to=("LOAD-04", "LOAD-05"),
        tested=True,
    ),
    Decision(
        id="D-38",
        question="Does LOAD-02 apply to a JWKS client that can only be asked for keys?",
        answer="No. It applies to implementations that hold secrets other than keys and take"
        " queries for their purposes (capability `other-purposes`); for any other it is not"
        " applicable, and its tests skip.",
        why="A client with no way to ask for a password cannot hand a JWK in its place; a pass"
        " there would only measure the adapter.",
        applies_to=("LOAD-02",),
    ),
    Decision(
        id="D-41",
        question="What is an exception that the implementation itself raises (a `TypeError` on a"
        " `null` JWK) while the harness queries it?",
        answer="A finding about the implementation: the adapter wraps it in `ImplementationRaised`"
        " (a driver answers the error type `raised`), and it fails the requirement whose"
        " check was running (LOAD-03 for a `null` entry of `keys`). `error` is reserved for"
        " faults of the adapter or driver: a protocol violation, a crash, a hang, a wrong"
        " type in an answer, an exception outside the implementation's call.",
        why="A verdict of `error` blames the adapter; an implementation that crashes on a"
        " document it should skip or refuse has broken a requirement, and says so only as a"
        " failure.",
        applies_to=("LOAD-03", "LOAD-04", "LOAD-05"),
        tested=True,
    ),
    Decision(
        id="D-43",
        question="Which whole-fetch deadline does CFG-09 hold a store's own HTTP client to?",
        answer="A finite one of the implementation's choosing: the deadline it is configured with,"
        " where it takes one (the harness passes its fetch timeout, `env.fetch_timeout`), or"
        " the fixed deadline its own client keeps, which the adapter declares as"
        " `fetch_deadline` (a driver: `fetch_deadline` in its `hello` answer). The test"
        " trickles the set for that deadline plus 2 s and expects the query to give up within"
        " the deadline plus 1 s; a deadline longer than one call may take (`--timeout`) cannot"
        " be watched, and the test ends in an error saying so.",
        why="The catalogue asks for a finite deadline, not the harness's: a store with its own"
        " fixed 5 s deadline conforms, and only a deadline the harness knows can be checked"
        " in bounded time.",
        applies_to=("CFG-09",),
        tested=True,
    ),
    Decision(
        id="D-45",
        question="Does CFG-09 apply to an implementation that fetches nothing (it is handed the"
        " JWK Set document, and the adapter reads it from jwkUrl)?",
        answer="No: CFG-09 presumes that the store fetches, through the client it is given"
        " (`http-client`) or through one of its own (`default-client`). An implementation that"
        " declares neither has no client to hand over and none to bound, and CFG-09 is `skip`"
        " for it (not applicable), like a requirement whose feature it lacks.",
        why="Both halves of CFG-09 are about the store's HTTP client; judging the harness's own"
        " client in its place would say nothing about the implementation.",
        applies_to=("CFG-09",),
        tested=True,
    ),
)
