"""``canvastoon prices``: the table in use, where it comes from, and how the quotes compare
with what the providers reported in the user's own ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main
from canvastoon_desktop.core.catalog import default_catalog
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.resources import resources_dir
from tests.support.library_factory import add_reported_charge


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_prices_lists_every_hosted_model_with_its_numbers_source_and_date(capsys) -> None:
    code, out = run_cli(capsys, "prices", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["paths"] == [str(resources_dir() / "prices.json")]
    assert report["aiml"]["usd_per_credit"] == 5e-07 and report["aiml"]["source"]
    by_id = {m["id"]: m for m in report["models"]}
    hosted = {m.id for m in default_catalog() if not m.free}
    assert set(by_id) == hosted
    for entry in by_id.values():
        assert entry["source"] and entry["as_of"] and entry["prices"], entry["id"]
        assert entry["unpriced"] == []
    assert by_id["google/nano-banana-pro"]["prices"]["1K"] == "$0.1575"
    assert by_id["minimax/hailuo-2.3-fast"]["prices"]["768P 10 s"] == "$0.32–$0.34"
    assert by_id["google/veo-3.1-fast"]["rule"] == (
        "per second of output by resolution, generate_audio"
    )
    code, text = run_cli(capsys, "prices")
    assert code == 0 and "Nano Banana Pro" in text and "source: https://docs.aimlapi.com" in text


def test_a_users_table_is_listed_and_named_where_it_overrides(capsys) -> None:
    code, out = run_cli(capsys, "prices", "--path")
    mine = Path(out.split()[0])
    assert code == 0 and mine.parent == Path(os.environ["CANVASTOON_CONFIG_DIR"])
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text(
        json.dumps(
            {
                "format": "canvastoon-prices",
                "version": 2,
                "models": {"google/veo-3.1-fast": {"usd_per_second": {"720p": {"audio": 0.2}}}},
            }
        )
    )
    report = json.loads(run_cli(capsys, "prices", "--json")[1])
    assert report["paths"][-1] == str(mine)
    veo = next(m for m in report["models"] if m["id"] == "google/veo-3.1-fast")
    assert veo["file"] == str(mine) and veo["prices"]["720p audio"] == "$0.20"
    assert veo["prices"]["720p silent"] == "$0.10"  # the rest comes from the bundled table


def test_prices_shows_the_drift_between_quotes_and_reported_charges(capsys) -> None:
    library = Library(Path(os.environ["CANVASTOON_LIBRARY"]))
    for reported in (1.20, 1.60):  # the second was billed above its quote
        add_reported_charge(library, "google/veo-3.1-fast", reported, (1.20, 1.20))
    add_reported_charge(library, "google/nano-banana-pro", None, (0.1575, 0.1575))
    library.close()
    report = json.loads(run_cli(capsys, "prices", "--json")[1])
    drift = {d["model"]: d for d in report["drift"]}
    veo = drift["google/veo-3.1-fast"]
    assert (veo["calls"], veo["reported"], veo["over_quote"]) == (2, 2, 1)
    assert veo["drift_pct"] == pytest.approx((2.80 / 2.40 - 1) * 100, abs=0.01)
    assert drift["google/nano-banana-pro"]["unknown"] == 1
    (warning,) = report["drift_warnings"]
    assert warning.startswith("Veo 3.1 Fast: 1 of 2 reported charges were above their quote")
    code, text = run_cli(capsys, "prices")
    assert code == 0 and "+16.7%" in text and "⚠ Veo 3.1 Fast" in text


def test_a_setting_without_a_price_is_never_quoted_zero_and_is_refused(
    capsys, examples: Path
) -> None:
    mine = Path(os.environ["CANVASTOON_CONFIG_DIR"]) / "prices.json"
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text(  # the user's table prices Veo by the second, whatever its settings
        json.dumps(
            {
                "format": "canvastoon-prices",
                "version": 2,
                "models": {"google/veo-3.1-fast": {"usd_per_second": 0.15}},
            }
        )
    )
    graph = str(examples / "kpop_short.ctoon")
    code, out = run_cli(capsys, "estimate", graph, "--json")
    assert code == 0
    by_id = {n["id"]: n for n in json.loads(out)["nodes"]}
    unpriced = by_id["cinematic"]["unpriced"]
    assert f"Veo 3.1 Fast: usd_per_second in {mine} must be split by resolution" in unpriced
    assert by_id["cinematic"]["cost_usd"] == {"min": 0, "max": 0}  # left out, and said so
    code, out = run_cli(capsys, "estimate", graph)
    assert "no price" in out and "1 node without a price" in out
    code = main(["run", graph, "--yes"])
    err = capsys.readouterr().err
    assert code == 2 and "must be split by resolution" in err
