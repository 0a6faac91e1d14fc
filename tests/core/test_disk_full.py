"""A full disk is a clear error with nothing half-written: an unpack lands whole or not at
all, a result that cannot be saved fails its node (the paid job stays journaled), and the
commands that only look (validate, assets list, runs) never write at all."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main
from canvastoon_desktop.core.errors import LibraryError
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.core.library import writer as library_writer
from canvastoon_desktop.core.pack import PackError, unpack
from canvastoon_desktop.core.resources import examples_dir
from nodes import default_registry
from tests.core.test_pack import made_pack  # noqa: F401 (a fixture)
from tests.support.fakes import FakeAdapter, fake_prices, fake_registry
from tests.support.index_file import index_file


def fill_up_after_the_assets(library: Library) -> None:
    """SQLite says "disk is full" in the middle of the import: after the assets' rows went
    in, at the first result row (a trigger raises the very error a full disk gives)."""
    with index_file(library) as db:
        db.execute(
            "CREATE TRIGGER disk_full BEFORE INSERT ON results"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file's size and time, but SQLite's own coordination files (-wal, -shm), which
    a reader may create, empty."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_a_failed_unpack_on_a_full_disk_leaves_no_row_and_no_folder(
    made_pack,  # noqa: F811
    tmp_path: Path,
) -> None:
    library = Library(tmp_path / "library")
    before = lq.count_assets(library)
    fill_up_after_the_assets(library)
    with pytest.raises(PackError, match=r"disk is full.*nothing was kept"):
        unpack(made_pack["pack"], tmp_path / "opened", library, default_registry())
    assert not (tmp_path / "opened").exists()
    library.close()
    reopened = Library(tmp_path / "library")
    assert lq.count_assets(reopened) == before == 0
    with index_file(reopened) as db:
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 0
    lq.close_reader(reopened)
    reopened.close()


def test_a_run_on_a_full_disk_fails_clearly_and_sends_nothing(tmp_path: Path, monkeypatch) -> None:
    registry = fake_registry()
    library = Library(tmp_path / "library")
    executor = Executor(
        registry, library, fake_prices(), adapters={"aiml": FakeAdapter(journal=True)}
    )
    graph = Graph(registry)
    graph.create_node("test.step", params={"text": "hi", "model": "test/echo"})

    def full(db: sqlite3.Connection, statements: object) -> None:  # the writer's commit
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(library_writer, "apply_statements", full)
    summary = asyncio.run(executor.run(graph))
    (outcome,) = summary.nodes.values()
    assert outcome.status == "failed" and "disk is full" in outcome.error
    assert outcome.error_kind != "internal" and "Traceback" not in outcome.error
    # the disk is still full when the library closes (the run's last rows may reach the
    # writer thread only now): what could not be committed is said, once more, at the end
    with pytest.raises(LibraryError, match="could not save: database or disk is full"):
        library.close()
    monkeypatch.undo()
    again = Library(tmp_path / "library")
    assert again.jobs() == []  # the create could not be journaled, so it was never sent
    again.close()


@pytest.mark.slow
def test_commands_that_only_look_never_write(tmp_path: Path, capsys) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(examples_dir(), examples, ignore=shutil.ignore_patterns("exports"))
    library = tmp_path / "library"
    assert main(["run", str(examples / "offline_storyboard.ctoon"), "--library", str(library)]) == 0
    before = snapshot(library)
    os.environ["CANVASTOON_LIBRARY"] = str(library)
    try:
        assert main(["validate", str(examples / "offline_storyboard.ctoon")]) == 0
    finally:
        del os.environ["CANVASTOON_LIBRARY"]
    assert main(["assets", "list", "--library", str(library)]) == 0
    assert main(["runs", "--library", str(library)]) == 0
    capsys.readouterr()
    assert snapshot(library) == before
    missing = tmp_path / "no-library-here"
    assert main(["assets", "list", "--library", str(missing), "--json"]) == 0
    assert not missing.exists()


def test_a_library_whose_index_is_full_still_opens_for_reading(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    library.close()
    db = sqlite3.connect(tmp_path / "library" / "library.sqlite")
    db.execute("PRAGMA max_page_count=1")
    db.close()
    reader = Library(tmp_path / "library", read_only=True)
    assert lq.count_assets(reader) == 0
    reader.close()
