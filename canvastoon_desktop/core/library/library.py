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

import hashlib
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..assets import EXTENSIONS, Asset, AssetKind, ItemList, Value
from ..cachekey import json_encoder
from ..errors import LibraryError
from ..regular_files import FileRefused, open_regular
from ..secrets import redact_bytes, redact_secrets
from .writer import BackgroundWriter, Statement, connect

#: 2 added run_nodes; 3 added the columns of ``_ADDED_COLUMNS`` and the review tools'
#: indexes; 4 split the charges into their quoted and reported amounts (more columns); 5 the
#: review tools' summary (asset_summary, facet_counts: those indexes are no longer needed).
#: Every statement of the schema is idempotent, so an older library is upgraded by running
#: it again (and adding the columns it lacks)
SCHEMA_VERSION = 5

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

_SUMMARY_COLUMNS = (
    "at",
    "kind",
    "created_at",
    "result_id",
    "cost",
    "model",
    "provider",
    "node",
    "node_id",
    "graph_path",
    "run_id",
    "item",
    "rating",
    "rejected",
    "text",
)
#: the summary rows of the assets matching ``{where}``, computed from the tables they sum up
_SUMMARIZE = (
    f"INSERT INTO asset_summary(sha256, {', '.join(_SUMMARY_COLUMNS)})"
    " SELECT a.sha256, COALESCE(r.finished_at, a.created_at), a.kind, a.created_at, r.id,"
    " COALESCE(r.cost_usd, 0), r.model, r.provider, COALESCE(r.node_title, r.node_id),"
    " r.node_id, r.graph_path, r.run_id, r.item, COALESCE(rv.rating, 0),"
    " COALESCE(rv.rejected, 0), COALESCE(r.prompt, '') || char(31)"
    " || COALESCE(r.node_title, '') || char(31) || COALESCE(a.text_excerpt, '')"
    " FROM assets a"
    " LEFT JOIN results r ON r.id ="
    " (SELECT max(ra.result_id) FROM result_assets ra WHERE ra.sha256 = a.sha256)"
    " LEFT JOIN reviews rv ON rv.sha256 = a.sha256"
    " WHERE {where}"
    " ON CONFLICT(sha256) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _SUMMARY_COLUMNS)
    + f" WHERE ({', '.join('asset_summary.' + c for c in _SUMMARY_COLUMNS)})"
    f" IS NOT ({', '.join('excluded.' + c for c in _SUMMARY_COLUMNS)})"
)
#: summary rows of assets no longer there (matching ``{where}``)
_DROP_GONE = (
    "DELETE FROM asset_summary AS s WHERE {where}"
    " AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.sha256 = s.sha256)"
)
#: (facet, value, assets, first_at) of the summary rows in ``{rows}``
_FACET_ROWS = " UNION ALL ".join(
    f"SELECT '{facet}', {value}, count(*), {first} FROM {{rows}}"
    f"{' WHERE ' + present if present else ''} GROUP BY 2"
    for facet, value, present, first in (
        ("kind", "kind", "", "NULL"),
        ("model", "model", "model IS NOT NULL", "NULL"),
        ("provider", "provider", "provider IS NOT NULL", "NULL"),
        ("node", "node", "node IS NOT NULL", "NULL"),
        ("graph", "graph_path", "graph_path IS NOT NULL", "NULL"),
        ("run", "run_id", "run_id IS NOT NULL", "NULL"),
        (
            "episode",
            "COALESCE(graph_path, '') || '@' || run_id",
            "run_id IS NOT NULL",
            "min(COALESCE((SELECT ru.started_at FROM runs ru WHERE ru.id = run_id), at))",
        ),
        ("shot", "CAST(item + 1 AS TEXT)", "item IS NOT NULL", "NULL"),
    )
)
#: the summary of every asset, from scratch (a new or upgraded library)
_SUMMARY_REBUILD = (
    _SUMMARIZE.format(where="true")
    + ";\n"
    + _DROP_GONE.format(where="true")
    + ";\nDELETE FROM facet_counts;\n"
    "INSERT INTO facet_counts(facet, value, n, first_at) "
    + _FACET_ROWS.format(rows="asset_summary")
    + ";"
)
_IN_SET = "IN (SELECT value FROM json_each(?))"

#: rows written behind are handed to the writer thread in batches of about this many
_HANDOFF_STATEMENTS = 50_000

#: text and JSON assets up to this size are kept inside the index
INLINE_MAX_BYTES = 256 * 1024

#: journal states: creating (request may be on the wire), submitted (provider gave a job id),
#: done, failed, cancelled, unknown (a create whose outcome could not be established, that
#: the provider can still be asked about), possibly_charged (one it cannot be asked about:
#: reported once, with the estimate in the ledger; the next run sends the work again)
OPEN_JOB_STATES = ("creating", "submitted")
_OPEN_SQL = "('creating', 'submitted', 'unknown')"

#: a process holding an open job refreshes its claim this often (while it runs) ...
HEARTBEAT_S = 5.0
#: ... and one silent for this long is taken for dead (its job may be adopted)
LEASE_S = 30.0

_JOB_COLUMNS = (
    "id, cache_key, provider, model, state, job_id, fingerprint, info_json, created_at,"
    " updated_at, run_id, node_id, item, owner, heartbeat_at"
)


class JobBusy(Exception):
    """Another run (of this process or another one on the same library) is working on this
    very request right now: wait for it instead of sending it a second time."""

    def __init__(self, job: JobRecord) -> None:
        super().__init__(f"job {job.id} is being worked on by {job.owner}")
        self.job = job


@dataclass(slots=True)
class ResultRecord:
    """What one node (or one item of it) produced, with its full provenance (handed to
    ``record_result``, not kept: one is made for every node a run makes)."""

    cache_key: str
    node_id: str
    node_type: str
    outputs: Mapping[str, Value]
    params: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)  # port -> hashes
    run_id: str | None = None
    graph_id: str | None = None
    graph_path: str | None = None
    node_title: str | None = None
    item: int | None = None
    model: str | None = None
    provider: str | None = None
    prompt: str | None = None
    job_id: str | None = None
    cost_usd: float = 0.0
    cost_source: str | None = None
    queue_s: float | None = None
    run_s: float | None = None
    #: None: made here by a real run; SIMULATED; or FROM_PACK + the pack's name
    origin: str | None = None
    #: the calls' quotes, what their providers reported (None: not all did), and how
    #: ``cost_usd`` was arrived at (reported | estimate | unknown | mixed); see charges.py
    quote: tuple[float, float] | None = None
    reported_usd: float | None = None
    cost_basis: str | None = None
    cost_note: str | None = None


@dataclass(frozen=True)
class CachedResult:
    result_id: int
    outputs: dict[str, Value]
    cost_usd: float
    model: str | None
    finished_at: float
    origin: str | None = None
    graph_id: str | None = None


#: the origin of results made by a run against the provider simulator
SIMULATED = "simulated"
#: the origin of results imported from a pack is this prefix and the pack's name
FROM_PACK = "pack:"


