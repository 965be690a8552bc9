"""The specification as data: what an implementation must do, and what it is known to do.

The bottom layer of the harness: it imports no other part. The requirements live in
``_registry``, one `Requirement` each (``_requirement``), their rows in
``_requirements_store``, ``_requirements_use`` and ``_requirements_publisher``. The
decisions that settle what the catalogue leaves open are in ``_decisions``, one `Decision`
each (``_decision``), their rows by the group of the first requirement they bear on
(``_decisions_store``, ``_decisions_use``, ``_decisions_publisher``); both tables are
indexed by ``_index``. The key types and algorithms the suites draw are in ``_keys``; the
document forms in ``_spec`` (``jwkconform spec``), ``_coverage`` (docs/coverage.md) and
``_ground_truth`` (docs/ground-truth.md); an expected-failures file in ``_expected``.

>>> from jwkconform.harness.spec._registry import requirement
>>> requirement("KID-01").level.value
'MUST'
"""
