"""The provider job journal: every create request is recorded, durably, before it is sent,
and a job's row stays open until the result it made is committed (a crashed run's jobs are
resumed, never sent again). Several processes may share a library: each open job has an
owner that refreshes its claim (``heartbeat``); one silent too long is taken for dead."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .store import Store

#: journal states: creating (request may be on the wire), submitted (provider gave a job id),
#: done, failed, cancelled, unknown (a create whose outcome could not be established, that
#: the provider can still be asked about), possibly_charged (one it cannot be asked about:
#: reported once, with the estimate in the ledger; the next run sends the work again)
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


class Journal(Store):
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
        with self._transaction() as db:
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
        with self._transaction() as db:
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
        with self._transaction() as db:
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
        with self._transaction() as db:
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
        sets, args = ["updated_at=?"], list[Any]([time.time()])
        if state is not None:
            sets.append("state=?")
            args.append(state)
        if job_id is not None:
            sets.append("job_id=?")
            args.append(job_id)
        if info is not None:
            sets.append("info_json=?")
            args.append(json.dumps(dict(info)))
        with self._transaction() as db:
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
        rows = self._query(_OPEN_OR_UNKNOWN_JOBS if include_unknown else _OPEN_JOBS)
        return [_job(r) for r in rows]

    def jobs(self, *, state: str | None = None) -> list[JobRecord]:
        sql = f"SELECT {_JOB_COLUMNS} FROM jobs"
        rows = self._query(
            sql + (" WHERE state=? ORDER BY id" if state else " ORDER BY id"),
            (state,) if state else (),
        )
        return [_job(r) for r in rows]

    def close_jobs(self, rows: Sequence[int], state: str) -> None:
        with self._transaction() as db:
            now = time.time()
            db.executemany(
                "UPDATE jobs SET state=?, updated_at=?, owner=NULL, heartbeat_at=NULL WHERE id=?",
                [(state, now, row) for row in rows],
            )
        self._held.difference_update(rows)


#: the jobs still open (and those whose outcome is unknown): read as every run starts, from
#: the ``jobs_state`` index (done jobs are kept for good)
_OPEN_JOBS = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE state IN ('creating', 'submitted') ORDER BY id"
_OPEN_OR_UNKNOWN_JOBS = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE state IN {_OPEN_SQL} ORDER BY id"


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
