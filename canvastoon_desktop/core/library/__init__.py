"""The asset library: content-addressed files plus a SQLite index (``library.Library``).

This package is the only code that speaks SQL to the index (an import-linter contract keeps
``sqlite3`` inside it). Its modules, by concern: ``store`` (the connection, its lock, the
objects on disk, the rows written behind), ``schema`` (tables, upgrades), ``summary`` (the
review tools' summary tables), ``results``, ``journal`` (provider jobs), ``runs``,
``reviews``, ``spend`` (the charges ledger), ``query`` (the gallery's and the CLI's filters
and pages), ``transfer`` (rows a pack carries out and brings in) and ``writer`` (the thread
that commits what is written behind).
"""

from .journal import HEARTBEAT_S, JobBusy, JobRecord
from .library import Library
from .results import FROM_PACK, SIMULATED, CacheScope, ResultRecord, encode_outputs, params_to_json
from .reviews import Review
from .runs import RunNode
from .schema import SCHEMA_VERSION
from .spend import ChargeTotals
from .store import INLINE_MAX_BYTES, CachedResult, SQLiteError, kept_inline
from .summary import refresh_summary

__all__ = [
    "FROM_PACK",
    "HEARTBEAT_S",
    "INLINE_MAX_BYTES",
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
    "kept_inline",
    "params_to_json",
    "refresh_summary",
]
