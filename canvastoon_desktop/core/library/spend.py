"""The ledger of charges: what calls were quoted, what their providers reported, what
counts as spent."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, NamedTuple

from .store import Store


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


_INSERT_CHARGE = (
    "INSERT INTO charges(at, usd, provider, model, run_id, node_id, reason, quote_low,"
    " quote_high, reported_usd, basis, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
#: a reported charge this close to its quote's max is not above it (rounding)
CHARGE_TOLERANCE_USD = 0.005


class Spend(Store):
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
        with self._transaction() as db:
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

    def charges(self) -> list[dict[str, Any]]:
        """Every charge of the ledger by column (``at``, ``usd``, ``model``, ``quote_low``,
        ``reported_usd``, ``basis``, ``reason``...), in the order they were booked."""
        self.flush(wait=True)
        with self._lock:
            cur = self._db.execute("SELECT * FROM charges ORDER BY id")
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def spent_since(self, since: float) -> float:
        rows = self._query("SELECT COALESCE(SUM(usd), 0) FROM charges WHERE at >= ?", (since,))
        return float(rows[0][0])

    def spent_today(self) -> float:
        midnight = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        return self.spent_since(midnight.timestamp())
