"""Decisions taken with the catalogue's revision of CFG-01/08, LOAD-02/04, PUB-07/10/11/13 and
RT-01, where the revised wording still leaves a choice open (rendered like the others)."""

from __future__ import annotations

from jwkconform.harness.spec._decision import Decision

__all__ = ["REVISED"]

REVISED: tuple[Decision, ...] = (
    Decision(
        "D-31",
        "When must a bad configuration be refused (CFG-01, CFG-02, CFG-08)?",
        "When the store is opened, or at the latest by the first query, before any fetch:"
        " that query ends in a configuration error that names the member. A store that"
        " accepted a value never fails later because of it.",
        "Implementations that read their configuration lazily are common (a JWKS client"
        " built on first use); what matters to the gateway is that no request is ever"
        " served from a configuration that should not stand.",
        ("CFG-01", "CFG-02", "CFG-08"),
        tested=True,
    ),
    Decision(
        "D-32",
        "How does a publisher learn that it is a new install (PUB-07)?",
        'The publisher configuration has a member `"newInstall"`: `true` starts the global'
        " mappings from the new-install defaults (an explicit mapping of a secret ID replaces"
        " that default); `false` or absent is an upgraded install, where only the mappings"
        " spelled out apply. The suites never hand the defaults to the publisher.",
        "Handing the publisher the default mappings explicitly tested the harness's"
        " defaults, not the implementation's own.",
        ("PUB-07",),
        tested=True,
    ),
    Decision(
        "D-33",
        "What may `jwks_uri` be (PUB-13)?",
        "Any absolute `http` or `https` URL whose host is the publisher's own or a loopback"
        " name (`127.0.0.1`, `localhost`), and which, fetched, serves exactly that realm's"
        " keys; a Remote JSON Web Key URL, when set, is returned as configured.",
        "The catalogue asks for a URL that works, not one spelling; the harness may reach"
        " only 127.0.0.1, so it checks other hosts' URLs by their effect, not by fetching.",
        ("PUB-13",),
        tested=True,
        tightens=(
            (
                "PUB-13",
                "on the publisher's own origin (or a loopback name, `127.0.0.1` or `localhost`)",
            ),
        ),
    ),
    Decision(
        "D-34",
        "A key reached by two rules (two mappings, or a mapping and the active alias): how"
        " often does it show (PUB-10)?",
        "Once per (`kid`, `alg`): with all combinations on, once per algorithm of its type;"
        " without, once. Two rules never make a duplicate entry.",
        "A repeated identical entry says nothing new and makes a client's kid lookup"
        " ambiguous for no reason.",
        ("PUB-10", "PUB-11"),
        tested=True,
    ),
    Decision(
        "D-35",
        "Which published keys must carry `x5c` and `x5t` (PUB-11)?",
        "Every published key, all of which are asymmetric: a symmetric secret is never"
        " published (PUB-02), so no published key lacks a certificate.",
        "A published key without its certificate cannot be pinned by the clients that check `x5t`.",
        ("PUB-11", "PUB-02"),
    ),
    Decision(
        "D-36",
        "What does RT-01 need of the publisher, and whose is its time bound?",
        "A publisher whose endpoints the store can fetch over loopback HTTP (the adapter"
        " honours `env.transport`); one that cannot is an adapter error, not a failure."
        " That a removed alias stops verifying within `cacheTimeout + leaseExpiry` is"
        " LEASE-03's finding: RT-01 fails only when a published alias does not verify.",
        "A round trip tests the two halves together; a failure of the store's timing alone"
        " belongs to the store's own requirement.",
        ("RT-01", "LEASE-03"),
        tested=True,
    ),
    Decision(
        "D-37",
        "Nesting or numbers beyond the parser's limits (LOAD-04).",
        "Such a document either loads, if the implementation's parser takes it, or fails"
        " with the store's load error; it never raises anything else, and on a reload the"
        " last good set keeps serving.",
        "Parser limits differ between languages; only the unrelated exception and the loss"
        " of the served set harm the gateway.",
        ("LOAD-04", "LOAD-05"),
        tested=True,
    ),
    Decision(
        "D-38",
        "Does LOAD-02 apply to a JWKS client that can only be asked for keys?",
        "No. It applies to implementations that hold secrets other than keys and take"
        " queries for their purposes (capability `other-purposes`); for any other it is not"
        " applicable, and its tests skip.",
        "A client with no way to ask for a password cannot hand a JWK in its place; a pass"
        " there would only measure the adapter.",
        ("LOAD-02",),
    ),
    Decision(
        "D-39",
        "Must a JWK without `alg` be used, and what of the tests when an implementation uses"
        " only keys that carry one?",
        "A JWK without `alg` fits every algorithm its key type and curve take (PUR-05's"
        " 'if any'); an implementation that ignores such keys fails PUR-05, in PUR-05's own"
        " test. The run learns this once, and every other test then draws keys that carry"
        " their `alg`, so each requirement is judged on keys the implementation uses.",
        "One shape of key must not block or fail a dozen requirements whose subject is not the"
        " key's shape: a failure counts against the requirement whose rule was broken.",
        ("PUR-05",),
        tested=True,
        tightens=(("PUR-05", "A JWK without `alg` fits every algorithm its key type and curve"),),
    ),
    Decision(
        "D-40",
        "How are the cache requirements judged for an implementation whose cache lifetime or"
        " miss window cannot be configured?",
        "At the catalogue's defaults: a 2-minute lifetime (CFG-03), a 2-minute miss window"
        " (CFG-05) and a 5-minute lease (CFG-06). A fetch earlier than a default bound allows"
        " breaks the cache requirement checked (CACHE-01, CACHE-03); a reload that does not"
        " come by a default bound is the default's failure (CFG-03 or CFG-05), and the test"
        " that needed that reload is blocked by it, since the implementation's real bound"
        " cannot be known.",
        "None of the cache requirements presumes a setting; a library with a fixed window"
        " is still held to the rules a gateway with default settings keeps.",
        ("CACHE-01", "CACHE-02", "CACHE-03", "CACHE-04", "CACHE-06", "CFG-03", "CFG-05"),
        tested=True,
    ),
    Decision(
        "D-41",
        "What is an exception that the implementation itself raises (a `TypeError` on a"
        " `null` JWK) while the harness queries it?",
        "A finding about the implementation: the adapter wraps it in `ImplementationRaised`"
        " (a driver answers the error type `raised`), and it fails the requirement whose"
        " check was running (LOAD-03 for a `null` entry of `keys`). `error` is reserved for"
        " faults of the adapter or driver: a protocol violation, a crash, a hang, a wrong"
        " type in an answer, an exception outside the implementation's call.",
        "A verdict of `error` blames the adapter; an implementation that crashes on a"
        " document it should skip or refuse has broken a requirement, and says so only as a"
        " failure.",
        ("LOAD-03", "LOAD-04", "LOAD-05"),
        tested=True,
    ),
    Decision(
        "D-42",
        "Through which query paths must each requirement be reachable?",
        "Through some single query path (`named`, `valid` or `verify`) plus the way the"
        " implementation fetches (`http-client` or `default-client`), unless the requirement"
        " presumes a feature. docs/coverage.md lists the paths that reach each requirement and,"
        " for the others, why the path alone cannot show it (a named-only store does not"
        " verify; valid() names no kid). ORD-01, the order in which the valid secrets come"
        " back, presumes a query that lists them (`valid`): through a verifier the order"
        " shows only as the order of tries, which is ORD-02's requirement.",
        "A library is judged on every requirement it can be observed on; a skip claims that"
        " the requirement does not apply, which only the specification may say.",
        ("ORD-01", "ORD-02"),
    ),
    Decision(
        "D-43",
        "Which whole-fetch deadline does CFG-09 hold a store's own HTTP client to?",
        "A finite one of the implementation's choosing: the deadline it is configured with,"
        " where it takes one (the harness passes its fetch timeout, `env.fetch_timeout`), or"
        " the fixed deadline its own client keeps, which the adapter declares as"
        " `fetch_deadline` (a driver: `fetch_deadline` in its `hello` answer). The test"
        " trickles the set for that deadline plus 2 s and expects the query to give up within"
        " the deadline plus 1 s; a deadline longer than one call may take (`--timeout`) cannot"
        " be watched, and the test ends in an error saying so.",
        "The catalogue asks for a finite deadline, not the harness's: a store with its own"
        " fixed 5 s deadline conforms, and only a deadline the harness knows can be checked"
        " in bounded time.",
        ("CFG-09",),
        tested=True,
    ),
    Decision(
        "D-44",
        "A store that, after a failed reload, waits too long to try again (or never does):"
        " which requirement does it break?",
        "CACHE-06, which says when a failed reload is tried again, for every query after it:"
        " on a stale set and for a `kid` miss alike. CACHE-02's first query once stale is the"
        " reload attempt itself, whatever its outcome, and CACHE-03's window runs from the last"
        " successful load on a store whose last attempt succeeded; neither judges the retries"
        " after a failure, which LOAD-05 (what is served meanwhile) and CACHE-06 cover.",
        "The catalogue gives the retries after a failure a requirement of their own, at SHOULD"
        " level; reading CACHE-02 or CACHE-03 into them would make a MUST of it.",
        ("CACHE-02", "CACHE-03", "CACHE-06"),
    ),
)
