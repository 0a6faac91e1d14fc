"""Commits the library's written-behind rows on a thread of its own.

The event loop (the GUI's, or the CLI's) hands over batches of statements and goes on; the
writer commits each batch in one transaction on its own SQLite connection. SQLite releases
the GIL while it works, so a big commit costs the loop nothing.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Statement = tuple[str, Sequence[Any], bool]  # (sql, args or rows, is-many)

#: the writer checkpoints the WAL (copies its pages into the database) once it holds this
#: much, or once nothing was written for ``_IDLE_CHECKPOINT_S``, rather than after every
#: commit past 4 MB (SQLite's default): a big run's batches dirty the pages of every index
#: keyed by a hash, and a checkpoint per batch copied them all again each time
_CHECKPOINT_WAL_BYTES = 256 << 20
#: longer than the executor's periodic flush, so a long run's batches do not each end in one
_IDLE_CHECKPOINT_S = 10.0
#: how long a statement waits for another connection's lock
_BUSY_TIMEOUT_S = 30
#: SQLite's own checkpoints (by any connection's commit, in pages): only should the writer
#: not keep up with its own; the writer thread checkpoints, never the event loop's commits
_AUTOCHECKPOINT_PAGES = 2 * _CHECKPOINT_WAL_BYTES // 4096


def apply_statements(db: sqlite3.Connection, statements: Sequence[Statement]) -> None:
    """Run statements, one ``executemany`` per statement text (each table's rows keep their
    order; the tables written behind do not depend on each other within a batch)."""
    groups: dict[str, list[Sequence[Any]]] = {}
    for sql, args, many in statements:
        rows = groups.setdefault(sql, [])
        if many:
            rows.extend(args)
        else:
            rows.append(args)
    for sql, rows in groups.items():
        db.executemany(sql, rows)


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(
        path, check_same_thread=False, isolation_level=None, timeout=_BUSY_TIMEOUT_S
    )
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-65536")  # 64 MB: indexes keyed by hashes
    db.execute("PRAGMA temp_store=MEMORY")  # IN lists and sorts: no temporary files
    db.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")
    # a WAL the writer emptied is cut back when it starts again, so its size is what it holds
    db.execute("PRAGMA journal_size_limit=0")
    return db


class BackgroundWriter:
    def __init__(
        self,
        path: Path,
        on_committed: Callable[[Any], None],
        *,
        before_commit: Callable[[sqlite3.Connection, list[Statement]], None] | None = None,
    ) -> None:
        self._path = path
        self._on_committed = on_committed
        #: runs in each batch's transaction after its statements (derived tables)
        self._before_commit = before_commit
        self._queue: queue.SimpleQueue[tuple[list[Statement], Any] | None] = queue.SimpleQueue()
        self._done = threading.Condition()
        self._submitted = 0
        self._committed = 0
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread; return once its connection is open (a run's first commit does
        not wait for it, and a database the writer cannot open is refused here, not on the
        first commit)."""
        if self._thread is None:
            opened: Future[None] = Future()
            self._thread = threading.Thread(
                target=self._work, args=(opened,), name="library-writer", daemon=True
            )
            self._thread.start()
            try:
                opened.result()
            except BaseException:
                self._thread.join()
                self._thread = None
                raise

    def submit(self, statements: list[Statement], token: Any = None) -> None:
        self.start()
        with self._done:
            self._submitted += 1
        self._queue.put((statements, token))

    def wait(self) -> None:
        """Block until every submitted batch is committed; re-raise a failed commit."""
        with self._done:
            self._done.wait_for(lambda: self._committed >= self._submitted)
            error, self._error = self._error, None
        if error is not None:
            raise error

    def close(self) -> None:
        if self._thread is not None:
            self.wait()
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _work(self, opened: Future[None]) -> None:
        """The thread: open the connection (``opened`` says how it went, for ``start``),
        then commit batches until told to stop."""
        try:
            db = connect(self._path)
        except BaseException as exc:  # (start re-raises it)
            opened.set_exception(exc)
            return
        opened.set_result(None)
        wal = self._path.with_name(self._path.name + "-wal")
        unchecked = False  # committed since the last checkpoint
        try:
            while True:
                try:
                    job = self._queue.get(timeout=_IDLE_CHECKPOINT_S if unchecked else None)
                except queue.Empty:  # idle: the WAL is copied into the database now
                    _checkpoint(db, truncate=True)
                    unchecked = False
                    continue
                if job is None:
                    break
                statements, token = job
                try:
                    db.execute("BEGIN IMMEDIATE")
                    apply_statements(db, statements)
                    if self._before_commit is not None:
                        self._before_commit(db, statements)
                    db.execute("COMMIT")
                    unchecked = True
                    if _size(wal) >= _CHECKPOINT_WAL_BYTES:
                        _checkpoint(db)
                        unchecked = False
                except BaseException as exc:  # kept and re-raised to whoever waits next
                    log.exception("the library could not commit %d rows", len(statements))
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    with self._done:
                        self._error = exc
                finally:
                    self._on_committed(token)
                    with self._done:
                        self._committed += 1
                        self._done.notify_all()
        finally:
            db.close()


def _checkpoint(db: sqlite3.Connection, *, truncate: bool = False) -> None:
    """Copy what the WAL holds into the database, never waiting for a reader (the pages a
    reader still needs stay in the WAL for the next checkpoint). With ``truncate`` (when
    idle), also empty the WAL file, if no reader is using it."""
    try:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        if truncate:
            db.execute("PRAGMA busy_timeout=0")  # a reader busy: it is left for next time
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            finally:
                db.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
    except sqlite3.Error:  # (a full disk): SQLite's own checkpoints remain
        log.warning("the library could not checkpoint its WAL", exc_info=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
