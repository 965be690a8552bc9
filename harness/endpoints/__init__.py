"""The mock JWKS endpoints an implementation fetches from, on the fake clock.

It imports no other part of the harness. The clock is ``_clock``; what an endpoint serves
and when, with the log of every fetch, is a scenario (``_scenario``) and its faults
(``_faults``); two transports answer from a scenario: in process through httpx
(``_respx_transport``) and on 127.0.0.1 (``_loopback``). The harness's own requests to
loopback servers use ``_client``.

>>> from jwkconform.harness.endpoints._clock import FakeClock
>>> clock = FakeClock(start=0.0)
>>> clock.advance(120)
120.0
>>> clock.now()
120.0
"""
