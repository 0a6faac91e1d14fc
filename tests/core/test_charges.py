"""Booking a call: the provider's reported charge, checked against the call's quote."""

from __future__ import annotations

import math

import pytest

from canvastoon_desktop.core.charges import ESTIMATE, REPORTED, UNKNOWN, settle
from canvastoon_desktop.core.pricing import CostRange

QUOTE = CostRange(0.15, 0.16)


def test_a_believable_reported_charge_is_booked_as_reported() -> None:
    booking = settle(0.1575, QUOTE, what="Nano Banana Pro")
    assert (booking.usd, booking.basis, booking.reported_usd) == (0.1575, REPORTED, 0.1575)
    assert booking.warning is None


def test_no_report_books_the_quotes_max_as_an_estimate() -> None:
    booking = settle(None, QUOTE, what="Nano Banana Pro")
    assert (booking.usd, booking.basis, booking.reported_usd) == (0.16, ESTIMATE, None)


def test_a_charge_above_the_quote_is_believed_and_flagged() -> None:
    booking = settle(0.40, QUOTE, what="Nano Banana Pro")
    assert (booking.usd, booking.basis) == (0.40, REPORTED)
    assert booking.warning is not None
    assert "above the quote's max of $0.16" in booking.warning
    assert "price table may be out of date" in booking.warning


@pytest.mark.parametrize(
    ("reported", "said"),
    [
        (math.inf, "meta.usage.credits_used=1e400"),
        (-math.inf, None),
        (math.nan, "meta.usage.tokens_used='lots'"),
        (-0.05, None),
        (5_000_000.0, "meta.usage.credits_used=1e13"),  # far above the quote
        (2.0, None),  # more than ten times the quote and a dollar over it
    ],
)
def test_a_hostile_number_is_unknown_at_most_the_quotes_max(
    reported: float, said: str | None
) -> None:
    booking = settle(reported, QUOTE, what="Nano Banana Pro", said=said)
    assert booking.basis == UNKNOWN
    assert booking.usd == 0.16 and booking.reported_usd is None
    assert booking.warning is not None
    assert "recorded as unknown, at most $0.16" in booking.warning
    if said:
        assert said in booking.warning


def test_a_cheap_quote_still_believes_a_few_cents() -> None:
    """Far above means ten times the quote *and* a dollar over it: a $0.05 charge on a
    $0.005 quote is surprising, not impossible."""
    booking = settle(0.05, CostRange(0.005, 0.005), what="Z-Image Turbo")
    assert booking.basis == REPORTED and booking.warning is not None
