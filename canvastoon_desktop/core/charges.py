"""What a model call is booked at: the provider's reported charge, checked against its quote.

Every call is quoted before it is sent (``PriceTable.estimate``). When it ends, the adapter
hands over what the provider reported (AIML's credits, Replicate's outputs or GPU seconds,
converted to USD) or None when the provider said nothing. :func:`settle` decides what the
ledger keeps:

- nothing reported: the quote's max, as an *estimate*;
- a believable number: that number, as *reported* (with a warning when it is above the
  quote's max: the price table may be out of date);
- a number that cannot be a charge — not finite, negative, or far above the quote — is
  recorded as *unknown, at most the quote's max*, with a warning. It is never booked as
  spend: one hostile ``credits_used: 1e400`` must not lock the budget for the day.

The ledger keeps the estimated (quoted) and the reported amounts apart, so
``canvastoon prices`` can show per model how far the quotes drift from what was billed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .frozen_init import fast_frozen_init
from .library import ChargeTotals
from .pricing import CostRange, format_usd

__all__ = [
    "ABSURD_FACTOR",
    "Booking",
    "drift_warnings",
    "settle",
]

#: a reported charge above this many times the quote's max (and above it by more than
#: ABSURD_MARGIN_USD) is not believed
ABSURD_FACTOR = 10.0
ABSURD_MARGIN_USD = 1.0
#: reported charges within this of the quote's max are not "above" it (rounding)
TOLERANCE_USD = 0.005

#: how a booked amount was arrived at
REPORTED = "reported"
ESTIMATE = "estimate"
UNKNOWN = "unknown"


@fast_frozen_init  # (one a call)
@dataclass(frozen=True)
class Booking:
    """What one call is booked at."""

    usd: float  # counts as spent (budgets, today's spend)
    basis: str  # reported | estimate | unknown
    quoted: CostRange
    reported_usd: float | None = None  # the provider's figure, when it is believable
    warning: str | None = None


def settle(
    reported: float | None, quoted: CostRange, *, what: str, said: str | None = None
) -> Booking:
    """Book a call of ``what`` quoted ``quoted`` whose provider reported ``reported`` USD
    (None: it did not say). ``said`` is what the provider sent, for the warning."""
    if reported is None:
        return Booking(quoted.high, ESTIMATE, quoted)
    # the common case first: a finite float from 0 up to the quote's max (and its rounding
    # margin) is booked as reported, with no warning, exactly as the checks below decide it
    if (
        reported.__class__ is float
        and 0.0 <= reported <= quoted.high + TOLERANCE_USD
        and reported < math.inf
    ):
        return Booking(reported, REPORTED, quoted, reported)
    value = reported if isinstance(reported, int | float) else math.nan
    if not math.isfinite(value) or value < 0:
        shown = said or _show(value)
        return Booking(
            quoted.high,
            UNKNOWN,
            quoted,
            warning=(
                f"{what}: the provider reported a charge of {shown}, which cannot be one; "
                f"recorded as unknown, at most {format_usd(quoted.high)} (the quote's max)"
            ),
        )
    if value > max(quoted.high * ABSURD_FACTOR, quoted.high + ABSURD_MARGIN_USD):
        shown = said or _show(value)  # (worked out for a warning only: every call is booked)
        return Booking(
            quoted.high,
            UNKNOWN,
            quoted,
            warning=(
                f"{what}: the provider reported {format_usd(value)} ({shown}), far above the "
                f"quote's max of {format_usd(quoted.high)}; recorded as unknown, at most "
                f"{format_usd(quoted.high)} — check the provider's billing page"
            ),
        )
    warning = None
    if value > quoted.high + TOLERANCE_USD:
        warning = (
            f"{what}: the provider reported {format_usd(value)}, above the quote's max of "
            f"{format_usd(quoted.high)}; the price table may be out of date "
            "(canvastoon prices)"
        )
    return Booking(value, REPORTED, quoted, value, warning)


def _show(value: float) -> str:
    return repr(value) if not math.isfinite(value) or value < 0 else format_usd(value)


def drift_warnings(
    drifts: Iterable[ChargeTotals], models: Sequence[str], labels: Mapping[str, str]
) -> list[str]:
    """One line per model in ``models`` whose reported charges went above their quote."""
    lines = []
    wanted = set(models)
    for drift in drifts:
        if drift.model not in wanted or not drift.over_quote:
            continue
        worst = f" (up to {drift.worst_ratio:.2f}× the quote's max)" if drift.worst_ratio else ""
        lines.append(
            f"{labels.get(drift.model, drift.model)}: {drift.over_quote} of "
            f"{drift.reported} reported charges were above their quote{worst}; the price "
            "table may be out of date (canvastoon prices)"
        )
    return lines
