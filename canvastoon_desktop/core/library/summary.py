"""The review tools' summary of the library (``asset_summary``: one row per asset, its
primary result and review; ``facet_counts``: the filter menus' counts), kept by every
writer in the transaction of its write."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .sql import _IN_SET, _INSERT_ASSET, _INSERT_RESULT, _INSERT_RESULT_ASSET
from .writer import Statement

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


#: a summary row from values at hand (its review's, if any, read with the batch's): a new
#: asset's row, or a newer primary result for one (which keeps the row's review)
_UPSERT_SUMMARY = (
    "INSERT INTO asset_summary(at, sha256, kind, created_at, result_id, cost, model, provider,"
    " node, node_id, graph_path, run_id, item, text, rating, rejected)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT(sha256) DO UPDATE SET at = excluded.at, result_id = excluded.result_id,"
    " cost = excluded.cost, model = excluded.model, provider = excluded.provider,"
    " node = excluded.node, node_id = excluded.node_id, graph_path = excluded.graph_path,"
    " run_id = excluded.run_id, item = excluded.item, text = excluded.text"
    " WHERE excluded.result_id > COALESCE(asset_summary.result_id, -1)"
)
#: the (rating, rejected) of a batch's assets that have a review
_REVIEWED = (
    "SELECT rv.sha256, COALESCE(rv.rating, 0), COALESCE(rv.rejected, 0)"
    " FROM json_each(?) j JOIN reviews rv ON rv.sha256 = j.value"
)


#: the summary rows already there of a batch's assets (a join: no list of them is built)
_KNOWN = (
    "SELECT s.sha256, s.result_id, s.kind, s.model, s.provider, s.node, s.graph_path,"
    " s.run_id, s.item, s.text FROM json_each(?) j JOIN asset_summary s ON s.sha256 = j.value"
)


#: the (rating, rejected) of an asset without a review
_UNREVIEWED = (0, 0)


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
    shas = json.dumps(list(assets))
    known = {row[0]: row[1:] for row in db.execute(_KNOWN, (shas,))}
    reviewed = {sha: (rating, rejected) for sha, rating, rejected in db.execute(_REVIEWED, (shas,))}
    rows: list[tuple[Any, ...]] = []  # _UPSERT_SUMMARY's values
    # (kind, model, provider, node, graph, run, item) -> [assets in or out, first made]: the
    # assets of a batch share a few of them (a run's, a node's), counted into facets at the end
    tallies: dict[tuple[Any, ...], list[Any]] = {}
    for sha, (kind, created_at, excerpt) in assets.items():
        rid = newest.get(sha)
        if rid is None:  # stored, made by nothing (yet): a row for a new asset only
            if sha not in known:
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
                        *reviewed.get(sha, _UNREVIEWED),
                    )
                )
                _tally(tallies, +1, (kind, None, None, None, None, None, None), None)
            continue
        result = results.get(rid)
        if result is None:
            continue  # its result is not in this batch: in ``elsewhere``, refreshed above
        old = known.get(sha)
        if old is not None and old[0] is not None and old[0] >= rid:
            continue  # an older result: the primary one stays
        _rid, _key, run, _gid, graph, node_id, _type, title, item, model, provider = result[:11]
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
                *reviewed.get(sha, _UNREVIEWED),
            )
        )
        values = (kind, model, provider, node, graph, run, item)
        entry = tallies.get(values)  # _tally(tallies, +1, values, finished), inline
        if entry is None:
            tallies[values] = [1, finished]
        else:
            entry[0] += 1
            if finished is not None and (entry[1] is None or finished < entry[1]):
                entry[1] = finished
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
            kind, model, provider, node, graph, run, item = values
            at = started.get(run, first)
            _count(moved, n, kind, model, provider, node, graph, run, item, at)
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
