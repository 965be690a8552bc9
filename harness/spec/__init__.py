"""The specification as data: what an implementation must do, and what it is known to do.

The bottom layer of the harness: it imports no other part. The requirements live in
``_registry`` (its rows, of the type in ``_requirement``, in ``_requirements_store``,
``_requirements_use`` and ``_requirements_publisher``); the decisions that settle what the
catalogue leaves open in ``_decisions`` (one `Decision` each, ``_decision``, in
``_decisions_store``, ``_decisions_use`` and ``_decisions_publisher``), both tables built by
``_index``; the key types and algorithms the suites draw in ``_keys``; the document forms in
``_spec`` (``jwkconform spec``), ``_coverage`` (docs/coverage.md) and ``_ground_truth``
(docs/ground-truth.md); an expected-failures file in ``_expected``.

>>> from jwkconform.harness.spec._registry import requirement
>>> requirement("KID-01").level.value
'MUST'
"""
