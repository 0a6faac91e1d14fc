"""The index's tables and how an older index is upgraded to them.

Every statement of the schema is idempotent, so an older library is upgraded by running it
again and adding the columns it lacks (``migrate``); a library only looked at
(``connect_read_only``) is never upgraded."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from ..errors import LibraryError
from .summary import refresh_summary

#: 2 added run_nodes; 3 added the columns of ``_ADDED_COLUMNS`` and the review tools'
#: indexes; 4 split the charges into their quoted and reported amounts (more columns); 5 the
#: review tools' summary (asset_summary, facet_counts: those indexes are no longer needed);
#: 6 the summary's indexes for the typical filters (``_SUMMARY_INDEXES``); 7 the jobs' state
#: index (every run start reads the open jobs, and a studio's done jobs only grow).
#: Every statement of the schema is idempotent, so an older library is upgraded by running
#: it again (and adding the columns it lacks)
SCHEMA_VERSION = 7
#: versions whose tables a read-only look understands (6 and 7 only added indexes)
_READABLE_VERSIONS = (5, 6, SCHEMA_VERSION)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS assets (
    sha256      TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    relpath     TEXT NOT NULL,
    width       INTEGER,
    height      INTEGER,
    duration_s  REAL,
    text_excerpt TEXT,
    content     BLOB,
    created_at  REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    id          TEXT PRIMARY KEY,
    graph_id    TEXT,
    graph_path  TEXT,
    graph_name  TEXT,
    started_at  REAL NOT NULL,
    finished_at REAL,
    status      TEXT NOT NULL,
    cost_usd    REAL NOT NULL DEFAULT 0,
    quote_json  TEXT
);
CREATE TABLE IF NOT EXISTS results (
    id          INTEGER PRIMARY KEY,
    cache_key   TEXT NOT NULL,
    run_id      TEXT,
    graph_id    TEXT,
    graph_path  TEXT,
    node_id     TEXT NOT NULL,
    node_type   TEXT NOT NULL,
    node_title  TEXT,
    item        INTEGER,
    model       TEXT,
    provider    TEXT,
    params_json TEXT NOT NULL,
    prompt      TEXT,
    inputs_json TEXT NOT NULL,
    outputs_json TEXT NOT NULL,
    job_id      TEXT,
    cost_usd    REAL NOT NULL DEFAULT 0,
    cost_source TEXT,
    queue_s     REAL,
    run_s       REAL,
    finished_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS results_key ON results(cache_key);
CREATE INDEX IF NOT EXISTS results_node ON results(graph_id, node_id);
CREATE INDEX IF NOT EXISTS results_model ON results(model, finished_at);
CREATE TABLE IF NOT EXISTS result_assets (
    sha256      TEXT NOT NULL,
    result_id   INTEGER NOT NULL,
    port        TEXT NOT NULL,
    idx         INTEGER NOT NULL,
    PRIMARY KEY (sha256, result_id, port, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS jobs (
    id          INTEGER PRIMARY KEY,
    cache_key   TEXT NOT NULL,
    provider    TEXT NOT NULL,
    model       TEXT NOT NULL,
    state       TEXT NOT NULL,
    job_id      TEXT,
    fingerprint TEXT,
    info_json   TEXT,
    run_id      TEXT,
    node_id     TEXT,
    item        INTEGER,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_key ON jobs(cache_key, state);
-- (7) the few open jobs among every job ever made: read at every run's start (100,000 done
-- jobs: a scan of 9 ms and more, against 0.1)
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE TABLE IF NOT EXISTS reviews (
    sha256      TEXT PRIMARY KEY,
    rating      INTEGER,
    rejected    INTEGER NOT NULL DEFAULT 0,
    note        TEXT NOT NULL DEFAULT '',
    updated_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS charges (
    id          INTEGER PRIMARY KEY,
    at          REAL NOT NULL,
    usd         REAL NOT NULL,
    provider    TEXT,
    model       TEXT,
    run_id      TEXT,
    node_id     TEXT,
    reason      TEXT
);
CREATE INDEX IF NOT EXISTS charges_at ON charges(at);
CREATE TABLE IF NOT EXISTS run_nodes (
    run_id      TEXT PRIMARY KEY NOT NULL,
    nodes_json  TEXT NOT NULL
) WITHOUT ROWID;
-- what the review tools filter and sort on, one row per asset: its primary result (the
-- newest that produced it) and its review, kept by refresh_summary in every transaction that
-- writes assets, results or reviews. Stored in date order (the gallery's first order): the
-- newest screen is the table's last rows, new rows are appended, and filters scan one table
CREATE TABLE IF NOT EXISTS asset_summary (
    at          REAL NOT NULL,  -- the primary result's finished_at, else created_at
    sha256      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    result_id   INTEGER,
    cost        REAL NOT NULL DEFAULT 0,
    model       TEXT,
    provider    TEXT,
    node        TEXT,  -- the node's title, else its id
    node_id     TEXT,
    graph_path  TEXT,
    run_id      TEXT,
    item        INTEGER,
    rating      INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    -- what the text filter searches: the prompt, the node's title and a text asset's
    -- beginning, separated by char(31) (a search never spans two of them)
    text        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (at, sha256)
) WITHOUT ROWID;
-- how many assets have each value of each choice filter (the gallery's filter menus)
CREATE TABLE IF NOT EXISTS facet_counts (
    facet       TEXT NOT NULL,
    value       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    first_at    REAL,  -- episodes: when their run started (else their first asset was made)
    PRIMARY KEY (facet, value)
) WITHOUT ROWID;
-- (6) narrow indexes over the summary for the typical filters: a count (and a page of a
-- filter whose matches are sparse) reads the few entries that match rather than every wide
-- row. One per family of filters, as each costs the writer an insert per asset: a model or
-- a provider (with the kind, and the date to page by), a rating (with rejected), and a cost
-- range or words (a cost with the text: the text filter scans this index, not the rows)
CREATE INDEX IF NOT EXISTS asset_summary_model ON asset_summary(model, kind, at);
CREATE INDEX IF NOT EXISTS asset_summary_provider ON asset_summary(provider, kind, at);
CREATE INDEX IF NOT EXISTS asset_summary_rating ON asset_summary(rating, rejected);
CREATE INDEX IF NOT EXISTS asset_summary_cost_text ON asset_summary(cost, text);
-- indexes the review tools once made for themselves: the summary replaces them, and each
-- cost every executor write an insert
DROP INDEX IF EXISTS review_assets_created;
DROP INDEX IF EXISTS review_results_run;
DROP INDEX IF EXISTS review_results_graph;
DROP INDEX IF EXISTS review_result_assets_result;
"""

