"""Find the adapter to test: ``--jwk-adapter``, the ``jwk_adapter`` ini key, or an entry point.

A value with a colon is ``module:factory``; a bare word names an entry point in the group
``jwkconform.adapters``. With no value, a single entry point from another distribution is
used, and the reference otherwise (the adapters jwkconform ships are chosen by name).
"""

from __future__ import annotations

import importlib
from importlib.metadata import EntryPoint, entry_points

from jwkconform.harness._adapter import Adapter

__all__ = ["ENTRY_POINT_GROUP", "REFERENCE", "AdapterNotFound", "resolve_adapter"]

ENTRY_POINT_GROUP = "jwkconform.adapters"
REFERENCE = "jwkconform.harness.reference_adapter:factory"


class AdapterNotFound(Exception):
    """The adapter named by the user cannot be loaded; the message says why."""


def resolve_adapter(spec: str | None) -> tuple[str, Adapter]:
    """The adapter named by ``spec`` (or the default) and the ``module:factory`` it came from."""
    if spec and ":" in spec:
        return spec, _call(spec, _load_attribute(spec))
    points = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if spec:
        if spec not in points:
            known = ", ".join(sorted(points)) or "none installed"
            raise AdapterNotFound(
                f"no adapter entry point {spec!r} in group {ENTRY_POINT_GROUP!r} (known: {known});"
                " or give module:factory"
            )
        return _from_entry_point(points[spec])
    # Adapters that ship with jwkconform (PyJWT's, say) are chosen by name, never by default.
    others = [ep for ep in points.values() if not ep.value.startswith("jwkconform.")]
    if len(others) > 1:
        names = ", ".join(sorted(ep.name for ep in others))
        raise AdapterNotFound(
            f"several adapters are installed ({names}): choose one with --jwk-adapter"
        )
    if others:
        return _from_entry_point(others[0])
    return REFERENCE, _call(REFERENCE, _load_attribute(REFERENCE))


def _from_entry_point(point: EntryPoint) -> tuple[str, Adapter]:
    try:
        target = point.load()
    except Exception as exc:
        raise AdapterNotFound(
            f"entry point {point.name!r} ({point.value}) failed to load: {exc!r}"
        ) from exc
    return point.value, _call(point.value, target)


def _load_attribute(spec: str) -> object:
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise AdapterNotFound(f"cannot import adapter module {module_name!r}: {exc!r}") from exc
    target: object = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AdapterNotFound(
                f"module {module_name!r} has no attribute {attribute!r}"
            ) from None
    return target


def _call(spec: str, factory: object) -> Adapter:
    if not callable(factory):
        raise AdapterNotFound(f"{spec} is not callable: an adapter factory takes no arguments")
    try:
        adapter = factory()
    except Exception as exc:
        raise AdapterNotFound(f"adapter factory {spec} raised {exc!r}") from exc
    problems = [
        name
        for name, kind in (("name", str), ("capabilities", frozenset), ("transport", str))
        if not isinstance(getattr(adapter, name, None), kind)
    ]
    if not callable(getattr(adapter, "open_store", None)):
        problems.append("open_store")
    if problems:
        raise AdapterNotFound(
            f"{spec} returned {adapter!r}, which lacks a valid {', '.join(problems)}"
            " (see docs/adapters.md)"
        )
    if adapter.transport not in {"respx", "loopback"}:
        raise AdapterNotFound(
            f"{spec}: transport must be 'respx' or 'loopback', not {adapter.transport!r}"
        )
    return adapter  # type: ignore[no-any-return]
