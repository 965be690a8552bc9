"""Adapters for real JWKS client libraries, so the suites can compare them with the reference.

Each module wraps one library in the harness's terms and declares only what the library
really does. The libraries are optional: install the matching extra first. These adapters
are chosen by name only; a run without ``--adapter`` never picks one of them.

- `jwkconform.harness.adapters.pyjwt`: PyJWT's ``PyJWKClient``, in process
  (``pip install 'jwkconform[pyjwt]'``, then ``jwkconform run --adapter pyjwt``).
- `jwkconform.harness.adapters.authlib_oidc`: Authlib's OpenID client (``OpenIDMixin``:
  ``fetch_jwk_set`` and ``parse_id_token``), in process (``pip install
  'jwkconform[authlib]'``, then ``jwkconform run --adapter authlib``).
- `jwkconform.harness.adapters.joserfc_keyset`: joserfc's ``KeySet`` with ``jwt.decode``,
  which fetch and cache nothing: the adapter reads the set afresh for every query
  (``pip install 'jwkconform[joserfc]'``, then ``jwkconform run --adapter joserfc``).

Libraries in other languages are driven over the driver protocol instead (see
``drivers/`` and docs/driver-protocol.md).
"""
