"""The conformance suites, run by ``jwkconform run`` (or ``pytest --pyargs jwkconform.suites``).

Each test carries ``@pytest.mark.jwk_requirement(ID)`` and speaks to the implementation only
through the ``jwk_target`` fixture (an adapter). Reusable Hypothesis strategies live in
`jwkconform.suites.store_strategies` (key sets, kids, durations) and
`jwkconform.suites.publisher_strategies` (keystores, mappings, realm trees).
"""
