"""Find the adapter to test: ``--jwk-adapter``, the ``jwk_adapter`` ini key, or an entry point.

A value with a colon is ``module:factory`` or ``path/to/adapter.py:factory``; a bare word
names an entry point in the group ``jwkconform.adapters``. With no value, a single entry
point from another distribution is used, and the reference otherwise (the adapters
jwkconform ships are chosen by name). The adapter is checked against the contract at once,
so a broken one is a one-line error before any test is collected.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import cast

from jwkconform.harness.seam._adapter import Adapter, unknown_capabilities
from jwkconform.harness.spec._keys import KeySupport

__all__ = ["ENTRY_POINT_GROUP", "REFERENCE", "AdapterNotFound", "Interrupted", "resolve_adapter"]

ENTRY_POINT_GROUP = "jwkconform.adapters"
REFERENCE = "jwkconform.harness.reference_adapter:factory"


class AdapterNotFound(Exception):
    """The adapter named by the user cannot be loaded or breaks the contract; the message
    (one line) says why."""


class Interrupted(Exception):
    """The adapter's factory was interrupted (Ctrl-C while it ran)."""


def resolve_adapter(spec: str | None) -> tuple[str, Adapter]:
    """The adapter named by ``spec`` (or the default) and the ``module:factory`` it came from."""
    if spec is not None and not spec.strip():
        raise AdapterNotFound("the adapter name is empty: give module:factory or an entry point")
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
            f"entry point {point.name!r} ({point.value}) failed to load: {_one_line(exc)}"
        ) from None
    return point.value, _call(point.value, target)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _import(module_name: str) -> object:
    """Import ``module_name``, or load ``path/to/file.py`` as a module of its own."""
    if module_name.endswith(".py") or os.sep in module_name or "/" in module_name:
        path = Path(module_name)
        if not path.is_file():
            raise AdapterNotFound(f"adapter file {module_name} does not exist")
        if (path.parent / "__init__.py").is_file():
            return _import_from_package(path)
        name = f"jwkconform_adapter_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise AdapterNotFound(f"cannot load adapter file {module_name}: not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look a module up by name
        spec.loader.exec_module(module)
        return module
    # As `python -m` does: a module in the current folder is importable.
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    return importlib.import_module(module_name)


def _import_from_package(path: Path) -> object:
    """A file inside a package (its folder has ``__init__.py``), imported by its dotted name
    from the folder above the package's top, so its own imports (``from pkg import x``,
    ``from . import x``) work as they do in the package."""
    path = path.resolve()
    parts = [path.stem]
    top = path.parent
    while (top / "__init__.py").is_file():
        parts.insert(0, top.name)
        top = top.parent
    if not all(part.isidentifier() for part in parts):
        raise AdapterNotFound(
            f"adapter file {path} is inside a package but {'.'.join(parts)!r} is no module"
            " name: give module:factory instead"
        )
    if str(top) not in sys.path:
        sys.path.insert(0, str(top))
    return importlib.import_module(".".join(parts))


def _load_attribute(spec: str) -> object:
    module_name, _, attribute = spec.rpartition(":")
    if not module_name or not attribute:
        raise AdapterNotFound(f"adapter {spec!r} is not module:factory")
    try:
        target: object = _import(module_name)
    except AdapterNotFound:
        raise
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted while importing {module_name}") from None
    except BaseException as exc:  # SystemExit from a module is the module's problem too
        raise AdapterNotFound(
            f"cannot import adapter module {module_name!r}: {_one_line(exc)}"
        ) from None
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
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted while adapter factory {spec} ran") from None
    except BaseException as exc:  # SystemExit too: a factory must not end the run
        raise AdapterNotFound(f"adapter factory {spec} raised {_one_line(exc)}") from None
    check_adapter(spec, adapter)
    return cast("Adapter", adapter)


def check_adapter(spec: str, adapter: object) -> None:
    """Raise `AdapterNotFound` (one line) unless ``adapter`` keeps the adapter contract."""
    problems = [
        name
        for name, kind in (("name", str), ("capabilities", frozenset), ("transport", str))
        if not isinstance(getattr(adapter, name, None), kind)
    ]
    if not callable(getattr(adapter, "open_store", None)):
        problems.append("open_store")
    if problems:
        raise AdapterNotFound(
            f"{spec} returned {type(adapter).__name__}, which lacks a valid"
            f" {', '.join(problems)} (see: jwkconform docs adapters)"
        )
    transport = getattr(adapter, "transport", None)
    if transport not in {"respx", "loopback"}:
        raise AdapterNotFound(f"{spec}: transport must be 'respx' or 'loopback', not {transport!r}")
    unknown = unknown_capabilities(getattr(adapter, "capabilities", ()))
    if unknown:
        raise AdapterNotFound(
            f"{spec} declares unknown capabilities {unknown} (see: jwkconform docs adapters)"
        )
    support = getattr(adapter, "key_support", None)
    if support is not None and not isinstance(support, KeySupport):
        raise AdapterNotFound(f"{spec}: key_support must be a KeySupport, not {support!r}")
