"""Node results and the cache: a result row per node (or item), with its provenance and
cost, and the lookups a plan makes by cache key.

Result rows and their assets are written behind: they gather in memory and are committed
together by ``flush()`` (the executor flushes while a run goes and when it ends; any read
that could miss them flushes first). That is safe for money: the provider job journal is
written synchronously, and a job's journal row closes only in the same commit as the result
it produced — after a crash the job is resumed, never created again."""

from __future__ import annotations

import json
import operator
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..assets import Asset, ItemList, Value
from ..cachekey import json_encoder
from ..secrets import redact_secrets
from .spend import _INSERT_CHARGE
from .sql import _INSERT_RESULT, _INSERT_RESULT_ASSET
from .store import _HANDOFF_STATEMENTS, CachedResult, SQLiteError, Store
from .writer import Statement


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


class Results(Store):
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
        outputs = record.outputs
        encoded: dict[str, Any] = {}  # _encode_outputs's, with the result_assets rows
        rows: list[tuple[int, str, int, str]] = []
        with self._lock:
            result_id = self._next_result_id()
            for port, value in outputs.items():
                if isinstance(value, Asset):
                    encoded[port] = value.sha256
                    rows.append((result_id, port, 0, value.sha256))
                else:
                    encoded[port] = [a.sha256 if a else None for a in value.items]
                    rows.extend(
                        (result_id, port, i, a.sha256) for i, a in enumerate(value.items) if a
                    )
            statements: list[Statement] = [
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
                        _compact_json(encoded),
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
            ]
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
                    dict(outputs),
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
            rows = self._lookup_cursor.execute(_LOOKUP, (cache_key,)).fetchall()
        if len(rows) > 1:  # the newest 8 (a key has few results: sorted here, not by a sorter)
            rows.sort(key=_finished_at, reverse=True)
            del rows[8:]
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
        One statement for all of them, their results and those results' assets together:
        every statement outside a transaction costs SQLite its file locks (two system calls),
        and each costs compiling again on a library just opened."""
        scope = scope or CacheScope("")
        found: dict[str, CachedResult] = {}
        wanted: dict[str, None] = {}  # once each: the statement answers a key once
        pending_results = self._pending_results
        for key in cache_keys:  # what is written behind first, as lookup does
            pending = pending_results.get(key)
            if pending is not None and scope.serves(pending.origin, pending.graph_id):
                found[key] = pending
            else:
                wanted[key] = None
        if not wanted:
            return found
        keys = list(wanted)
        try:
            with self._lock:
                rows = self._lookup_cursor.execute(_LOOKUP_MANY, (json.dumps(keys),)).fetchall()
        except SQLiteError:  # a result's outputs that are no JSON (a damaged row): key by key,
            for key in keys:  # as lookup reads them (raising only for a row it would serve)
                hit = self.lookup(key, scope)
                if hit is not None:
                    found[key] = hit
            return found
        cache = self._asset_cache
        results_of: dict[int, list[tuple[Any, ...]]] = {}  # by the key's place in keys
        last_id = None
        for row in rows:
            place, result_id, sha = row[0], row[1], row[8]
            if sha is not None and sha not in cache:  # (an asset's row, as ``asset`` reads it)
                self._remember_asset(*row[8:])
            if result_id != last_id:  # (a result's rows, one an asset, come one after another)
                last_id = result_id
                kept = results_of.get(place)
                if kept is None:
                    results_of[place] = [row]
                else:
                    kept.append(row)
        for place, kept in results_of.items():
            if len(kept) > 1:  # the newest 8, as lookup reads them
                kept.sort(key=_row_finished_at, reverse=True)
                del kept[8:]
            for row in kept:
                origin, graph_id = row[6], row[7]
                if origin and not scope.serves(origin, graph_id):  # (made here: served)
                    continue
                outputs = self._decode_outputs(json.loads(row[2]))
                if outputs is not None:
                    found[keys[place]] = CachedResult(
                        row[1], outputs, row[3], row[4], row[5], origin, graph_id
                    )
                    break
        return found

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

    def paid_results(self) -> list[tuple[str | None, str | None, float]]:
        """(model, provider job id, cost) of every result that cost money, oldest first."""
        rows = self._query(
            "SELECT model, job_id, cost_usd FROM results WHERE cost_usd > 0 ORDER BY id"
        )
        return [(m, j, float(c)) for m, j, c in rows]


#: a key's results, newest first once sorted by ``_finished_at`` (``ORDER BY finished_at`` would
#: make SQLite build a sorter for every lookup, a third of a lookup's cost, for the few rows a
#: key has; an index on (cache_key, finished_at) would cost every write and a schema version)
_LOOKUP = (
    "SELECT id, outputs_json, cost_usd, model, finished_at, origin, graph_id"
    " FROM results WHERE cache_key=?"
)
_finished_at = operator.itemgetter(4)

#: a plan's keys, their results and those results' assets: a row an asset (a result of no
#: asset: one row, its asset's columns NULL). The keys are the outer loop (CROSS JOIN): one
#: search of ``results_key`` a key. No ORDER BY: a key's few results are sorted in Python
_LOOKUP_MANY = (
    "SELECT j.key, r.id, r.outputs_json, r.cost_usd, r.model, r.finished_at, r.origin,"
    " r.graph_id, a.sha256, a.kind, a.mime, a.size, a.relpath, a.width, a.height,"
    " a.duration_s, a.content IS NOT NULL"
    " FROM json_each(?) j CROSS JOIN results r ON r.cache_key = j.value"
    " LEFT JOIN json_tree(r.outputs_json) t ON t.type = 'text'"
    " LEFT JOIN assets a ON a.sha256 = t.atom"
)
_row_finished_at = operator.itemgetter(5)


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


def encode_outputs(outputs: Mapping[str, Value]) -> dict[str, Any]:
    """Port values as hashes (what pins and the results table store)."""
    return _encode_outputs(outputs)
