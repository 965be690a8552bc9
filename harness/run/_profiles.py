"""Hypothesis profiles for conformance runs: ``dev`` (quick), ``ci`` and ``thorough``.

Hypothesis is imported inside each function, not at the top: the plugin imports this
module, and must not import Hypothesis before pytest registers it (see jwkconform.harness).

Deadlines are off because time in the suites is fake and a loopback server adds jitter;
the example database is off so that a run from any folder writes nothing there. A failure
is replayed from the seed (printed in the header and the report) and the printed blob.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Final

__all__ = ["DEFAULT_PROFILE", "PROFILES", "apply_profile", "load_profile", "register_profiles"]

DEFAULT_PROFILE: Final = "dev"
PROFILES: Mapping[str, int] = {"dev": 15, "ci": 60, "thorough": 500}


def register_profiles() -> None:
    """Register every profile with Hypothesis (idempotent)."""
    # Not at the top: see the module docstring.
    from hypothesis import HealthCheck, Phase, settings

    for name, examples in PROFILES.items():
        settings.register_profile(
            f"jwkconform-{name}",
            max_examples=examples,
            deadline=None,
            database=None,
            print_blob=True,
            # The explain phase re-runs a failure many times to annotate lines; the seed and
            # the printed blob replay it, and it made failing runs several times longer.
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )


def load_profile(name: str) -> None:
    """Make profile ``name`` the current Hypothesis settings."""
    # Not at the top: see the module docstring.
    from hypothesis import settings

    settings.load_profile(f"jwkconform-{name}")


def apply_profile(test: object) -> None:
    """Give a Hypothesis test collected before its profile was loaded the current settings.

    ``@given`` takes the default settings when it is applied, at import; a test that chose
    its own settings keeps them.
    """
    # Not at the top: see the module docstring.
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    if callable(test) and hasattr(test, "hypothesis"):
        with contextlib.suppress(InvalidArgument):  # raised when the test set its own
            settings(settings.default)(test)
