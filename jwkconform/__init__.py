"""jwkconform: a conformance harness and executable specification for JWK-Set secret stores.

The package has four parts, each a subpackage:

- ``jwkconform.reference``: the reference secret store, secrets provider and publisher;
- ``jwkconform.harness``: the pytest plugin, adapters, fake clock, mock JWKS servers, reports;
- ``jwkconform.suites``: the conformance suites, run against an adapter;
- ``jwkconform.fixtures``: keys, JWK Sets and tokens as data, and their generators.

PYTEST_DONT_REWRITE: ``jwkconform run`` imports this package before pytest starts, and it
holds no assertions; the marker tells pytest not to warn that it cannot rewrite it.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
