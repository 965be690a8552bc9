"""The target of a run, resolved from its options: by the plugin when pytest needs it, by
``jwkconform run`` before pytest starts (and handed over as `Prepared`)."""

from __future__ import annotations

from dataclasses import dataclass

from jwkconform.harness.run._options import RunOptions
from jwkconform.harness.seam._adapter import Adapter
from jwkconform.harness.seam._driver import DriverAdapter, DriverError
from jwkconform.harness.seam._resolve import AdapterNotFound, check_adapter, resolve_adapter

__all__ = ["Prepared", "resolve"]


def resolve(options: RunOptions) -> tuple[str, Adapter]:
    """The adapter the options name (or the driver they start): its spec and the adapter;
    `AdapterNotFound` with one line when it cannot be used."""
    if options.driver is None:
        return resolve_adapter(options.adapter)
    spec = f"driver: {options.driver}"
    try:
        adapter = DriverAdapter(options.driver, timeout=options.call_timeout)
        check_adapter(spec, adapter)
    except (DriverError, ValueError, AdapterNotFound) as exc:
        raise AdapterNotFound(" ".join(str(exc).split("\n", 1)[0].split())) from None
    return spec, adapter


@dataclass(eq=False)  # a plugin object too: hashed by identity
class Prepared:
    """What `jwkconform run` resolved before pytest started (handed over as a plugin)."""

    spec: str
    adapter: Adapter
    options: RunOptions  # checked by `jwkconform run`: the plugin takes them as they are
