"""Adapters for real JWKS client libraries, so the suites can compare them with the reference.

Each module wraps one library in the harness's terms and declares only what the library
really does. The libraries are optional: install the matching extra first. These adapters
are chosen by name only; a run without ``--adapter`` never picks one of them.

- `jwkconform.harness.adapters.pyjwt`: PyJWT's ``PyJWKClient``, in process
  (``pip install 'jwkconform[pyjwt]'``, then ``jwkconform run --adapter pyjwt``).

Libraries in other languages are driven over the driver protocol instead (see
``drivers/`` and docs/driver-protocol.md).
"""
