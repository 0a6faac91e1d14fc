"""Prices, quotes and budgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from canvastoon_desktop.core.catalog import default_catalog
from canvastoon_desktop.core.pricing import (
    Budget,
    CostRange,
    PriceTable,
    PriceTableError,
    Quote,
    budget_problems,
)

CATALOG = default_catalog()


def test_seed_prices_follow_each_models_rule() -> None:
    prices = PriceTable.load()
    banana = CATALOG["google/nano-banana-pro"]
    assert prices.estimate(banana, {"num_images": 2}) == CostRange(0.08, 0.16)
    veo = CATALOG["google/veo-3.1-fast"]
    assert prices.estimate(veo, {"duration": 8}).high == pytest.approx(1.20)
    hailuo = CATALOG["minimax/hailuo-2.3-fast"]
    assert prices.estimate(hailuo, {"duration": 10}).high == pytest.approx(0.34)
    lama = CATALOG["allenhooo/lama"]
    cost = prices.estimate(lama, {})
    assert 0.001 < cost.low < cost.high < 0.003
    z_image = prices.estimate(CATALOG["prunaai/z-image-turbo"], {})
    assert z_image.high < 0.001
    gpt = prices.estimate(CATALOG["gpt-4o"], {"max_tokens": 1000}, prompt_chars=4000)
    assert gpt.high == pytest.approx((1020 * 5 + 1000 * 15) / 1e6)
    assert prices.estimate(CATALOG["local/pan-zoom"], {"duration": 4}).is_free


def test_actual_costs_from_what_providers_report() -> None:
    prices = PriceTable.load()
    assert prices.credits_to_usd(2_000_000) == pytest.approx(1.0)
    assert prices.gpu_time_usd("allenhooo/lama", 4.0) == pytest.approx(4 * 0.000575)
    assert prices.video_seconds_usd("google/veo-3.1-fast", 8) == pytest.approx(1.2)


def test_a_user_table_overrides_the_seed_prices(tmp_path: Path) -> None:
    mine = tmp_path / "prices.json"
    mine.write_text(
        json.dumps(
            {
                "format": "canvastoon-prices",
                "models": {"google/nano-banana-pro": {"usd_per_image": [0.1, 0.1]}},
            }
        )
    )
    prices = PriceTable.load(mine)
    assert prices.estimate(CATALOG["google/nano-banana-pro"], {"num_images": 1}).high == 0.1
    assert prices.entry("gpt-4o")["usd_per_million_input_tokens"] == 5.0
    mine.write_text("{not json")
    with pytest.raises(PriceTableError, match="not valid JSON"):
        PriceTable.load(mine)


def test_budgets_refuse_with_the_reason() -> None:
    quote = Quote(cost=CostRange(0.5, 1.5))
    assert budget_problems(quote, Budget(per_run=2.0, per_day=10.0), spent_today=0) == []
    assert "per-run budget of $1.00" in budget_problems(quote, Budget(per_run=1.0), 0)[0]
    assert "only $0.50 of today's budget" in budget_problems(quote, Budget(per_day=3.0), 2.5)[0]


def test_the_toolbar_summary_reads_like_the_spec() -> None:
    quote = Quote(cost=CostRange(0.40, 0.42), seconds=95, cached=3)
    assert quote.summary() == "≈ $0.40–$0.42 · ~95 s · 3 cached"
