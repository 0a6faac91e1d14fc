"""The review tools' queries: one declaration of the filters, parsed for the CLI and applied
in SQL; sorting; provenance details; hash prefixes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from canvastoon_desktop.core.library import Library, ResultRecord
from canvastoon_desktop.core.library import query as lq
from tests.support.library_factory import Populated


def shas(rows) -> set[str]:
    return {r.sha256 for r in rows}


def test_every_filter_is_declared_once_with_a_query_field() -> None:
    keys = [spec.key for spec in lq.FILTERS]
    assert len(keys) == len(set(keys))
    assert set(keys) == {
        "kind",
        "model",
        "provider",
        "node",
        "graph",
        "run",
        "episode",
        "shot",
        "date",
        "rating",
        "rejected",
        "cost",
        "text",
    }
    query = lq.AssetQuery()
    for key in keys:
        assert hasattr(query, key) and query.active() == []


def test_cli_text_is_parsed_by_the_declarations() -> None:
    query = lq.parse_filters(
        [
            "kind=image,video",
            "model=a/b",
            "model=c/d",
            "rating=3",
            "rejected=hide",
            "cost=0.05..1",
            "date=2025-01-01..2025-01-31",
            "text=neon rain",
        ],
        sort="-cost",
        limit=5,
    )
    assert query.kind == ("image", "video") and query.model == ("a/b", "c/d")
    assert query.rating == 3 and query.rejected == "hide" and query.cost == (0.05, 1.0)
    assert query.date[1] - query.date[0] == pytest.approx(31 * 86400, abs=3700)
    assert query.text == "neon rain" and query.sort == "cost" and query.ascending
    assert query.limit == 5
    assert "rating ≥ 3" in query.describe()
    for bad, words in (
        ("kind=sound", "not one of"),
        ("rating=7", "0 to 5"),
        ("nope=1", "no filter"),
        ("rejected=maybe", "show, hide, only"),
        ("cost=1..0", "ends before"),
        ("date=tomorrowish", "not a date"),
        ("kind", "KEY=VALUE"),
    ):
        with pytest.raises(lq.FilterError, match=words):
            lq.parse_filters([bad])
    with pytest.raises(lq.FilterError, match="sort by one of"):
        lq.parse_filters([], sort="size")


def test_filters_narrow_in_sql(filled: Populated) -> None:
    library = filled.library
    everything = lq.query_assets(library)
    assert len(everything) == 18
    videos = lq.query_assets(library, lq.parse_filters(["kind=video"]))
    assert shas(videos) == {a.sha256 for a in filled.by_kind["video"]}
    nano = lq.query_assets(library, lq.parse_filters(["model=google/nano-banana-pro"]))
    assert nano and all(r.model == "google/nano-banana-pro" for r in nano)
    local = lq.query_assets(library, lq.parse_filters(["provider=local"]))
    assert local and all(r.provider == "local" for r in local)
    titled = lq.query_assets(library, lq.parse_filters(["node=Main cut"]))
    assert titled and all(r.node_title == "Main cut" for r in titled)
    by_graph = lq.query_assets(library, lq.parse_filters(["graph=ep1.ctoon"]))
    assert len(by_graph) == 18
    assert lq.query_assets(library, lq.parse_filters(["graph=other.ctoon"])) == []
    run = filled.run_ids[0]
    in_run = lq.query_assets(library, lq.parse_filters([f"run={run[:8]}"]))
    assert in_run and all(r.run_id == run for r in in_run)
    pricey = lq.query_assets(library, lq.parse_filters(["cost=0.5.."]))
    assert pricey and all(r.cost_usd >= 0.5 for r in pricey)
    text = lq.query_assets(library, lq.parse_filters(["text=neon"]))
    assert text and all(
        "neon" in (lq.provenance(library, r.sha256)[0].prompt or "") or "neon" in (r.excerpt or "")
        for r in text
    )
    today = lq.query_assets(library, lq.parse_filters(["date=today.."]))
    assert len(today) == 18
    assert lq.query_assets(library, lq.parse_filters(["date=..2001-01-01"])) == []


def test_review_filters_and_sorts(filled: Populated) -> None:
    library = filled.library
    a, b, c = (x.sha256 for x in filled.assets[:3])
    library.set_review(a, rating=5)
    library.set_review(b, rating=2, rejected=True)
    library.set_review(c, rating=4)
    assert shas(lq.query_assets(library, lq.AssetQuery(rating=4))) == {a, c}
    assert shas(lq.query_assets(library, lq.AssetQuery(rejected="only"))) == {b}
    assert b not in shas(lq.query_assets(library, lq.AssetQuery(rejected="hide")))
    ranked = lq.query_assets(library, lq.AssetQuery(sort="rating"))
    assert [r.sha256 for r in ranked[:3]] == [a, c, b]
    costs = [r.cost_usd or 0 for r in lq.query_assets(library, lq.AssetQuery(sort="cost"))]
    assert costs == sorted(costs, reverse=True)
    dates = [r.when for r in lq.query_assets(library, lq.AssetQuery(ascending=True))]
    assert dates == sorted(dates)
    page = lq.query_assets(library, lq.AssetQuery(limit=5, offset=5))
    assert len(page) == 5 and lq.count_assets(library) == 18


def test_details_give_the_full_provenance_and_the_newest_result_first(filled: Populated) -> None:
    library = filled.library
    image, source = filled.by_kind["image"][:2]
    time.sleep(0.002)
    library.record_result(
        ResultRecord(
            cache_key="again",
            node_id="n9",
            node_type="image_gen",
            node_title="Re-roll",
            outputs={"image": image},
            params={"seed": 9},
            inputs={"references": [source.sha256]},
            model="prunaai/z-image-turbo",
            provider="replicate",
            prompt="again",
            job_id="p-1",
            cost_usd=0.0,
            queue_s=2.0,
            run_s=4.0,
        )
    )
    details = lq.asset_details(library, image.sha256)
    assert details is not None and len(details.provenance) == 2
    newest = details.primary
    assert newest.node_title == "Re-roll" and newest.job_id == "p-1"
    assert newest.input_hashes() == [("references", source.sha256)]
    assert details.row.node_title == "Re-roll"  # the grid shows the newest result too
    used = lq.asset_details(library, source.sha256)
    assert any(title == "Re-roll" for _i, title, _t in used.used_by)
    assert lq.facet_values(library, "model")[0][1] >= 1


def test_hash_prefixes_resolve_to_one_asset(filled: Populated) -> None:
    library = filled.library
    sha = filled.assets[0].sha256
    assert lq.resolve_sha(library, sha[:10]) == sha
    assert lq.resolve_sha(library, sha.upper()) == sha
    with pytest.raises(lq.FilterError, match="not an asset hash"):
        lq.resolve_sha(library, "xyz")
    with pytest.raises(lq.AssetNotFound, match="no asset"):
        lq.resolve_sha(library, "0000000000")


def test_results_written_behind_are_seen(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    asset = library.put_text("hello there")
    library.record_result(
        ResultRecord(cache_key="k", node_id="n", node_type="text", outputs={"text": asset})
    )
    assert [r.sha256 for r in lq.query_assets(library)] == [asset.sha256]
    lq.close_reader(library)
    library.close()
