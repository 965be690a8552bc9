"""Each library's ground truth and known failures, usable by name with
``jwkconform run --expected-failures pyjwt``."""
