"""Decisions taken with the catalogue's revision of CFG-01/08, LOAD-02/04, PUB-07/10/11/13 and
RT-01, where the revised wording still leaves a choice open (rendered like the others)."""

from __future__ import annotations

from jwkconform.harness.spec._decision import Decision

__all__ = ["REVISED"]

REVISED: tuple[Decision, ...] = (
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
        id="D-32",
        question="How does a publisher learn that it is a new install (PUB-07)?",
        answer='The publisher configuration has a member `"newInstall"`: `true` starts the global'
        " mappings from the new-install defaults (an explicit mapping of a secret ID replaces"
        " that default); `false` or absent is an upgraded install, where only the mappings"
        " spelled out apply. The suites never hand the defaults to the publisher.",
        why="Handing the publisher the default mappings explicitly tested the harness's"
        " defaults, not the implementation's own.",
        applies_to=("PUB-07",),
        tested=True,
    ),
    Decision(
        id="D-33",
        question="What may `jwks_uri` be (PUB-13)?",
        answer="Any absolute `http` or `https` URL whose host is the publisher's own or a loopback"
        " name (`127.0.0.1`, `localhost`), and which, fetched, serves exactly that realm's"
        " keys; a Remote JSON Web Key URL, when set, is returned as configured.",
        why="The catalogue asks for a URL that works, not one spelling; the harness may reach"
        " only 127.0.0.1, so it checks other hosts' URLs by their effect, not by fetching.",
        applies_to=("PUB-13",),
        tested=True,
        tightens=(
            (
                "PUB-13",
                "on the publisher's own origin (or a loopback name, `127.0.0.1` or `localhost`)",
            ),
        ),
    ),
    Decision(
        id="D-34",
        question="A key reached by two rules (two mappings, or a mapping and the active alias): how"
        " often does it show (PUB-10)?",
        answer="Once per (`kid`, `alg`): with all combinations on, once per algorithm of its type;"
        " without, once. Two rules never make a duplicate entry.",
        why="A repeated identical entry says nothing new and makes a client's kid lookup"
        " ambiguous for no reason.",
        applies_to=("PUB-10", "PUB-11"),
        tested=True,
    ),
    Decision(
        id="D-35",
        question="Which published keys must carry `x5c` and `x5t` (PUB-11)?",
        answer="Every published key, all of which are asymmetric: a symmetric secret is never"
        " published (PUB-02), so no published key lacks a certificate.",
        why="A published key without its certificate cannot be pinned by the clients that check"
        " `x5t`.",
        applies_to=("PUB-11", "PUB-02"),
    ),
    Decision(
        id="D-36",
        question="What does RT-01 need of the publisher, and whose is its time bound?",
        answer="A publisher whose endpoints the store can fetch over loopback HTTP (the adapter"
        " honours `env.transport`); one that cannot is an adapter error, not a failure."
        " That a removed alias stops verifying within `cacheTimeout + leaseExpiry` is"
        " LEASE-03's finding: RT-01 fails only when a published alias does not verify.",
        why="A round trip tests the two halves together; a failure of the store's timing alone"
        " belongs to the store's own requirement.",
        applies_to=("RT-01", "LEASE-03"),
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
