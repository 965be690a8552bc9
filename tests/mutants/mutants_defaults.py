"""Broken stores that cannot be configured: the adapter declares neither ``cache-timeout``
nor ``miss-window``, so the suites judge the cache at the catalogue's defaults (2 minutes
each, CFG-03 and CFG-05), and each mutant has another fixed value. A fixed window that is
too short breaks the cache requirements themselves; one that is too long is the default's
fault. See mutant_support.py for how a mutant works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mutant_support import wrap_from_json

from jwkconform.harness.reference_adapter import ReferenceAdapter

MUTANTS: dict[str, tuple[str, ...]] = {}
_FIXED = frozenset({"cache-timeout", "miss-window", "config-refusal", "duration-syntax"})


def _fixed(targets: tuple[str, ...], **values: str) -> Callable[[Callable[[], None]], Any]:
    def register(doc: Callable[[], None]) -> Callable[[], ReferenceAdapter]:
        def factory() -> ReferenceAdapter:
            wrap_from_json(lambda raw: raw.update(values))
            adapter = ReferenceAdapter()
            adapter.capabilities = adapter.capabilities - _FIXED
            adapter.name = f"mutant {doc.__name__}"  # type: ignore[misc]
            return adapter

        MUTANTS[doc.__name__] = targets
        factory.__name__ = doc.__name__
        factory.__doc__ = doc.__doc__
        return factory

    return register


@_fixed(("CFG-05", "CACHE-03"), cacheMissCacheTime="0 s")
def every_miss_reloads_and_nothing_is_configurable() -> None:
    """No miss window at all: every kid miss refetches, even inside the default window
    (a fetch for a miss inside the window is CACHE-03's, as everywhere in the suites)."""


@_fixed(("CFG-05", "CACHE-03"), cacheMissCacheTime="30 s")
def a_fixed_thirty_second_miss_window() -> None:
    """A fixed miss window of 30 s, shorter than the default 2 minutes."""


@_fixed(("CFG-03",), cacheTimeout="10 min")
def a_fixed_ten_minute_lifetime() -> None:
    """A fixed lifetime of 10 minutes: CFG-03's failure; what depends on a reload at the
    default 2 minutes is blocked by it, never failed."""
