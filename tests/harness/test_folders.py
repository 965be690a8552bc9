"""The private folders of stores and publishers: empty, unshared, reused, removed."""

from __future__ import annotations

import shutil

from jwkconform.harness.seam._folders import FolderPool


def test_an_empty_folder_is_reused_and_one_with_files_is_removed() -> None:
    pool = FolderPool()
    with pool.folder() as first:
        pass
    with pool.folder() as again:
        assert again == first
        (again / "set.json").write_text("{}")
    assert not first.exists()
    with pool.folder() as fresh:
        assert fresh != first
        assert list(fresh.iterdir()) == []
    pool.close()
    assert not fresh.exists()


def test_folders_held_at_once_are_distinct() -> None:
    pool = FolderPool()
    with pool.folder() as one, pool.folder() as two:
        assert one != two
    with pool.folder() as three, pool.folder() as four:
        assert {three, four} == {one, two}
    pool.close()
    assert not one.exists()
    assert not two.exists()


def test_a_folder_the_adapter_removed_is_not_handed_out_again() -> None:
    pool = FolderPool()
    with pool.folder() as first:
        pass
    shutil.rmtree(first)
    with pool.folder() as second:
        assert second.is_dir()
        assert second != first
    pool.close()
