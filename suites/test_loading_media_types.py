"""A 200 answer loads whatever its `Content-Type` says (LOAD-01, decision D-10).

Many key servers label their set `text/plain` or `application/octet-stream`; the body
decides. Every example serves the set under each label below, each in a store of its own.
"""

from __future__ import annotations

from typing import Final

import pytest
from hypothesis import given

from jwkconform.harness import Target, WrongContentType
from jwkconform.suites._probes import SHORT_LEASE, Probe, loading
from jwkconform.suites.store_strategies import Keys, public_set, signing_keys

_LABELS: Final = (
    "text/plain",
    "text/plain; charset=utf-8",
    "application/octet-stream",
    "text/html",
    "application/jwk-set+json",
)


@pytest.mark.jwk_requirement("LOAD-01")
@given(keys=signing_keys(min_size=1, max_size=3))
def test_a_set_is_read_whatever_its_content_type(jwk_target: Target, keys: Keys) -> None:
    for label in _LABELS:
        with jwk_target.open_store(SHORT_LEASE, document=public_set([k for _, k in keys])) as rig:
            rig.jwks.fail(WrongContentType(label))
            probe = Probe(jwk_target, rig)
            with loading():
                served = probe.served_ids(keys)
            kids = [str(k["kid"]) for _, k in keys]
            assert served == kids, (
                f"a 200 answer labelled {label!r} holding a JWK Set was not read: only "
                f"{served} of {kids} were served ({probe.how}); the body decides (D-10)"
            )
