"""The asset library: content-addressed files plus a SQLite index.

Layout of a library folder::

    objects/ab/abcdef....png   every asset, named by the SHA-256 of its bytes
    thumbs/                    thumbnail cache (derived; safe to delete)
    library.sqlite             assets, runs, node results (provenance, cost, timings),
                               the provider job journal (for resume), reviews, charges

``Library`` is made of this package's parts: the store (the connection, the files, the rows
written behind), results and the cache, the provider job journal, runs, reviews and the
charges ledger.
"""

from __future__ import annotations

from .journal import Journal
from .results import Results
from .reviews import Reviews
from .runs import Runs
from .spend import Spend

__all__ = ["Library"]


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
