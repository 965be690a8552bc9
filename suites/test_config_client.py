"""The HTTP client of a store (CFG-09): the handler it is given is the one it fetches
with, and the client it builds for itself bounds a whole fetch by a deadline.

The deadline test spends real time: a loopback server sends the set a few bytes at a time,
each piece well within any per-read time-out, for two seconds longer than the store's
deadline, and the store must give up within that deadline (and a second). The deadline is
the harness's fetch timeout, which adapters pass on to their implementation, or the fixed
one an implementation keeps whatever it is told, which its adapter declares
(``fetch_deadline``, decision D-43): the requirement asks for a finite deadline, not a
given one.
"""

from __future__ import annotations

import time
from typing import Final

import pytest

from jwkconform.harness import CLIENT_HEADER, Target, Trickle, premise
from jwkconform.suites._probes import Probe, loading
from jwkconform.suites._store_checks import not_loaded, signers, transports
from jwkconform.suites.store_strategies import public_set

# How much longer than its deadline a store may take to give up (thread hand-over, closing
# the connection); the body takes twice as long again to arrive.
SLACK: Final = 1.0
# The longest a loopback server trickles a body.
_LONGEST_TRICKLE: Final = 30.0


def _check_the_harness_can_wait(target: Target, deadline: float) -> None:
    """A deadline longer than one call may take, or than a body can trickle, cannot be
    watched: the run is set up wrongly (an error, not a finding)."""
    bound = target.call_deadline
    if deadline + 2 * SLACK > _LONGEST_TRICKLE or (bound is not None and deadline + SLACK >= bound):
        raise RuntimeError(
            f"{target.name}'s whole-fetch deadline is {deadline:g} s: this run cannot watch it"
            f" (one call may take {bound} s, a body trickles for at most {_LONGEST_TRICKLE:g}"
            f" s); run with --timeout {deadline + 2 * SLACK:g} or more, or a shorter deadline"
        )


@pytest.mark.jwk_requirement("CFG-09")
@pytest.mark.jwk_capability("http-client")
def test_the_supplied_handler_is_the_client_that_fetches(jwk_target: Target) -> None:
    alg, key = signers(jwk_target)[0]
    for target in transports(jwk_target):
        with target.open_store(document=public_set([key])) as rig:
            probe = Probe(target, rig)
            with premise("LOAD-01"):
                assert probe.serves(alg, key), f"the served key was not loaded ({probe.how})"
            clients = [f.client for f in rig.jwks.fetches if f.path == rig.jwks.path]
            assert clients, "no request reached the endpoint"
            assert all(c == "harness" for c in clients), (
                f"over {target.transport}, the store fetched the set with a client other than the "
                f"handler it was given: the requests' {CLIENT_HEADER} headers were {clients}"
            )


@pytest.mark.jwk_requirement("CFG-09")
@pytest.mark.jwk_capability("default-client")
def test_the_default_client_bounds_a_whole_fetch_by_a_deadline(jwk_target: Target) -> None:
    alg, key = signers(jwk_target)[0]
    document = public_set([key])
    with jwk_target.open_store(document=document, own_client=True) as rig:
        probe = Probe(jwk_target, rig)
        with premise("LOAD-01"):
            assert probe.serves(alg, key), (
                f"with its own HTTP client the store did not load a set served at once "
                f"({probe.how})"
            )
    # The run's own deadline, not a held store's shorter one: a client whose time-outs come
    # in whole seconds must be able to meet it, and the pieces must come far more often.
    own = jwk_target.fetch_deadline
    deadline = jwk_target.fetch_timeout if own is None else own
    _check_the_harness_can_wait(jwk_target, deadline)
    trickle = Trickle(seconds=deadline + 2 * SLACK)
    with jwk_target.open_store(document=document, own_client=True) as rig:
        rig.jwks.fail(trickle)
        probe = Probe(jwk_target, rig)
        started = time.monotonic()
        with loading():
            refused = not_loaded(probe, alg, key)
        took = time.monotonic() - started
        held = (
            f"a server that sent the set a few bytes at a time over {trickle.seconds:g} s held "
            f"the first query for {took:.1f} s"
        )
        whose = "it declares" if own is not None else "it was given"
        assert took <= deadline + SLACK, (
            f"{held}: the store's own client has no deadline for the whole fetch of "
            f"{deadline:g} s, the one {whose}"
        )
        assert refused, f"{held} and the set was loaded all the same"
