"""The library's store: the SQLite index's connection and lock, the content-addressed files
(``objects/``), and the rows written behind and handed to the writer thread.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives the app being killed
(only a power cut can lose the last commits), which is what the job journal needs. All
access goes through one connection guarded by a lock, so the executor may call in from the
event loop and from worker threads.

Small text and JSON assets live inside the index (``assets.content``) rather than as files:
a run of many small nodes would otherwise spend its time creating files. ``file_path()``
writes such an asset out when a real file is wanted (export, an external viewer)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..assets import EXTENSIONS, Asset, AssetKind, Value
from ..atomic import atomic_output, atomic_write_bytes
from ..errors import LibraryError
from ..frozen_init import fast_frozen_init
from ..regular_files import FileRefused, open_regular
from ..secrets import redact_bytes, redact_secrets
from .schema import connect_read_only, migrate
from .sql import _INSERT_ASSET
from .summary import _summarize_batch
from .writer import BackgroundWriter, Statement, connect

#: what the index raises when it cannot do what it was asked (a full disk, a damaged file):
#: for callers that turn it into their own error without importing sqlite3
SQLiteError = sqlite3.Error

#: rows written behind are handed to the writer thread in batches of about this many (a
#: long run's are handed over every 5 s anyway): each batch writes again every page it
#: dirties of the indexes keyed by hashes, which a big library's batches dirty all of, so
#: fewer, bigger batches cost the writer less (50,000 nodes: some 100 MB held meanwhile)
_HANDOFF_STATEMENTS = 150_000

#: text and JSON assets up to this size are kept inside the index
INLINE_MAX_BYTES = 256 * 1024
_INLINE_KINDS = frozenset((AssetKind.TEXT, AssetKind.JSON))
#: an asset row's kind by its text (``AssetKind(kind)`` costs ten times a look-up, and a plan
#: of a library just opened makes an asset of each of its results' rows)
ASSET_KINDS: dict[str, AssetKind] = {kind.value: kind for kind in AssetKind}


def kept_inline(kind: AssetKind, size: int) -> bool:
    """Whether an asset of this kind and size is kept inside the index (no file)."""
    return kind in _INLINE_KINDS and size <= INLINE_MAX_BYTES


@fast_frozen_init
@dataclass(frozen=True)
class CachedResult:
    """A result the cache can serve: its outputs, what it cost and where it came from (one
    is made for every key a plan finds, hence the fast ``__init__``)."""

    result_id: int
    outputs: dict[str, Value]
    cost_usd: float
    model: str | None
    finished_at: float
    origin: str | None = None
    graph_id: str | None = None


class Store:
    """The index's connection and its lock, the objects on disk, and the rows written
    behind (the base of ``Library``: its other parts read and write through these)."""

    def __init__(self, root: str | os.PathLike[str], *, read_only: bool = False) -> None:
        """Open (or create) the library at ``root``. ``read_only`` is for the commands that
        only look (``validate``, ``assets list``): nothing is created or written, not even
        on a full disk; a library that is not there (or is older) reads as empty."""
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.thumbs = self.root / "thumbs"
        self._root_text = str(self.root)
        #: what a relative path of the library is appended to (the root and a separator)
        self._root_prefix = os.path.join(self._root_text, "")
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
        #: the statements an import gathers, by the thread that gathers them (``collecting``)
        self._collectors: dict[int, list[Statement]] = {}
        self._id_counter = random.randrange(1024)
        #: who this library object is, in the job journal; and the open jobs it works on
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held: set[int] = set()
        try:
            if read_only:
                self._db = connect_read_only(self.root / "library.sqlite")
            else:
                self._db = connect(self.root / "library.sqlite")
                migrate(self._db, self._lock, self.root)
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"the library index at {self.root} is unreadable: {exc}") from None
        #: the cursor lookups run on (hold ``_lock``): one made per lookup costs a tenth of it
        self._lookup_cursor = self._db.cursor()
        self._writer = BackgroundWriter(
            self.root / "library.sqlite", self._committed, before_commit=_summarize_batch
        )
        if not read_only:
            try:
                self._writer.start()
            except sqlite3.Error as exc:
                self._db.close()
                raise LibraryError(f"the library at {self.root} cannot be written: {exc}") from None

    # -- writing: behind (batched) or through (journal) ------------------------------------
    def _defer(self, sql: str, args: Sequence[Any], many: bool = False) -> None:
        if self._collectors:  # an import gathers its rows for one transaction
            collected = self._collectors.get(threading.get_ident())
            if collected is not None:
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
        transaction (``transfer.import_rows``), so an import lands whole or not at all."""
        statements: list[Statement] = []
        thread = threading.get_ident()
        self._collectors[thread] = statements
        try:
            yield statements
        finally:
            del self._collectors[thread]

    def forget_uncommitted(self, shas: Iterable[str]) -> None:
        """Drop what this object remembers of assets whose rows were never committed."""
        for sha in shas:
            self._asset_cache.pop(sha, None)
            self._bytes_cache.pop(sha, None)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
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
        return Path(self._root_prefix + relpath)

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
        text_like = kind in _INLINE_KINDS
        if text_like:
            data = redact_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        known = self._asset_cache.get(sha)
        if known is not None and (known.inline or known.path.exists()):
            return known
        rel = self._relpath(sha, mime)
        inline = kept_inline(kind, len(data))
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
        # named by its content, so never rewritten with another mode; a lost object is
        # found missing and made again, so no fsync per item
        atomic_write_bytes(target, data, durable=False, keep_mode=False)
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
                with atomic_output(target) as tmp, open(tmp, "wb") as out:
                    shutil.copyfileobj(handle, out, 1 << 20)
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
            content is not None,
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
        return self._remember_asset(*rows[0])

    def _remember_asset(
        self,
        sha: str,
        kind: str,
        mime: str,
        size: int,
        rel: str,
        width: int | None,
        height: int | None,
        duration_s: float | None,
        inline: int,
    ) -> Asset:
        """The asset of an ``assets`` row (sha256, kind, mime, size, relpath, width, height,
        duration_s, content IS NOT NULL), kept in the cache ``asset`` answers from."""
        asset = self._asset_cache[sha] = Asset(
            sha,
            ASSET_KINDS.get(kind) or AssetKind(kind),
            mime,
            size,
            self.file_at(rel),
            width,
            height,
            duration_s,
            bool(inline),
        )
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

    # -- housekeeping ---------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        """The connection, for the package's read-only queries (hold ``_lock``)."""
        self.flush(wait=True)
        return self._db


def _same_device(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False
