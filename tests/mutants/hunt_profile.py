"""A pytest plugin (``-p hunt_profile``) for mutant runs: find a failure, do not shrink it.

Shrinking makes a failure readable for a person; here only the failing requirement IDs
matter, so the time goes to finding one.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings


def pytest_configure(config: pytest.Config) -> None:
    settings.register_profile(
        "mutant-hunt",
        max_examples=10,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    settings.load_profile("mutant-hunt")
