"""Private folders for the stores and publishers a run opens, reused once given back empty.

Every store and publisher gets a private folder (``env.tmp_path``), and a run opens a few
thousand of them. A fresh folder each time cost a ``mkdir`` and a ``rmtree``, metadata
writes that a busy disk makes slow: 12% of the samples of a `dev` run of the reference on a
loaded machine. A folder given back empty (the usual case) goes to the next store instead;
one given back with files in it is removed at once, so every store still starts with an
empty folder of its own that no other open store holds.

>>> pool = FolderPool()
>>> with pool.folder() as first:
...     pass
>>> with pool.folder() as second:
...     second == first
True
>>> pool.close()
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

__all__ = ["FolderPool"]

_KEPT: Final = 16  # empty folders kept for reuse; more are removed


class FolderPool:
    """Empty private folders, one per open store or publisher."""

    def __init__(self) -> None:
        self._free: list[Path] = []
        self._lock = threading.Lock()

    def take(self) -> Path:
        """An empty folder that nothing else holds."""
        with self._lock:
            while self._free:
                folder = self._free.pop()
                if folder.is_dir():  # an adapter may have removed its folder itself
                    return folder
        return Path(tempfile.mkdtemp(prefix="jwkconform-"))

    def give_back(self, folder: Path) -> None:
        """Keep ``folder`` for the next store if it is empty; remove it otherwise."""
        try:
            with os.scandir(folder) as entries:
                empty = next(entries, None) is None
        except OSError:
            empty = False
        with self._lock:
            if empty and len(self._free) < _KEPT:
                self._free.append(folder)
                return
        shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def folder(self) -> Iterator[Path]:
        """A folder for the ``with`` block, given back at its end."""
        folder = self.take()
        try:
            yield folder
        finally:
            self.give_back(folder)

    def close(self) -> None:
        """Remove the folders kept for reuse (safe to call again)."""
        with self._lock:
            kept, self._free = self._free, []
        for folder in kept:
            shutil.rmtree(folder, ignore_errors=True)
