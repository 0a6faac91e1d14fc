"""The asset library: content-addressed files plus a SQLite index.

Layout of a library folder::

    objects/ab/abcdef....png   every asset, named by the SHA-256 of its bytes
    thumbs/                    thumbnail cache (derived; safe to delete)
    library.sqlite             assets, runs, node results (provenance, cost, timings),
                               the provider job journal (for resume), reviews, charges

SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives the app being killed
(only a power cut can lose the last commits), which is what the job journal needs. All
access goes through one connection guarded by a lock, so the executor may call in from the
event loop and from worker threads.

Small text and JSON assets live inside the index (``assets.content``) rather than as files:
a run of many small nodes would otherwise spend its time creating files. ``file_path()``
writes such an asset out when a real file is wanted (export, an external viewer).

Result rows and their assets are written behind: they gather in memory and are committed
together by ``flush()`` (the executor flushes while a run goes and when it ends; any read
that could miss them flushes first). That is safe for money: the provider job journal is
written synchronously, and a job's journal row closes only in the same commit as the result
it produced — after a crash the job is resumed, never created again.
"""

from __future__ import annotations

from .journal import HEARTBEAT_S, LEASE_S, OPEN_JOB_STATES, JobBusy, JobRecord, Journal
from .results import (
    FROM_PACK,
    SIMULATED,
    CacheScope,
    ResultRecord,
    Results,
    encode_outputs,
    params_to_json,
)
from .reviews import Review, Reviews
from .runs import RunNode, Runs
from .schema import SCHEMA_VERSION
from .spend import CHARGE_TOLERANCE_USD, ChargeTotals, Spend
from .store import INLINE_MAX_BYTES, CachedResult, SQLiteError
from .summary import refresh_summary

__all__ = [
    "CHARGE_TOLERANCE_USD",
    "FROM_PACK",
    "HEARTBEAT_S",
    "INLINE_MAX_BYTES",
    "LEASE_S",
    "OPEN_JOB_STATES",
    "SCHEMA_VERSION",
    "SIMULATED",
    "CacheScope",
    "CachedResult",
    "ChargeTotals",
    "JobBusy",
    "JobRecord",
    "Library",
    "ResultRecord",
    "Review",
    "RunNode",
    "SQLiteError",
    "encode_outputs",
    "params_to_json",
    "refresh_summary",
]


class Library(Results, Journal, Runs, Reviews, Spend):
    """A library folder: its files and its index (each part of it is a module of this
    package; all of them work through ``store.Store``)."""

    def close(self) -> None:
        if self.read_only:
            with self._lock:
                self._db.close()
            return
        try:  # a commit that failed (a full disk) is raised here, after closing all the same
            self.flush(wait=True)
            if self._held:  # whatever is still open is nobody's now: the next run may take it
                self.journal_release(list(self._held))
        finally:
            self._writer.close()
            with self._lock:
                self._db.close()
