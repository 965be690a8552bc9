"""A pytest plugin (``-p hunt_profile``) for mutant runs: find a failure, do not shrink it.

Shrinking makes a failure readable for a person; here only the failing requirement IDs
matter, so the time goes to finding one. ``--hunt-examples N`` sets how many examples each
property gets (10 unless given); test_mutants.py asks for fewer, and its mutants must die
with that many.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings

DEFAULT_EXAMPLES = 10


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hunt-examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        help=f"examples per property in a mutant hunt (default {DEFAULT_EXAMPLES})",
    )


def pytest_configure(config: pytest.Config) -> None:
    settings.register_profile(
        "mutant-hunt",
        max_examples=config.getoption("--hunt-examples"),
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    settings.load_profile("mutant-hunt")
