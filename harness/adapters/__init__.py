"""Adapters for real JWKS client libraries, so the suites can compare them with the reference.

Each module wraps one library in the harness's terms and declares only what the library
really does. The libraries are optional: install the matching extra first.

- `jwkconform.harness.adapters.pyjwt`: PyJWT's ``PyJWKClient``, in process
  (``pip install 'jwkconform[pyjwt]'``, then
  ``jwkconform run --adapter jwkconform.harness.adapters.pyjwt:factory``).

Libraries in other languages are driven over the driver protocol instead (see
``drivers/`` and docs/driver-protocol.md).
"""
