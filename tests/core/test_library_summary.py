"""The review tools' summary of the library: one row per asset (``asset_summary``: its
primary result, review and searchable text) and the filter menus' counts
(``facet_counts``), kept by every writer in the transaction of its write, so the gallery
reads keyset pages and counts whose cost does not grow with the library. An older library
gets the summary when it is opened; reading never writes."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.library import SCHEMA_VERSION, Library, ResultRecord, refresh_summary
from canvastoon_desktop.core.library import query as lq
from tests.support.index_file import index_file
from tests.support.library_factory import Populated


def _tables(db: sqlite3.Connection) -> tuple[list, list]:
    return (
        db.execute("SELECT * FROM asset_summary ORDER BY sha256").fetchall(),
        db.execute("SELECT * FROM facet_counts WHERE n > 0 ORDER BY facet, value").fetchall(),
    )


def kept_and_rebuilt(library: Library) -> tuple[tuple, tuple]:
    """The summary as the writers kept it, and as it is computed from scratch."""
    with index_file(library) as db:
        kept = _tables(db)
        db.execute("SAVEPOINT rebuild")
        refresh_summary(db, None)
        rebuilt = _tables(db)
        db.execute("ROLLBACK TO rebuild")
        db.execute("RELEASE rebuild")
    return kept, rebuilt


def test_every_writer_keeps_the_summary_as_a_rebuild_would_make_it(filled: Populated) -> None:
    library = filled.library
    kept, rebuilt = kept_and_rebuilt(library)
    assert kept == rebuilt and len(kept[0]) == 18
    image = filled.by_kind["image"][0]
    before = dict(lq.facet_values(library, "model"))
    old_model = lq.asset_row(library, image.sha256).model
    # another node of another run makes the same picture again: it is now its primary result
    library.record_result(
        ResultRecord(
            cache_key="again",
            node_id="n9",
            node_type="image_gen",
            node_title="Re-roll",
            outputs={"image": image},
            run_id="feedc0ffee",
            model="test/other-model",
            provider="replicate",
            prompt="a lantern festival",
        )
    )
    library.set_review(image.sha256, rating=5, rejected=True)
    row = lq.asset_row(library, image.sha256)
    assert (row.model, row.node_title, row.rating, row.rejected) == (
        "test/other-model",
        "Re-roll",
        5,
        True,
    )
    after = dict(lq.facet_values(library, "model"))
    assert after["test/other-model"] == 1
    assert after.get(old_model, 0) == before[old_model] - 1  # counted once, under its new model
    assert dict(lq.facet_values(library, "run"))["feedc0ffee"] == 1
    assert [r.sha256 for r in lq.query_assets(library, lq.parse_filters(["text=lantern"]))] == [
        image.sha256
    ]
    assert lq.count_assets(library) == len(lq.query_assets(library)) == 18
    kept, rebuilt = kept_and_rebuilt(library)
    assert kept == rebuilt


def test_an_older_library_gets_its_summary_when_opened(filled: Populated, tmp_path: Path) -> None:
    library = filled.library
    library.set_review(filled.assets[0].sha256, rating=3)
    expected = [lq.row_as_json(r) for r in lq.query_assets(library)]
    models = lq.facet_values(library, "model")
    lq.close_reader(library)
    library.close()
    db = sqlite3.connect(tmp_path / "library" / "library.sqlite")
    db.executescript(
        "DROP TABLE asset_summary; DROP TABLE facet_counts;"
        " CREATE INDEX review_results_run ON results(run_id);"  # made by readers once
        " PRAGMA user_version=4;"
    )
    db.close()
    library = Library(tmp_path / "library")
    filled.library = library  # closed by the fixture
    assert [lq.row_as_json(r) for r in lq.query_assets(library)] == expected
    assert lq.facet_values(library, "model") == models
    with index_file(library) as db:
        indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "review_results_run" not in indexes  # it only cost the executor's writes
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    kept, rebuilt = kept_and_rebuilt(library)
    assert kept == rebuilt


_FILTER_INDEXES = {
    "asset_summary_model",
    "asset_summary_provider",
    "asset_summary_rating",
    "asset_summary_cost_text",
}
#: typical filters of the gallery, and the index each one's count reads instead of the rows
_INDEXED_FILTERS = (
    (["kind=image", "model=google/nano-banana-pro", "date=30d.."], "asset_summary_model"),
    (["kind=video,text", "provider=aiml"], "asset_summary_provider"),
    (["rating=3", "rejected=hide"], "asset_summary_rating"),
    (["text=neon", "cost=0.01.."], "asset_summary_cost_text"),
)


def test_a_library_of_version_5_gets_the_filters_indexes_when_opened(
    filled: Populated, tmp_path: Path
) -> None:
    library = filled.library
    library.set_review(filled.assets[0].sha256, rating=4)
    queries = [lq.parse_filters(items) for items, _index in _INDEXED_FILTERS]
    expected = [[lq.row_as_json(r) for r in lq.query_assets(library, q)] for q in queries]
    counts = [lq.count_assets(library, q) for q in queries]
    lq.close_reader(library)
    library.close()
    db = sqlite3.connect(tmp_path / "library" / "library.sqlite")
    for name in _FILTER_INDEXES:
        db.execute(f"DROP INDEX {name}")
    db.execute("PRAGMA user_version=5")
    db.commit()
    db.close()

    looked_at = Library(tmp_path / "library", read_only=True)  # an older library, as it is
    assert lq.count_assets(looked_at) == len(filled.assets)
    lq.close_reader(looked_at)
    looked_at.close()

    library = Library(tmp_path / "library")
    filled.library = library  # closed by the fixture
    with index_file(library) as db:
        indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert indexes >= _FILTER_INDEXES
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [[lq.row_as_json(r) for r in lq.query_assets(library, q)] for q in queries] == expected
    assert [lq.count_assets(library, q) for q in queries] == counts
    kept, rebuilt = kept_and_rebuilt(library)
    assert kept == rebuilt


@pytest.mark.parametrize(("items", "index"), _INDEXED_FILTERS)
def test_counting_a_typical_filter_reads_its_index_not_the_rows(
    filled: Populated, items: list[str], index: str
) -> None:
    clauses, args = lq._conditions(lq.parse_filters(items))
    sql = f"SELECT count(*) FROM asset_summary s WHERE {' AND '.join(clauses)}"
    with index_file(filled.library) as db:
        plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", args))
    assert f"USING COVERING INDEX {index}" in plan


def test_reading_the_library_never_writes_to_it(filled: Populated) -> None:
    library = filled.library
    with index_file(library) as db:  # as another process looks: what changed since
        schema = db.execute("SELECT * FROM sqlite_master ORDER BY name").fetchall()
        version = db.execute("PRAGMA data_version").fetchone()[0]
        sha = filled.assets[0].sha256
        query = lq.parse_filters(["kind=image", "text=neon"], sort="cost")
        lq.query_assets(library, query)
        page = lq.query_page(library, query, size=2)
        lq.query_page(library, query, after=page.next, size=2)
        lq.count_assets(library, query)
        lq.section_counts(library, query)
        lq.matches(library, query, sha)
        lq.content_signature(library)
        lq.asset_details(library, sha)
        lq.resolve_sha(library, sha[:8])
        for key in ("model", "provider", "node", "graph", "run", "episode", "shot"):
            lq.facet_values(library, key)
            lq.facet_values(library, key, query)
        assert lq._reader(library).db.total_changes == 0
        assert db.execute("SELECT * FROM sqlite_master ORDER BY name").fetchall() == schema
        assert db.execute("PRAGMA data_version").fetchone()[0] == version  # nobody committed


@pytest.mark.parametrize("sort", sorted(lq.SORTS))
@pytest.mark.parametrize("ascending", [False, True])
def test_pages_follow_each_other_in_every_order_even_through_ties(
    filled: Populated, sort: str, ascending: bool
) -> None:
    library = filled.library
    with index_file(library) as db:  # many assets at the same moment, cost and rating
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE results SET finished_at = 1700000000 + (id % 3), cost_usd = id % 2")
        refresh_summary(db, None)
        db.execute("COMMIT")
    for n, asset in enumerate(filled.assets[:9]):
        library.set_review(asset.sha256, rating=1 + n % 2)
    for items in ([], ["kind=image,video"], ["text=neon"]):
        query = lq.parse_filters(items, sort=("-" if ascending else "") + sort)
        everything = [r.sha256 for r in lq.query_assets(library, query)]
        paged: list[str] = []
        page = lq.query_page(library, query, size=3)
        while True:
            paged += [r.sha256 for r in page.rows]
            if page.next is None:
                break
            page = lq.query_page(library, query, after=page.next, size=3)
        assert paged == everything and everything
        assert lq.count_assets(library, query) == len(everything)
    other = lq.with_sort(query, "-date" if sort != "date" or not ascending else "date")
    first = lq.query_page(library, query, size=3)
    with pytest.raises(lq.FilterError, match="order it was made in"):
        lq.query_page(library, other, after=first.next)


def test_the_summary_follows_an_asset_removed_from_the_index(filled: Populated) -> None:
    library = filled.library
    gone = filled.by_kind["text"][0]
    with index_file(library) as db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM result_assets WHERE sha256 = ?", (gone.sha256,))
        db.execute("DELETE FROM assets WHERE sha256 = ?", (gone.sha256,))
        refresh_summary(db, [gone.sha256])
        db.execute("COMMIT")
    assert gone.sha256 not in {r.sha256 for r in lq.query_assets(library)}
    assert lq.count_assets(library) == 17
    assert sum(n for _v, n in lq.facet_values(library, "model")) == 17
    kept, rebuilt = kept_and_rebuilt(library)
    assert kept == rebuilt


def test_rows_written_behind_are_summarised_as_a_rebuild_would_make_them(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")

    def made(asset, node: str, run: str, item: int | None = None, model: str = "m/one"):
        library.record_result(
            ResultRecord(
                cache_key=f"{node}-{asset.sha256[:8]}",
                node_id=node,
                node_type="prompt_llm",
                node_title=node.upper(),
                outputs={"text": asset},
                run_id=run,
                graph_path="/shows/ep1.ctoon",
                item=item,
                model=model,
                provider="aiml",
                prompt=f"prompt of {node}",
            )
        )

    library.begin_run("run-a", graph_id="g", graph_path="/shows/ep1.ctoon", graph_name="Ep 1")
    a, b = library.put_text("first words"), library.put_text("second words")
    made(a, "n1", "run-a")
    library.flush(wait=True)  # one batch
    made(b, "n2", "run-a", item=2)  # its asset was written in the batch before
    c = library.put_text("third words")
    made(c, "n3", "run-a")
    made(c, "n4", "run-b", model="m/two")  # the same text again, newer: its primary result
    # reviewed before the library holds it (a review kept from a pack, say)
    library.set_review(hashlib.sha256(b"d" * 10).hexdigest(), rating=3)
    d = library.put_bytes(b"d" * 10, AssetKind.TEXT, "text/plain")
    library.set_review(hashlib.sha256(b"e" * 10).hexdigest(), rejected=True)  # no rating
    e = library.put_bytes(b"e" * 10, AssetKind.TEXT, "text/plain")
    made(e, "n6", "run-a")
    loose = library.put_text("made by nothing")
    library.flush(wait=True)
    library.put_text("first words")  # written again, and made again by another run
    made(a, "n5", "run-b", item=0, model="m/two")
    library.flush(wait=True)
    kept, rebuilt = kept_and_rebuilt(library)
    assert kept == rebuilt
    rows = {r.sha256: r for r in lq.query_assets(library)}
    assert (rows[c.sha256].node_title, rows[c.sha256].run_id) == ("N4", "run-b")
    assert (rows[a.sha256].node_title, rows[a.sha256].shot) == ("N5", 1)
    assert rows[b.sha256].shot == 3 and rows[loose.sha256].result_id is None
    assert rows[d.sha256].rating == 3
    assert (rows[e.sha256].rating, rows[e.sha256].rejected) == (None, True)
    assert dict(lq.facet_values(library, "run")) == {"run-a": 2, "run-b": 2}
    assert dict(lq.facet_values(library, "model")) == {"m/one": 2, "m/two": 2}
    assert dict(lq.facet_values(library, "shot")) == {"1": 1, "3": 1}
    lq.close_reader(library)
    library.close()
