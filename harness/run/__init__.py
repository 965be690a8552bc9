"""Running the suites: ``jwkconform run``, the pytest plugin's session, campaigns.

The top layer: it imports every other part. ``_cli`` checks a run's options before pytest
starts (``_options`` reads them from pytest's configuration, ``_profiles`` holds the
Hypothesis profiles); ``_session`` is one run's state on the pytest config; ``_judge`` turns
a test's report into judgements of requirements; ``_campaign`` runs many seeds and merges
them. The pytest entry points are in `jwkconform.harness.plugin`.

>>> from jwkconform.harness.run._profiles import PROFILES
>>> sorted(PROFILES)
['ci', 'dev', 'thorough']
"""