@dataclass(frozen=True)
class CacheScope:
    """Which results may serve a run: those made here by real runs, those a pack brought
    for this very graph (``graph_id``; its saved copies keep it), and — for a run against
    the simulator only — the simulator's placeholders."""

    graph_id: str
    simulated: bool = False

    def serves(self, origin: str | None, graph_id: str | None) -> bool:
        if not origin:
            return True
        if origin == SIMULATED:
            return self.simulated
        return origin.startswith(FROM_PACK) and bool(graph_id) and graph_id == self.graph_id


@dataclass(frozen=True)
class JobRecord:
    id: int
    cache_key: str
    provider: str
    model: str
    state: str
    job_id: str | None
    fingerprint: str | None
    info: dict[str, Any]
    created_at: float
    updated_at: float
    run_id: str | None = None
    node_id: str | None = None
    item: int | None = None
    #: the process working on it ("host:pid:nonce"), None when nobody is
    owner: str | None = None
    heartbeat_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.state in ("creating", "submitted", "unknown")


class ChargeTotals(NamedTuple):
    """One model's charges in the ledger: its calls' quotes and reported charges."""

    model: str
    calls: int
    reported: int
    unknown: int
    over_quote: int
    quoted_low_usd: float
    quoted_high_usd: float
    reported_usd: float
    quoted_for_reported_usd: float  # the quotes' mids, over the calls with a reported charge
    worst_ratio: float | None  # the highest reported charge / its quote's max

    @property
    def drift_pct(self) -> float | None:
        """How far the reported charges are from their quotes' mids, in percent."""
        if not self.reported or self.quoted_for_reported_usd <= 0:
            return None
        return (self.reported_usd / self.quoted_for_reported_usd - 1) * 100

    def as_dict(self) -> dict[str, Any]:
        drift = self.drift_pct
        return {
            "model": self.model,
            "calls": self.calls,
            "reported": self.reported,
            "unknown": self.unknown,
            "over_quote": self.over_quote,
            "quoted_usd": {
                "min": round(self.quoted_low_usd, 6),
                "max": round(self.quoted_high_usd, 6),
            },
            "reported_usd": round(self.reported_usd, 6),
            "drift_pct": None if drift is None else round(drift, 2),
            "worst_ratio": None if self.worst_ratio is None else round(self.worst_ratio, 4),
        }


class RunNode(NamedTuple):
    """How one node of a finished run ended, kept so runs of earlier sessions can be
    reviewed node by node. (A tuple: a run of 10,000 nodes makes one at its end for each.)"""

    node_id: str
    title: str
    status: str
    cost_usd: float = 0.0
    #: the error, or a note such as "trimmed to 8 shots"
    detail: str = ""


@dataclass(frozen=True)
class Review:
    sha256: str
    rating: int | None = None
    rejected: bool = False
    note: str = ""


