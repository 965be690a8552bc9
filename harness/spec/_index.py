"""Rows by ID: the one table builder of the requirements and the decisions.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Row:
...     id: str
>>> list(by_id((Row("A-1"), Row("A-2")), "row"))
['A-1', 'A-2']
>>> by_id((Row("A-1"), Row("A-1")), "row")
Traceback (most recent call last):
...
ValueError: row A-1 is listed twice
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Protocol, TypeVar

__all__ = ["by_id"]


class _Row(Protocol):
    @property
    def id(self) -> str: ...


RowT = TypeVar("RowT", bound=_Row)


def by_id(rows: Iterable[RowT], kind: str) -> Mapping[str, RowT]:
    """``rows`` by their ID, in their order; an ID listed twice is a ``ValueError``
    naming the ``kind`` of row."""
    table: dict[str, RowT] = {}
    for row in rows:
        if row.id in table:
            raise ValueError(f"{kind} {row.id} is listed twice")
        table[row.id] = row
    return MappingProxyType(table)
