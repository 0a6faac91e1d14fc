"""What a pack carries out of the index and brings into it: the rows of the results that
made its assets, of the runs they belong to, and of the assets' reviews (as dicts keyed by
column), and their import, in one transaction with the imported assets' own rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..secrets import redact_secrets
from .store import Store
from .summary import refresh_summary
from .writer import Statement, apply_statements

#: the columns of a result a pack keeps (its origin is the importer's to say)
RESULT_COLUMNS = (
    "id",
    "cache_key",
    "run_id",
    "graph_id",
    "graph_path",
    "node_id",
    "node_type",
    "node_title",
    "item",
    "model",
    "provider",
    "params_json",
    "prompt",
    "inputs_json",
    "outputs_json",
    "job_id",
    "cost_usd",
    "cost_source",
    "queue_s",
    "run_s",
    "finished_at",
)
RUN_COLUMNS = (
    "id",
    "graph_id",
    "graph_path",
    "graph_name",
    "started_at",
    "finished_at",
    "status",
    "cost_usd",
)
REVIEW_COLUMNS = ("sha256", "rating", "rejected", "note", "updated_at")

#: an imported result row: its values by column (``RESULT_COLUMNS`` and ``origin``), and
#: its outputs as (result id, port, index, sha256) rows
ImportedResult = tuple[dict[str, Any], list[tuple[int, str, int, str]]]


def provenance_rows(
    library: Store, shas: Sequence[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The results that made these assets (by id), the runs they belong to, and the
    assets' reviews."""
    db = library._connection()
    results: dict[int, dict[str, Any]] = {}
    reviews: list[dict[str, Any]] = []
    with library._lock:
        for start in range(0, len(shas), 500):
            chunk = shas[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            cur = db.execute(
                f"SELECT {', '.join('r.' + c for c in RESULT_COLUMNS)} FROM results r WHERE r.id"
                f" IN (SELECT result_id FROM result_assets WHERE sha256 IN ({marks}))",
                chunk,
            )
            for row in cur.fetchall():
                results[row[0]] = dict(zip(RESULT_COLUMNS, row, strict=True))
            cur = db.execute(
                f"SELECT {', '.join(REVIEW_COLUMNS)} FROM reviews WHERE sha256 IN ({marks})", chunk
            )
            reviews.extend(dict(zip(REVIEW_COLUMNS, row, strict=True)) for row in cur)
        run_ids = sorted({r["run_id"] for r in results.values() if r["run_id"]})
        runs: list[dict[str, Any]] = []
        for start in range(0, len(run_ids), 500):
            chunk = run_ids[start : start + 500]
            cur = db.execute(
                f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE id IN"
                f" ({', '.join('?' * len(chunk))})",
                chunk,
            )
            runs.extend(dict(zip(RUN_COLUMNS, row, strict=True)) for row in cur)
    return [results[k] for k in sorted(results)], runs, reviews


def import_rows(
    library: Store,
    asset_rows: Sequence[Statement],
    results: Iterable[ImportedResult],
    runs: Iterable[dict[str, Any]],
    reviews: Iterable[dict[str, Any]],
    touched: Iterable[str],
) -> None:
    """In one transaction: the imported assets' rows (gathered by ``collecting``), the
    results (a result already there keeps its outputs), runs and reviews that are not
    there yet, and the summary of the ``touched`` assets."""
    columns = (*RESULT_COLUMNS, "origin")
    with library._transaction() as db:
        apply_statements(db, asset_rows)
        for values, outputs in results:
            cur = db.execute(
                f"INSERT OR IGNORE INTO results({', '.join(columns)}) VALUES"
                f" ({', '.join('?' * len(columns))})",
                [values[c] for c in columns],
            )
            if cur.rowcount:
                db.executemany(
                    "INSERT OR IGNORE INTO result_assets(result_id, port, idx, sha256)"
                    " VALUES (?,?,?,?)",
                    outputs,
                )
        for values in runs:
            db.execute(
                f"INSERT OR IGNORE INTO runs({', '.join(RUN_COLUMNS)}) VALUES"
                f" ({', '.join('?' * len(RUN_COLUMNS))})",
                [values[c] for c in RUN_COLUMNS],
            )
        for review in reviews:
            db.execute(
                "INSERT OR IGNORE INTO reviews(sha256, rating, rejected, note,"
                " updated_at) VALUES (?,?,?,?,?)",
                (
                    review["sha256"],
                    review["rating"],
                    int(bool(review["rejected"])),
                    redact_secrets(review["note"]),
                    review["updated_at"],
                ),
            )
        # the gallery's summary of what came in, in the same transaction
        refresh_summary(db, touched)