#: columns added to tables after they were first created: (table, column, declaration)
_ADDED_COLUMNS = (
    # where a result came from: NULL made here by a real run, "simulated" by a simulated
    # run, "pack:NAME" imported from a pack (it serves only its own graph)
    ("results", "origin", "TEXT"),
    # who works on an open job (a process of this or another app) and when it last said so
    ("jobs", "owner", "TEXT"),
    ("jobs", "heartbeat_at", "REAL"),
    # (4) usd is what counts as spent; quote_* what the call was quoted; reported_usd what
    # the provider said it cost (NULL: it did not, or it could not be believed); basis says
    # which one usd is (reported | estimate | unknown)
    ("charges", "quote_low", "REAL"),
    ("charges", "quote_high", "REAL"),
    ("charges", "reported_usd", "REAL"),
    ("charges", "basis", "TEXT"),
    ("charges", "note", "TEXT"),
)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """The index at ``path`` for looking only; one that is not there (or of another
    version) reads as an empty index of this version."""
    db: sqlite3.Connection | None = None
    if path.is_file():
        db = _open_read_only(path)
        if db.execute("PRAGMA user_version").fetchone()[0] not in _READABLE_VERSIONS:
            db.close()  # another version's schema: read as empty rather than guess
            db = None
    if db is None:
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        db.executescript(_SCHEMA)
        for table, column, declaration in _ADDED_COLUMNS:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    return db


def migrate(db: sqlite3.Connection, lock: threading.RLock, root: Path) -> None:
    """Bring the index of the library at ``root`` up to ``SCHEMA_VERSION`` (in place)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"the library at {root} was written by a newer CanvasToon "
            f"(schema {version}); update the app"
        )
    if version < SCHEMA_VERSION:
        with lock:  # executescript commits on its own: one script, one transaction
            db.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nCOMMIT;")
            db.execute("BEGIN IMMEDIATE")
            try:
                for table, column, declaration in _ADDED_COLUMNS:
                    present = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
                    if column not in present:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
                if version < 5:  # (5) the review tools' summary, whole (from 5 it is kept)
                    refresh_summary(db, None)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")


def _open_read_only(path: Path) -> sqlite3.Connection:
    """SQLite's read-only mode (it may still make its ``-shm`` coordination file); where
    even that cannot be written (a full disk), the file as it is, immutable."""
    for query in ("mode=ro", "mode=ro&immutable=1"):
        db = sqlite3.connect(
            f"{path.resolve().as_uri()}?{query}",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            timeout=30,
        )
        try:
            db.execute("PRAGMA query_only=1")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError:
            db.close()
            if "immutable" in query:
                raise
    raise AssertionError("unreachable")
