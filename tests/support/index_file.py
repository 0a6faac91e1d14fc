"""The library's index file as another process sees it, for tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from canvastoon_desktop.core.library import Library


@contextmanager
def index_file(library: Library) -> Iterator[sqlite3.Connection]:
    """The library's index file, opened as another process would open it (autocommit), for
    tests that set up or look at what no command writes or shows: a job left by a killed
    process, a damaged row, the summary tables themselves. The library commits what it
    wrote behind first; its own connection stays its own."""
    library.flush(wait=True)
    db = sqlite3.connect(library.root / "library.sqlite", isolation_level=None, timeout=30)
    try:
        yield db
    finally:
        db.close()
