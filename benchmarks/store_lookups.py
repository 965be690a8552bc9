"""Reference store: named-lookup time across set sizes, and the time to load a set.

Run: ``python benchmarks/store_lookups.py`` (prints a Markdown table). The set is read from
a ``file:`` URL so that only the store's own work is measured.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from jwkconform.fixtures import many_keys_set
from jwkconform.reference import JwkSetSecretStore

SIZES: Sequence[int] = (10, 1_000, 10_000, 100_000)
LOOKUPS = 20_000
ROUNDS = 5


def _store(path: Path) -> JwkSetSecretStore:
    # A clock that never moves: the set stays fresh and no lookup reloads.
    return JwkSetSecretStore.from_json(
        {"jwkUrl": path.as_uri(), "maxBodyBytes": 1 << 30}, clock=lambda: 0.0
    )


def _median(run: Callable[[], float]) -> tuple[float, float]:
    samples = [run() for _ in range(ROUNDS)]
    return statistics.median(samples), max(samples) - min(samples)


def measure(size: int, folder: Path) -> tuple[float, float, float, float]:
    """(named lookup ns median, spread, load seconds median, spread) for a set of ``size``."""
    path = folder / f"set-{size}.json"
    path.write_text(json.dumps(many_keys_set(size)))
    kids = [f"k{random.randrange(size)}" for _ in range(LOOKUPS)]

    def load() -> float:
        store = _store(path)
        start = time.perf_counter()
        store.valid("verify")
        return time.perf_counter() - start

    store = _store(path)
    store.named("verify", "k0")

    def lookups() -> float:
        start = time.perf_counter()
        for kid in kids:
            store.named("verify", kid)
        return (time.perf_counter() - start) / LOOKUPS * 1e9

    lookup, lookup_spread = _median(lookups)
    loaded, load_spread = _median(load) if size <= 10_000 else (float("nan"), float("nan"))
    return lookup, lookup_spread, loaded, load_spread


def main() -> None:
    print("| keys | named lookup (ns, median) | spread | load (s, median) | spread |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            lookup, spread, loaded, load_spread = measure(size, Path(folder))
            print(
                f"| {size:,} | {lookup:,.0f} | {spread:,.0f} | {loaded:.3f} | {load_spread:.3f} |"
            )


if __name__ == "__main__":
    main()
