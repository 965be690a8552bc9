"""Decisions on the JWK URI publisher and the round trip (first bearing on PUB or RT)."""

from __future__ import annotations

from jwkconform.harness.spec._decision import Decision

__all__ = ["ROWS"]

ROWS: tuple[Decision, ...] = (
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
)
