"""Running the suites: ``jwkconform run``, the pytest plugin's session, campaigns.

The top layer: it imports every other part. ``_options`` is the one table of a run's
options and checks them into `RunOptions` (``jwkconform run`` once, before pytest starts;
a plain pytest run from its configuration); ``_profiles`` holds the Hypothesis profiles;
``_cli`` is ``jwkconform run``, which resolves the target first (``_prepare``) and stops
with one line (``_problems``) when it cannot; ``_session`` is one run's state on the pytest
config and the home of the verdict hooks; ``_phase`` judges one phase of a test (with
``_judge``, from its exception to judgements of requirements); ``_jobs`` says how many
worker processes a run uses (``--jobs``); ``_campaign`` runs many seeds and merges them.
The pytest entry points are in `jwkconform.harness.plugin`.

>>> from jwkconform.harness.run._profiles import PROFILES
>>> sorted(PROFILES)
['ci', 'dev', 'thorough']
"""
