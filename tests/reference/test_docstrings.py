"""The usage examples in the reference's docstrings run as written."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import jwkconform.reference as reference

MODULES = sorted(m.name for m in pkgutil.iter_modules(reference.__path__, "jwkconform.reference."))


@pytest.mark.parametrize("name", ["jwkconform.reference", *MODULES])
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    public = {n: getattr(reference, n) for n in reference.__all__}
    failures, _ = doctest.testmod(module, extraglobs=public, optionflags=doctest.ELLIPSIS)
    assert failures == 0