class Library:
    def __init__(self, root: str | os.PathLike[str], *, read_only: bool = False) -> None:
        """Open (or create) the library at ``root``. ``read_only`` is for the commands that
        only look (``validate``, ``assets list``): nothing is created or written, not even
        on a full disk; a library that is not there (or is older) reads as empty."""
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.thumbs = self.root / "thumbs"
        self._root_text = str(self.root)
        self.read_only = read_only
        if read_only and self.root.exists() and not self.root.is_dir():
            raise LibraryError(f"cannot open the library at {self.root}: it is not a folder")
        if not read_only:
            try:
                self.objects.mkdir(parents=True, exist_ok=True)
                self.thumbs.mkdir(exist_ok=True)
                (self.root / "tmp").mkdir(exist_ok=True)
            except OSError as exc:
                raise LibraryError(
                    f"cannot create the library at {self.root}: {exc.strerror}"
                ) from None
        self._lock = threading.RLock()
        self._bytes_cache: dict[str, bytes] = {}  # inline assets of this process
        self._asset_cache: dict[str, Asset] = {}
        self._pending: list[Statement] = []
        self._pending_results: dict[str, CachedResult] = {}
        self._unsubmitted_keys: list[tuple[str, int]] = []
        self._results_lock = threading.Lock()
        self._made_dirs: set[str] = set()
        self._collecting = threading.local()
        self._id_counter = random.randrange(1024)
        #: who this library object is, in the job journal; and the open jobs it works on
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held: set[int] = set()
        try:
            if read_only:
                self._db = self._connect_read_only()
            else:
                self._db = connect(self.root / "library.sqlite")
                self._migrate()
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"the library index at {self.root} is unreadable: {exc}") from None
        self._writer = BackgroundWriter(
            self.root / "library.sqlite", self._committed, before_commit=_summarize_batch
        )
        if not read_only:
            self._writer.start()

    def _connect_read_only(self) -> sqlite3.Connection:
        path = self.root / "library.sqlite"
        db: sqlite3.Connection | None = None
        if path.is_file():
            db = _open_read_only(path)
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.close()  # another version's schema: read as empty rather than guess
                db = None
        if db is None:
            db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            db.executescript(_SCHEMA)
            for table, column, declaration in _ADDED_COLUMNS:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        return db

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LibraryError(
                f"the library at {self.root} was written by a newer CanvasToon "
                f"(schema {version}); update the app"
            )
        if version < SCHEMA_VERSION:
            with self._lock:  # executescript commits on its own: one script, one transaction
                self._db.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nCOMMIT;")
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for table, column, declaration in _ADDED_COLUMNS:
                        present = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
                        if column not in present:
                            self._db.execute(
                                f"ALTER TABLE {table} ADD COLUMN {column} {declaration}"
                            )
                    refresh_summary(self._db, None)  # (5) the review tools' summary, whole
                    self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")

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

    # -- writing: behind (batched) or through (journal) ------------------------------------
    def _defer(self, sql: str, args: Sequence[Any], many: bool = False) -> None:
        collected = getattr(self._collecting, "statements", None)
        if collected is not None:  # an import gathers its rows for one transaction
            collected.append((sql, args, many))
            return
        with self._lock:
            self._pending.append((sql, args, many))
            if len(self._pending) >= _HANDOFF_STATEMENTS:
                self.flush()  # hands over to the writer thread; does not wait

    def flush(self, *, wait: bool = False) -> None:
        """Hand what was written behind to the writer thread; with ``wait``, return once it
        is committed (and raise if the commit failed)."""
        with self._lock:
            if self._pending:
                batch, self._pending = self._pending, []
                keys, self._unsubmitted_keys = self._unsubmitted_keys, []
                self._writer.submit(batch, keys)
        if wait:
            try:
                self._writer.wait()
            except sqlite3.Error as exc:
                raise LibraryError(f"the library at {self.root} could not save: {exc}") from None

    def _committed(self, keys: list[tuple[str, int]] | None) -> None:
        """Writer thread: rows are in the database now; the in-memory copies can go."""
        with self._results_lock:
            for key, result_id in keys or ():
                entry = self._pending_results.get(key)
                if entry is not None and entry.result_id == result_id:
                    del self._pending_results[key]

    @contextmanager
    def collecting(self) -> Iterator[list[Statement]]:
        """Rows this thread writes meanwhile (``put_file``, ``put_bytes``) are gathered in
        the list yielded instead of written behind: the caller applies them in its own
        transaction (``apply_statements``), so an import lands whole or not at all."""
        statements: list[Statement] = []
        self._collecting.statements = statements
        try:
            yield statements
        finally:
            self._collecting.statements = None

    def forget_uncommitted(self, shas: Iterable[str]) -> None:
        """Drop what this object remembers of assets whose rows were never committed."""
        for sha in shas:
            self._asset_cache.pop(sha, None)
            self._bytes_cache.pop(sha, None)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A synchronous transaction, after everything written behind is committed."""
        self.flush(wait=True)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        self.flush(wait=True)
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- assets ---------------------------------------------------------------------------
    def file_at(self, relpath: str) -> Path:
        """The path of a file of the library (``root / relpath``, made from one string:
        joining paths costs several times as much, and every asset has one)."""
        return Path(os.path.join(self._root_text, relpath))

    def _relpath(self, sha: str, mime: str) -> str:
        return f"objects/{sha[:2]}/{sha}{EXTENSIONS.get(mime, '.bin')}"

    def put_bytes(
        self,
        data: bytes,
        kind: AssetKind,
        mime: str,
        *,
        width: int | None = None,
        height: int | None = None,
        duration_s: float | None = None,
    ) -> Asset:
        """Store bytes (if new) and index them; returns the asset. Safe to call twice.
        Text and JSON never keep a known API key: it is redacted before hashing."""
        if kind in (AssetKind.TEXT, AssetKind.JSON):
            data = redact_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        known = self._asset_cache.get(sha)
        if known is not None and self.has_content(known):
            return known
        rel = self._relpath(sha, mime)
        inline = kind in (AssetKind.TEXT, AssetKind.JSON) and len(data) <= INLINE_MAX_BYTES
        if inline:  # an upsert: a row that is already there keeps its content
            self._bytes_cache[sha] = data
        elif not (self.root / rel).exists():
            self._write_object(rel, data)
        excerpt = data[:400].decode("utf-8", "replace") if kind is AssetKind.TEXT else None
        return self._index(
            sha,
            kind,
            mime,
            len(data),
            rel,
            width,
            height,
            duration_s,
            excerpt,
            data if inline else None,
        )

    def _write_object(self, rel: str, data: bytes) -> Path:
        target = self.root / rel
        folder = rel.rsplit("/", 1)[0]
        if folder not in self._made_dirs:
            target.parent.mkdir(exist_ok=True)
            self._made_dirs.add(folder)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
        return target

    def put_text(self, text: str) -> Asset:
        return self.put_bytes(text.encode("utf-8"), AssetKind.TEXT, "text/plain")

    def put_json(self, value: Any) -> Asset:
        data = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        return self.put_bytes(data, AssetKind.JSON, "application/json")

    def put_file(
        self,
        path: str | os.PathLike[str],
        kind: AssetKind,
        mime: str,
        *,
        move: bool = False,
        width: int | None = None,
        height: int | None = None,
        duration_s: float | None = None,
    ) -> Asset:
        """Store a file by streaming it (big videos never sit in memory)."""
        path = Path(path)
        digest = hashlib.sha256()
        size = 0
        try:  # a regular file only (a FIFO or a device would never end)
            handle = open_regular(path)
        except FileRefused as exc:
            raise LibraryError(f"cannot store {path.name}: {exc}") from None
        with handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
            sha = digest.hexdigest()
            known = self.asset(sha)
            if known is not None and self.has_content(known):
                if move:
                    path.unlink(missing_ok=True)
                return known
            rel = self._relpath(sha, mime)
            target = self.root / rel
            target.parent.mkdir(exist_ok=True)
            if move and _same_device(path, target.parent):
                os.replace(path, target)
            elif move:
                shutil.move(path, target)
            else:  # copied from the file already open: what was hashed is what is kept
                handle.seek(0)
                tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                try:
                    with open(tmp, "wb") as out:
                        shutil.copyfileobj(handle, out, 1 << 20)
                    os.replace(tmp, target)
                except BaseException:
                    tmp.unlink(missing_ok=True)
                    raise
        return self._index(sha, kind, mime, size, rel, width, height, duration_s, None, None)

    def temp_path(self, suffix: str = "") -> Path:
        """A fresh path inside the library (same disk, so ``put_file(move=True)`` is a rename)."""
        fd, name = tempfile.mkstemp(dir=self.root / "tmp", suffix=suffix)
        os.close(fd)
        return Path(name)

    def _index(
        self,
        sha: str,
        kind: AssetKind,
        mime: str,
        size: int,
        rel: str,
        width: int | None,
        height: int | None,
        duration_s: float | None,
        excerpt: str | None,
        content: bytes | None,
    ) -> Asset:
        self._defer(
            _INSERT_ASSET,
            (
                sha,
                kind.value,
                mime,
                size,
                rel,
                width,
                height,
                duration_s,
                redact_secrets(excerpt) if excerpt else None,
                content,
                time.time(),
            ),
        )
        asset = Asset(
            sha,
            kind,
            mime,
            size,
            self.file_at(rel),
            width,
            height,
            duration_s,
            inline=content is not None,
        )
        self._asset_cache[sha] = asset
        return asset

    def asset(self, sha: str) -> Asset | None:
        cached = self._asset_cache.get(sha)
        if cached is not None:
            return cached
        with self._lock:
            rows = self._db.execute(
                "SELECT sha256, kind, mime, size, relpath, width, height, duration_s,"
                " content IS NOT NULL FROM assets WHERE sha256=?",
                (sha,),
            ).fetchall()
        if not rows:
            return None
        s, kind, mime, size, rel, w, h, d, inline = rows[0]
        asset = Asset(
            s, AssetKind(kind), mime, size, self.file_at(rel), w, h, d, inline=bool(inline)
        )
        self._asset_cache[sha] = asset
        return asset

    def read_bytes(self, asset: Asset) -> bytes:
        if not asset.inline:
            return asset.path.read_bytes()
        data = self._bytes_cache.get(asset.sha256)
        if data is None:
            with self._lock:
                row = self._db.execute(
                    "SELECT content FROM assets WHERE sha256=?", (asset.sha256,)
                ).fetchone()
            if row is None or row[0] is None:
                raise LibraryError(f"asset {asset.short} is missing from the library")
            data = self._bytes_cache[asset.sha256] = bytes(row[0])
        return data

    def read_text(self, asset: Asset) -> str:
        return self.read_bytes(asset).decode("utf-8")

    def read_json(self, asset: Asset) -> Any:
        return json.loads(self.read_text(asset))

    def file_path(self, asset: Asset) -> Path:
        """A real file with the asset's content (inline assets are written out on demand)."""
        if asset.inline and not asset.path.exists():
            self._write_object(str(asset.path.relative_to(self.root)), self.read_bytes(asset))
        return asset.path

    def has_content(self, asset: Asset) -> bool:
        return asset.inline or asset.path.exists()

    # -- results and the cache ----------------------------------------------------------------
    def record_result(
        self,
        record: ResultRecord,
        *,
        close_jobs: Sequence[int] = (),
        params_json: str | None = None,
        inputs_json: str | None = None,
        already_charged: float = 0.0,
    ) -> int:
        """Index a finished node result (its assets must already be stored), closing the
        journal rows of the provider jobs that made it in the same transaction. Written
        behind; visible to ``lookup`` at once. ``params_json`` / ``inputs_json`` may be
        passed when the caller already has them as JSON (its cache key was made of them;
        the items of one node share their params)."""
        now = time.time()
        if params_json is None:
            params_json = params_to_json(record.params)
        if inputs_json is None:
            inputs_json = _inputs_json(record.inputs)
        statements: list[Statement] = []
        with self._lock:
            result_id = self._next_result_id()
            statements.append(
                (
                    _INSERT_RESULT,
                    (
                        result_id,
                        record.cache_key,
                        record.run_id,
                        record.graph_id,
                        record.graph_path,
                        record.node_id,
                        record.node_type,
                        record.node_title,
                        record.item,
                        record.model,
                        record.provider,
                        params_json,
                        redact_secrets(record.prompt) if record.prompt else record.prompt,
                        inputs_json,
                        _compact_json(_encode_outputs(record.outputs)),
                        record.job_id,
                        record.cost_usd,
                        record.cost_source,
                        record.queue_s,
                        record.run_s,
                        now,
                        record.origin,
                    ),
                    False,
                )
            )
            rows = []
            for port, value in record.outputs.items():
                items = (value,) if isinstance(value, Asset) else value.items
                rows.extend((result_id, port, i, a.sha256) for i, a in enumerate(items) if a)
            if rows:
                statements.append((_INSERT_RESULT_ASSET, rows, True))
            charge = record.cost_usd - already_charged
            if charge > 1e-9 and not (record.cost_source or "").startswith("simulated"):
                # a job partly charged by an earlier run (cancelled while the provider went
                # on): only the rest is booked now, and its quote was booked then
                quote = record.quote if not already_charged else None
                reported = record.reported_usd
                if reported is not None and already_charged:
                    reported = max(0.0, reported - already_charged)
                statements.append(
                    (
                        _INSERT_CHARGE,
                        (
                            now,
                            charge,
                            record.provider,
                            record.model,
                            record.run_id,
                            record.node_id,
                            "result",
                            quote[0] if quote else None,
                            quote[1] if quote else None,
                            reported,
                            record.cost_basis,
                            record.cost_note,
                        ),
                        False,
                    )
                )
            if close_jobs:
                statements.append(
                    (
                        "UPDATE jobs SET state='done', updated_at=?, owner=NULL,"
                        " heartbeat_at=NULL WHERE id=?",
                        [(now, row) for row in close_jobs],
                        True,
                    )
                )
            self._pending.extend(statements)
            self._unsubmitted_keys.append((record.cache_key, result_id))
            with self._results_lock:
                self._pending_results[record.cache_key] = CachedResult(
                    result_id,
                    dict(record.outputs),
                    record.cost_usd,
                    record.model,
                    now,
                    record.origin,
                    record.graph_id,
                )
            full = len(self._pending) >= _HANDOFF_STATEMENTS
        if record.cost_usd or close_jobs:
            self.flush(wait=True)  # money was spent: it is on disk before we go on
            self._held.difference_update(close_jobs)
        elif full:
            self.flush()
        return result_id

    def close_jobs(self, rows: Sequence[int], state: str) -> None:
        with self.transaction() as db:
            now = time.time()
            db.executemany(
                "UPDATE jobs SET state=?, updated_at=?, owner=NULL, heartbeat_at=NULL WHERE id=?",
                [(state, now, row) for row in rows],
            )
        self._held.difference_update(rows)

    def new_result_id(self) -> int:
        """An id for a result row written by hand (an import)."""
        with self._lock:
            return self._next_result_id()

    def _next_result_id(self) -> int:
        """Ids that grow with time (appends keep the table's b-tree cheap to write) yet
        do not collide with another process writing the same library."""
        self._id_counter = (self._id_counter + 1) % 1024
        return (time.time_ns() // 1000) * 1024 + self._id_counter

    def lookup(self, cache_key: str, scope: CacheScope | None = None) -> CachedResult | None:
        """The newest result for ``cache_key`` that ``scope`` may use (by default: only
        those made here by real runs) whose files are all still present."""
        scope = scope or CacheScope("")
        pending = self._pending_results.get(cache_key)
        if pending is not None and scope.serves(pending.origin, pending.graph_id):
            return pending
        with self._lock:  # no flush: what is pending is in _pending_results
            rows = self._db.execute(
                "SELECT id, outputs_json, cost_usd, model, finished_at, origin, graph_id"
                " FROM results WHERE cache_key=? ORDER BY finished_at DESC LIMIT 8",
                (cache_key,),
            ).fetchall()
        for result_id, outputs_json, cost, model, finished, origin, graph_id in rows:
            if not scope.serves(origin, graph_id):
                continue
            outputs = self._decode_outputs(json.loads(outputs_json))
            if outputs is not None:
                return CachedResult(result_id, outputs, cost, model, finished, origin, graph_id)
        return None

    def lookup_many(
        self, cache_keys: Iterable[str], scope: CacheScope | None = None
    ) -> dict[str, CachedResult]:
        """``lookup`` for many keys at once (a plan's): the keys found, with what they give.
        One query for all of them, and one for their assets: every statement outside a
        transaction costs SQLite its file locks (two system calls, most of a lookup)."""
        scope = scope or CacheScope("")
        found: dict[str, CachedResult] = {}
        wanted: list[str] = []
        for key in cache_keys:  # what is written behind first, as lookup does
            pending = self._pending_results.get(key)
            if pending is not None and scope.serves(pending.origin, pending.graph_id):
                found[key] = pending
            else:
                wanted.append(key)
        if not wanted:
            return found
        with self._lock:
            rows = self._db.execute(
                "SELECT cache_key, id, outputs_json, cost_usd, model, finished_at, origin,"
                f" graph_id FROM results WHERE cache_key {_IN_SET} ORDER BY finished_at DESC",
                (json.dumps(wanted),),
            ).fetchall()
        candidates: dict[str, list[tuple[Any, ...]]] = {}
        seen: dict[str, int] = {}
        for key, *row in rows:
            seen[key] = seen.get(key, 0) + 1  # lookup reads a key's newest 8
            if seen[key] <= 8 and scope.serves(row[5], row[6]):
                candidates.setdefault(key, []).append((row[0], json.loads(row[1]), *row[2:]))
        self._load_assets(
            sha for kept in candidates.values() for c in kept for sha in _output_shas(c[1])
        )
        for key, kept in candidates.items():
            for result_id, outputs_json, cost, model, finished, origin, graph_id in kept:
                outputs = self._decode_outputs(outputs_json)
                if outputs is not None:
                    found[key] = CachedResult(
                        result_id, outputs, cost, model, finished, origin, graph_id
                    )
                    break
        return found

    def _load_assets(self, shas: Iterable[str]) -> None:
        """Read these assets' rows at once into the cache ``asset`` answers from."""
        wanted = sorted({s for s in shas if s not in self._asset_cache})
        if not wanted:
            return
        with self._lock:
            rows = self._db.execute(
                "SELECT sha256, kind, mime, size, relpath, width, height, duration_s,"
                f" content IS NOT NULL FROM assets WHERE sha256 {_IN_SET}",
                (json.dumps(wanted),),
            ).fetchall()
        for s, kind, mime, size, rel, w, h, d, inline in rows:
            self._asset_cache[s] = Asset(
                s, AssetKind(kind), mime, size, self.file_at(rel), w, h, d, inline=bool(inline)
            )

    def outputs_from_hashes(self, hashes: Mapping[str, Any]) -> dict[str, Value] | None:
        """Rebuild port values from stored hashes (pins); None when a file is missing."""
        return self._decode_outputs(hashes)

    def _decode_outputs(self, encoded: Mapping[str, Any]) -> dict[str, Value] | None:
        outputs: dict[str, Value] = {}
        for port, shas in encoded.items():
            if isinstance(shas, str):
                asset = self.asset(shas)
                if asset is None or not self.has_content(asset):
                    return None
                outputs[port] = asset
            else:
                items: list[Asset | None] = []
                for sha in shas:
                    asset = self.asset(sha) if sha else None
                    if sha and (asset is None or not self.has_content(asset)):
                        return None
                    items.append(asset)
                outputs[port] = ItemList(tuple(items))
        return outputs

    def latest_result(
        self, graph_id: str, node_id: str, item: int | None = None
    ) -> CachedResult | None:
        rows = self._query(
            "SELECT id, outputs_json, cost_usd, model, finished_at FROM results"
            " WHERE graph_id=? AND node_id=? AND item IS ? ORDER BY finished_at DESC LIMIT 1",
            (graph_id, node_id, item),
        )
        for result_id, outputs_json, cost, model, finished in rows:
            outputs = self._decode_outputs(json.loads(outputs_json))
            if outputs is not None:
                return CachedResult(result_id, outputs, cost, model, finished)
        return None

    def result_row(self, result_id: int) -> dict[str, Any] | None:
        self.flush(wait=True)
        with self._lock:
            cur = self._db.execute("SELECT * FROM results WHERE id=?", (result_id,))
            row = cur.fetchone()
            if row is None:
                return None
            return dict(zip([c[0] for c in cur.description], row, strict=True))

    # -- runs -----------------------------------------------------------------------------
    def begin_run(
        self,
        run_id: str,
        *,
        graph_id: str | None,
        graph_path: str | None,
        graph_name: str | None,
        quote: Mapping[str, Any] | None = None,
    ) -> None:
        self._defer(
            "INSERT INTO runs(id, graph_id, graph_path, graph_name, started_at, status,"
            " quote_json) VALUES (?,?,?,?,?,?,?)",
            (
                run_id,
                graph_id,
                graph_path,
                graph_name,
                time.time(),
                "running",
                json.dumps(quote) if quote else None,
            ),
        )

    def finish_run(
        self, run_id: str, status: str, cost_usd: float, nodes: Sequence[RunNode] = ()
    ) -> None:
        """Written behind like the results; ``flush()`` hands it to the writer."""
        self._defer(
            "UPDATE runs SET finished_at=?, status=?, cost_usd=? WHERE id=?",
            (time.time(), status, cost_usd, run_id),
        )
        if nodes:  # one row per run: a 10,000-node run is one insert, not 10,000
            kept = [n._replace(detail=redact_secrets(n.detail)) if n.detail else n for n in nodes]
            self._defer(
                "INSERT OR REPLACE INTO run_nodes(run_id, nodes_json) VALUES (?,?)",
                (run_id, json.dumps(kept, ensure_ascii=False)),
            )
        self.flush()

    def find_runs(self, prefix: str, limit: int = 2) -> list[dict[str, Any]]:
        """Runs whose id starts with ``prefix`` (at most ``limit``): one means found."""
        prefix = prefix.strip().lower()
        if not prefix:
            return []
        self.flush(wait=True)
        with self._lock:
            cur = self._db.execute(
                "SELECT * FROM runs WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                (prefix, prefix + "\uffff", limit),
            )
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def run_nodes(self, run_id: str) -> list[RunNode]:
        """The nodes of a finished run, in the order they settled."""
        self.flush(wait=True)
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT nodes_json FROM run_nodes WHERE run_id=?", (run_id,)
                ).fetchone()
            if row is None:
                return []
            return [
                RunNode(str(n), str(t), str(s), float(c), str(d))
                for n, t, s, c, d in json.loads(row[0])
            ]
        except (sqlite3.Error, ValueError, TypeError) as exc:
            raise LibraryError(
                f"the record of run {run_id} in the library at {self.root} is damaged: {exc}"
            ) from None

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        self.flush(wait=True)
        with self._lock:
            cur = self._db.execute("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (limit,))
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    # -- the provider job journal ---------------------------------------------------------
    def journal_creating(
        self,
        cache_key: str,
        provider: str,
        model: str,
        *,
        fingerprint: str | None = None,
        run_id: str | None = None,
        node_id: str | None = None,
        item: int | None = None,
        info: Mapping[str, Any] | None = None,
        adopt_delivered: bool = False,
    ) -> int:
        """Record, durably, that a create request is about to be sent (before it is sent),
        as this library's own job. Raises JobBusy when a live run (of this process or
        another) already has the same request open — the caller waits for it instead — or,
        with ``adopt_delivered``, when a run has just delivered it (the caller adopts it)."""
        now = time.time()
        with self.transaction() as db:
            if fingerprint is not None:
                states = "('creating', 'submitted', 'unknown', 'done')"
                rows = db.execute(
                    f"SELECT {_JOB_COLUMNS} FROM jobs WHERE cache_key=? AND fingerprint=?"
                    f" AND state IN {states if adopt_delivered else _OPEN_SQL} ORDER BY id DESC",
                    (cache_key, fingerprint),
                ).fetchall()
                for row in rows:
                    held = _job(row)
                    if self._held_by_other(held, now) or (
                        held.state == "done" and "delivered" in held.info
                    ):
                        raise JobBusy(held)
            cur = db.execute(
                "INSERT INTO jobs(cache_key, provider, model, state, fingerprint, info_json,"
                " run_id, node_id, item, created_at, updated_at, owner, heartbeat_at)"
                " VALUES (?,?,?,'creating',?,?,?,?,?,?,?,?,?)",
                (
                    cache_key,
                    provider,
                    model,
                    fingerprint,
                    json.dumps(dict(info or {})),
                    run_id,
                    node_id,
                    item,
                    now,
                    now,
                    self.owner,
                    now,
                ),
            )
            row_id = int(cur.lastrowid or 0)
            self._held.add(row_id)
            return row_id

    def journal_take(self, row_id: int) -> JobRecord | None:
        """Make an open job of an earlier run this library's own (to resume it); JobBusy if
        a live run works on it now. None when it is not open any more."""
        now = time.time()
        with self.transaction() as db:
            row = db.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id=?", (row_id,)).fetchone()
            job = _job(row) if row else None
            if job is None or not job.is_open:
                return None
            if self._held_by_other(job, now):
                raise JobBusy(job)
            db.execute(
                "UPDATE jobs SET owner=?, heartbeat_at=? WHERE id=?", (self.owner, now, row_id)
            )
        self._held.add(row_id)
        return job

    def journal_release(self, rows: Sequence[int]) -> None:
        """Stop working on these jobs (still open ones may be taken by the next run)."""
        rows = [r for r in rows if r in self._held]
        if not rows:
            return
        with self.transaction() as db:
            db.executemany(
                "UPDATE jobs SET owner=NULL, heartbeat_at=NULL WHERE id=? AND owner=?",
                [(r, self.owner) for r in rows],
            )
        self._held.difference_update(rows)

    def heartbeat(self) -> None:
        """Say, in the journal, that the jobs this library works on are still worked on."""
        held = sorted(self._held)
        if not held:
            return
        with self.transaction() as db:
            db.executemany(
                "UPDATE jobs SET heartbeat_at=? WHERE id=? AND owner=?",
                [(time.time(), r, self.owner) for r in held],
            )

    def job(self, row_id: int) -> JobRecord | None:
        with self._lock:  # journal rows are written through: no flush needed
            row = self._db.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id=?", (row_id,)
            ).fetchone()
        return _job(row) if row else None

    def is_held_elsewhere(self, job: JobRecord) -> bool:
        """Whether a live run other than this library's own works on ``job`` now."""
        return self._held_by_other(job, time.time())

    def _held_by_other(self, job: JobRecord, now: float) -> bool:
        if not job.owner:
            return False
        if job.owner == self.owner:
            return job.id in self._held  # another run of this process
        if job.heartbeat_at is None or now - job.heartbeat_at > LEASE_S:
            return False  # silent too long: that process is gone (or hung)
        host, _, rest = job.owner.partition(":")
        pid = rest.partition(":")[0]
        if host == socket.gethostname() and pid.isdigit():
            return _process_alive(int(pid))
        return True

    def journal_update(
        self,
        row_id: int,
        *,
        state: str | None = None,
        job_id: str | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        sets, args = ["updated_at=?"], [time.time()]
        if state is not None:
            sets.append("state=?")
            args.append(state)
        if job_id is not None:
            sets.append("job_id=?")
            args.append(job_id)
        if info is not None:
            sets.append("info_json=?")
            args.append(json.dumps(dict(info)))
        with self.transaction() as db:
            db.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id=?", (*args, row_id))

    def open_job(self, cache_key: str, fingerprint: str | None = None) -> JobRecord | None:
        """The unfinished job (creating / submitted / unknown) for this work and request, if
        a previous run left one."""
        sql = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE cache_key=? AND state IN {_OPEN_SQL}"
        args: tuple[Any, ...] = (cache_key,)
        if fingerprint is not None:
            sql += " AND fingerprint=?"
            args += (fingerprint,)
        with self._lock:  # journal rows are written through, never behind: no flush needed
            rows = self._db.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchall()
        return _job(rows[0]) if rows else None

    def open_jobs(self, *, include_unknown: bool = False) -> list[JobRecord]:
        states = (
            "('creating', 'submitted', 'unknown')"
            if include_unknown
            else "('creating', 'submitted')"
        )
        rows = self._query(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE state IN {states} ORDER BY id")
        return [_job(r) for r in rows]

    def jobs(self, *, state: str | None = None) -> list[JobRecord]:
        sql = f"SELECT {_JOB_COLUMNS} FROM jobs"
        rows = self._query(
            sql + (" WHERE state=? ORDER BY id" if state else " ORDER BY id"),
            (state,) if state else (),
        )
        return [_job(r) for r in rows]

    # -- money and time -------------------------------------------------------------------
    def add_charge(
        self,
        usd: float,
        *,
        provider: str | None,
        model: str | None,
        run_id: str | None,
        node_id: str | None,
        reason: str,
        quote: tuple[float, float] | None = None,
        reported_usd: float | None = None,
        basis: str | None = None,
        note: str | None = None,
    ) -> None:
        """Money spent outside a finished result (e.g. a cancelled job billed by the second).
        ``usd`` counts as spent; ``quote`` and ``reported_usd`` are kept apart beside it."""
        if usd <= 0:
            return
        with self.transaction() as db:
            db.execute(
                _INSERT_CHARGE,
                (
                    time.time(),
                    usd,
                    provider,
                    model,
                    run_id,
                    node_id,
                    reason,
                    quote[0] if quote else None,
                    quote[1] if quote else None,
                    reported_usd,
                    basis,
                    note,
                ),
            )

    def charge_totals(self, since: float | None = None) -> list[ChargeTotals]:
        """Per model, its calls' quotes against what their providers reported (the ledger's
        own charges only: simulated runs spend nothing and are not in it)."""
        rows = self._query(
            "SELECT model, COUNT(*),"
            " SUM(CASE WHEN basis='reported' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN basis='unknown' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN reported_usd > quote_high + ? THEN 1 ELSE 0 END),"
            " SUM(quote_low), SUM(quote_high),"
            " SUM(CASE WHEN basis='reported' THEN reported_usd ELSE 0 END),"
            " SUM(CASE WHEN basis='reported' THEN (quote_low + quote_high) / 2 ELSE 0 END),"
            " MAX(CASE WHEN quote_high > 0 THEN reported_usd / quote_high END)"
            " FROM charges WHERE quote_high IS NOT NULL AND at >= ?"
            " GROUP BY model ORDER BY model",
            (CHARGE_TOLERANCE_USD, since or 0.0),
        )
        return [
            ChargeTotals(
                str(m or ""),
                int(n),
                int(rep or 0),
                int(unk or 0),
                int(over or 0),
                float(ql or 0),
                float(qh or 0),
                float(ru or 0),
                float(qr or 0),
                None if worst is None else float(worst),
            )
            for m, n, rep, unk, over, ql, qh, ru, qr, worst in rows
        ]

    def spent_since(self, since: float) -> float:
        rows = self._query("SELECT COALESCE(SUM(usd), 0) FROM charges WHERE at >= ?", (since,))
        return float(rows[0][0])

    def spent_today(self) -> float:
        midnight = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        return self.spent_since(midnight.timestamp())

    def typical_run_seconds(self, model: str, *, history: int = 30) -> float | None:
        """Median run time of this model over the user's recent results, if there are any."""
        with self._lock:  # an estimate: results still being written behind may be left out
            rows = self._db.execute(
                "SELECT run_s FROM results WHERE model=? AND run_s IS NOT NULL"
                " ORDER BY finished_at DESC LIMIT ?",
                (model, history),
            ).fetchall()
        values = [r[0] for r in rows if r[0] is not None]
        return statistics.median(values) if values else None

    # -- reviews --------------------------------------------------------------------------
    def set_review(
        self,
        sha: str,
        *,
        rating: int | type[Ellipsis] | None = ...,
        rejected: bool | None = None,
        note: str | None = None,
    ) -> Review:
        current = self.review(sha)
        new_rating = current.rating if rating is ... else rating
        if new_rating is not None and not 1 <= int(new_rating) <= 5:
            raise LibraryError("a rating is 1 to 5 stars")
        review = Review(
            sha,
            None if new_rating is None else int(new_rating),
            current.rejected if rejected is None else bool(rejected),
            current.note if note is None else redact_secrets(note),
        )
        with self.transaction() as db:
            db.execute(
                "INSERT INTO reviews(sha256, rating, rejected, note, updated_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(sha256) DO UPDATE SET rating=excluded.rating,"
                " rejected=excluded.rejected, note=excluded.note, updated_at=excluded.updated_at",
                (sha, review.rating, int(review.rejected), review.note, time.time()),
            )
            refresh_summary(db, (sha,))
        return review

    def review(self, sha: str) -> Review:
        rows = self._query("SELECT rating, rejected, note FROM reviews WHERE sha256=?", (sha,))
        if not rows:
            return Review(sha)
        rating, rejected, note = rows[0]
        return Review(sha, rating, bool(rejected), note or "")

    # -- housekeeping ---------------------------------------------------------------------
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for read-only queries of the review tools (hold ``lock``)."""
        self.flush(wait=True)
        return self._db

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def iter_assets(self, shas: Iterable[str]) -> Iterator[Asset]:
        for sha in shas:
            asset = self.asset(sha)
            if asset is not None:
                yield asset


_INSERT_ASSET = (
    "INSERT INTO assets(sha256, kind, mime, size, relpath, width, height, duration_s,"
    " text_excerpt, content, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT(sha256) DO UPDATE SET relpath=excluded.relpath,"
    " content=COALESCE(excluded.content, assets.content)"
)
_INSERT_RESULT = (
    "INSERT INTO results(id, cache_key, run_id, graph_id, graph_path, node_id, node_type,"
    " node_title, item, model, provider, params_json, prompt, inputs_json, outputs_json,"
    " job_id, cost_usd, cost_source, queue_s, run_s, finished_at, origin)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_INSERT_RESULT_ASSET = (
    "INSERT OR IGNORE INTO result_assets(result_id, port, idx, sha256) VALUES (?,?,?,?)"
)
_INSERT_CHARGE = (
    "INSERT INTO charges(at, usd, provider, model, run_id, node_id, reason, quote_low,"
    " quote_high, reported_usd, basis, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
#: a reported charge this close to its quote's max is not above it (rounding)
CHARGE_TOLERANCE_USD = 0.005


#: encoders made once (``json.dumps`` with options builds one a call, for every row written);
#: params and inputs are kept as their cache key encodes them (``cachekey.canonical_json``)
_params_json = json_encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_inputs_json = json_encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_compact_json = json_encoder(separators=(",", ":"))


def params_to_json(params: Mapping[str, Any]) -> str:
    return redact_secrets(_params_json(params))


def _encode_outputs(outputs: Mapping[str, Value]) -> dict[str, Any]:
    encoded: dict[str, Any] = {}
    for port, value in outputs.items():
        if isinstance(value, Asset):
            encoded[port] = value.sha256
        else:
            encoded[port] = [a.sha256 if a else None for a in value.items]
    return encoded


def _output_shas(encoded: Mapping[str, Any]) -> Iterator[str]:
    for shas in encoded.values():
        if isinstance(shas, str):
            yield shas
        else:
            yield from (sha for sha in shas if sha)


def encode_outputs(outputs: Mapping[str, Value]) -> dict[str, Any]:
    """Port values as hashes (what pins and the results table store)."""
    return _encode_outputs(outputs)


def _job(row: Sequence[Any]) -> JobRecord:
    rid, key, provider, model, state, job_id, fp, info, created, updated, run, node, item = row[:13]
    owner, heartbeat = row[13:15]
    return JobRecord(
        rid,
        key,
        provider,
        model,
        state,
        job_id,
        fp,
        json.loads(info or "{}"),
        created,
        updated,
        run,
        node,
        item,
        owner,
        heartbeat,
    )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but is not ours to signal
        return True
    return True


def _same_device(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False


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


def refresh_summary(db: sqlite3.Connection, shas: Iterable[str] | None = None) -> None:
    """Bring the review tools' summary (``asset_summary``, ``facet_counts``) of these assets
    up to date with their rows, in the caller's transaction; ``None``: of every asset.

    Every transaction that writes assets, results, result_assets or reviews calls it (the
    writer thread for what was written behind, ``set_review``, pack imports). It is done here
    rather than by triggers because per-row triggers cost the executor's writer several times
    as much (about 35 µs an asset against 10): the summary rows are recomputed by a few
    statements per transaction, and the facet counts move by what these assets counted
    before and count now."""
    if shas is None:
        for statement in _SUMMARY_REBUILD.split(";\n"):
            db.execute(statement.rstrip(";"))
    else:
        _refresh(db, set(shas), may_remove=True)


def _refresh(db: sqlite3.Connection, shas: set[str], *, may_remove: bool) -> None:
    if not shas:
        return
    wanted = json.dumps(list(shas))
    before = _facet_rows(db, wanted)
    db.execute(_SUMMARIZE.format(where=f"a.sha256 {_IN_SET}"), (wanted,))
    if may_remove:
        db.execute(_DROP_GONE.format(where=f"s.sha256 {_IN_SET}"), (wanted,))
    moved: dict[tuple[str, str], list[Any]] = {}
    for facet, value, n, _first in before:
        moved[(facet, value)] = [-n, None]
    for facet, value, n, first in _facet_rows(db, wanted):
        entry = moved.setdefault((facet, value), [0, None])
        entry[0] += n
        entry[1] = first
    _move_facets(db, moved)


def _move_facets(db: sqlite3.Connection, moved: Mapping[tuple[str, str], list[Any]]) -> None:
    """Add ``[count, first_at]`` to each (facet, value)'s count."""
    db.executemany(
        "INSERT INTO facet_counts(facet, value, n, first_at) VALUES (?,?,?,?)"
        " ON CONFLICT(facet, value) DO UPDATE SET n = n + excluded.n,"
        " first_at = COALESCE(min(first_at, excluded.first_at), first_at, excluded.first_at)",
        [(f, v, n, first) for (f, v), (n, first) in moved.items() if n or first is not None],
    )
    # an episode that lost assets may have lost its first one: its start is read again (rare:
    # an asset made again by another run; the scan is of the summary alone)
    for (facet, value), (n, _first) in moved.items():
        if facet == "episode" and n < 0:
            graph, _at, run = value.rpartition("@")
            db.execute(
                "UPDATE facet_counts SET first_at = (SELECT min(COALESCE((SELECT ru.started_at"
                " FROM runs ru WHERE ru.id = s.run_id), s.at)) FROM asset_summary s"
                " WHERE s.run_id = ? AND COALESCE(s.graph_path, '') = ?)"
                " WHERE facet = 'episode' AND value = ?",
                (run, graph, value),
            )


def _facet_rows(db: sqlite3.Connection, wanted: str) -> list[tuple[str, str, int, Any]]:
    return db.execute(
        f"WITH picked AS MATERIALIZED (SELECT * FROM asset_summary WHERE sha256 {_IN_SET}) "
        + _FACET_ROWS.format(rows="picked"),
        (wanted,),
    ).fetchall()


#: a summary row from values at hand (the review, if any, is read): a new asset's row, or a
#: newer primary result for one
_UPSERT_SUMMARY = (
    "INSERT INTO asset_summary(at, sha256, kind, created_at, result_id, cost, model, provider,"
    " node, node_id, graph_path, run_id, item, text, rating, rejected)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
    " COALESCE((SELECT rating FROM reviews WHERE sha256 = ?), 0),"
    " COALESCE((SELECT rejected FROM reviews WHERE sha256 = ?), 0))"
    " ON CONFLICT(sha256) DO UPDATE SET at = excluded.at, result_id = excluded.result_id,"
    " cost = excluded.cost, model = excluded.model, provider = excluded.provider,"
    " node = excluded.node, node_id = excluded.node_id, graph_path = excluded.graph_path,"
    " run_id = excluded.run_id, item = excluded.item, text = excluded.text"
    " WHERE excluded.result_id > COALESCE(asset_summary.result_id, -1)"
)


def _summarize_batch(db: sqlite3.Connection, statements: Sequence[Statement]) -> None:
    """Writer thread, before a batch commits: the summary of the assets it wrote or gave a
    result to (rows written behind only ever add assets and results).

    The rows come from the batch's own values rather than from reading the tables back: an
    asset written with its result (what a run does) costs one insert. An asset whose row is
    not in the batch (written in the one before) is summarised by ``refresh_summary``."""
    assets: dict[str, tuple[Any, ...]] = {}  # sha -> (kind, created_at, excerpt)
    results: dict[int, Sequence[Any]] = {}  # result id -> its row
    newest: dict[str, int] = {}  # sha -> the newest result of the batch that made it
    for sql, args, many in statements:
        if sql is _INSERT_ASSET:
            assets.setdefault(args[0], (args[1], args[10], args[8]))  # the first row stays
        elif sql is _INSERT_RESULT:
            results[args[0]] = args
        elif sql is _INSERT_RESULT_ASSET:
            for result_id, _port, _idx, sha in args if many else (args,):
                if result_id > newest.get(sha, -1):
                    newest[sha] = result_id
    elsewhere = {sha for sha in newest if sha not in assets or newest[sha] not in results}
    _refresh(db, elsewhere, may_remove=False)
    if not assets:
        return
    known = {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT sha256, result_id, kind, model, provider, node, graph_path, run_id, item,"
            f" text FROM asset_summary WHERE sha256 {_IN_SET}",
            (json.dumps(list(assets)),),
        )
    }
    rows: list[tuple[Any, ...]] = []  # _UPSERT_SUMMARY's values
    # (kind, model, provider, node, graph, run, item) -> [assets in or out, first made]: the
    # assets of a batch share a few of them (a run's, a node's), counted into facets at the end
    tallies: dict[tuple[Any, ...], list[Any]] = {}
    for sha, (kind, created_at, excerpt) in assets.items():
        if sha in elsewhere:
            continue
        old = known.get(sha)
        result = results.get(newest.get(sha, -1))
        if result is None:  # stored, made by nothing (yet): a row for a new asset only
            if old is None:
                rows.append(
                    (
                        created_at,
                        sha,
                        kind,
                        created_at,
                        None,
                        0.0,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        f"\x1f\x1f{excerpt or ''}",
                        sha,
                        sha,
                    )
                )
                _tally(tallies, +1, (kind, None, None, None, None, None, None), None)
            continue
        rid, _key, run, _gid, graph, node_id, _type, title, item, model, provider = result[:11]
        if old is not None and old[0] is not None and old[0] >= rid:
            continue  # an older result: the primary one stays
        prompt, cost, finished = result[12], result[16], result[20]
        node = title if title is not None else node_id
        if old is not None:  # what the index holds wins over a second write of the asset
            kind, excerpt = old[1], old[8].split("\x1f", 2)[2]
            _tally(tallies, -1, old[1:8], None)
        text = f"{prompt or ''}\x1f{title or ''}\x1f{excerpt or ''}"
        rows.append(
            (
                finished,
                sha,
                kind,
                created_at,
                rid,
                cost or 0.0,
                model,
                provider,
                node,
                node_id,
                graph,
                run,
                item,
                text,
                sha,
                sha,
            )
        )
        _tally(tallies, +1, (kind, model, provider, node, graph, run, item), finished)
    db.executemany(_UPSERT_SUMMARY, rows)
    runs = {values[5] for values in tallies if values[5] is not None}
    started = (
        dict(
            db.execute(
                f"SELECT id, started_at FROM runs WHERE id {_IN_SET}", (json.dumps(list(runs)),)
            )
        )
        if runs
        else {}
    )
    moved: dict[tuple[str, str], list[Any]] = {}
    for values, (n, first) in tallies.items():
        if n:  # an episode begins when its run started, if the run is known
            _count(moved, n, *values, started.get(values[5], first))
    _move_facets(db, moved)


def _tally(
    tallies: dict[tuple[Any, ...], list[Any]], step: int, values: tuple[Any, ...], at: Any
) -> None:
    entry = tallies.get(values)
    if entry is None:
        entry = tallies[values] = [0, None]
    entry[0] += step
    if at is not None:
        entry[1] = at if entry[1] is None else min(entry[1], at)


def _count(
    moved: dict[tuple[str, str], list[Any]],
    step: int,
    kind: str,
    model: str | None,
    provider: str | None,
    node: str | None,
    graph: str | None,
    run: str | None,
    item: int | None,
    at: float | None,
) -> None:
    """Count a summary row's facet values in (+1) or out (-1) of ``moved``."""
    for facet, value in (
        ("kind", kind),
        ("model", model),
        ("provider", provider),
        ("node", node),
        ("graph", graph),
        ("run", run),
        ("episode", None if run is None else f"{graph or ''}@{run}"),
        ("shot", None if item is None else str(item + 1)),
    ):
        if value is not None:
            entry = moved.setdefault((facet, value), [0, None])
            entry[0] += step
            if facet == "episode" and step > 0 and at is not None:
                entry[1] = at if entry[1] is None else min(entry[1], at)
