"""Runs: when each started and ended, how, what it cost, and how each of its nodes ended."""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..cachekey import json_encoder
from ..errors import LibraryError
from ..secrets import redact_secrets
from .store import Store

#: a run's nodes as ``run_nodes`` keeps them, the same text as ``json.dumps``'s: without its
#: cycle check for each node's entry (tuples of text and numbers), nor an encoder made a call
_nodes_json = json_encoder(ensure_ascii=False)


class RunNode(NamedTuple):
    """How one node of a finished run ended, kept so runs of earlier sessions can be
    reviewed node by node. (A tuple: a run of 10,000 nodes makes one at its end for each.)"""

    node_id: str
    title: str
    status: str
    cost_usd: float = 0.0
    #: the error, or a note such as "trimmed to 8 shots"
    detail: str = ""


class Runs(Store):
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
                (run_id, _nodes_json(kept)),
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
