"""The seam between the suites and an implementation: adapters, drivers, and what was seen.

It imports the specification (``spec``) and the endpoints (``endpoints``). An adapter's
contract is ``_adapter``; finding the adapter to test is ``_resolve``; implementations in
other processes speak the driver protocol (``_driver``, its process in ``_driver_process``);
a deadline bounds every in-process call (``_deadline``). The suites reach an implementation
through a `Target` (``_target``: fresh stores in private folders, ``_folders``, with the
gateway's durations read by ``_durations``), each store held to the contract by ``_checked``.
``_attribution`` says which requirement a failure counts against; ``_timeline`` records
what happened on the fake clock, ``_seen`` in words.

>>> from jwkconform.harness.seam._attribution import check
>>> with check("KID-01"):
...     assert "a" == "a"
"""
