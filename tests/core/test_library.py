"""The library: content-addressed assets, results with provenance, the job journal,
reviews and spend."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from canvastoon_desktop.core.assets import AssetKind, ItemList
from canvastoon_desktop.core.errors import LibraryError
from canvastoon_desktop.core.library import (
    FROM_PACK,
    SCHEMA_VERSION,
    SIMULATED,
    CacheScope,
    Library,
    ResultRecord,
    RunNode,
    journal,
    writer,
)
from canvastoon_desktop.core.library.query import provenance
from canvastoon_desktop.core.secrets import remember_secret
from tests.support.index_file import index_file
from tests.support.library_factory import add_reported_charge


def test_assets_are_named_by_their_content_and_stored_once(tmp_path: Path) -> None:
    library = Library(tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    first = library.put_bytes(png, AssetKind.IMAGE, "image/png", width=2, height=3)
    again = library.put_bytes(png, AssetKind.IMAGE, "image/png")
    assert first == again
    assert first.path == tmp_path / "objects" / first.sha256[:2] / f"{first.sha256}.png"
    assert first.path.read_bytes() == png
    assert len(list((tmp_path / "objects").rglob("*.png"))) == 1


def test_small_texts_live_in_the_index_and_can_be_written_out(tmp_path: Path) -> None:
    library = Library(tmp_path)
    text = library.put_text("a girl on a rooftop")
    assert text.inline and not text.path.exists()
    library.close()
    reopened = Library(tmp_path)
    asset = reopened.asset(text.sha256)
    assert asset is not None and reopened.read_text(asset) == "a girl on a rooftop"
    assert reopened.file_path(asset).read_text() == "a girl on a rooftop"


def test_results_are_found_by_cache_key_after_a_restart(tmp_path: Path) -> None:
    library = Library(tmp_path)
    a, b = library.put_text("one"), library.put_text("two")
    library.record_result(ResultRecord("key-1", "node", "test", {"text": a}))
    library.record_result(ResultRecord("key-2", "node", "test", {"lines": ItemList((a, None, b))}))
    assert library.lookup("key-1").outputs == {"text": a}  # visible before it is committed
    library.close()
    reopened = Library(tmp_path)
    assert reopened.lookup("key-1").outputs == {"text": a}
    assert reopened.lookup("key-2").outputs == {"lines": ItemList((a, None, b))}
    assert reopened.lookup("nope") is None


def test_a_plans_many_lookups_answer_as_one_lookup_each_would(tmp_path: Path) -> None:
    library = Library(tmp_path)
    text, other = library.put_text("one"), library.put_text("two")
    image = library.put_bytes(b"\x89PNG....", AssetKind.IMAGE, "image/png")
    library.record_result(ResultRecord("plain", "n", "t", {"text": text}))
    library.record_result(ResultRecord("gone", "n", "t", {"image": image}))
    library.record_result(ResultRecord("twice", "n", "t", {"text": text}))
    library.record_result(ResultRecord("twice", "n", "t", {"text": other}))  # newer: served
    library.record_result(ResultRecord("sim", "n", "t", {"text": text}, origin=SIMULATED))
    library.record_result(
        ResultRecord("pack", "n", "t", {"text": other}, origin=FROM_PACK + "a", graph_id="g1")
    )
    with index_file(library) as db:  # one moment a result (made in one microsecond here)
        db.execute(
            "UPDATE results SET finished_at = 1000"
            " + (SELECT count(*) FROM results r WHERE r.id < results.id)"
        )
    library.record_result(ResultRecord("pending", "n", "t", {"text": other}))  # not committed
    image.path.unlink()
    keys = ["plain", "gone", "twice", "sim", "pack", "pending", "nothing"]
    for scope in (CacheScope(""), CacheScope("g1"), CacheScope("g2", simulated=True)):
        one_by_one = {k: library.lookup(k, scope) for k in keys}
        at_once = library.lookup_many(keys, scope)
        assert at_once == {k: hit for k, hit in one_by_one.items() if hit is not None}
    assert library.lookup_many(["twice"])["twice"].outputs == {"text": other}
    assert "gone" not in library.lookup_many(keys)
    assert set(library.lookup_many(keys, CacheScope("g1"))) == {"plain", "twice", "pack", "pending"}
    library.close()


def test_a_lookup_serves_the_newest_of_a_keys_newest_eight_results(tmp_path: Path) -> None:
    library = Library(tmp_path)
    images = [
        library.put_bytes(b"\x89PNG" + bytes([i]), AssetKind.IMAGE, "image/png") for i in range(10)
    ]
    for image in images:
        library.record_result(ResultRecord("k", "n", "t", {"image": image}))
    with index_file(library) as db:  # the first recorded finished last (not the id's order)
        db.execute(
            "UPDATE results SET finished_at = 1000"
            " - (SELECT count(*) FROM results r WHERE r.id < results.id)"
        )
    library.close()
    reopened = Library(tmp_path)
    assert reopened.lookup("k").outputs == {"image": images[0]}
    images[0].path.unlink()  # the newest is gone: the next newest serves
    assert reopened.lookup("k").outputs == {"image": images[1]}
    for image in images[1:8]:
        image.path.unlink()
    assert reopened.lookup("k") is None  # only a key's newest eight are looked at
    assert reopened.lookup_many(["k"]) == {}
    reopened.close()


def test_a_library_just_opened_looks_up_many_keys_as_it_looks_up_each(tmp_path: Path) -> None:
    """What a plan asks a library just opened (nothing of it known in memory yet): a key's
    newest result whose files are all there, among its newest eight, in the run's scope."""
    library = Library(tmp_path)
    images = [
        library.put_bytes(b"\x89PNG" + bytes([i]), AssetKind.IMAGE, "image/png") for i in range(10)
    ]
    text, other = library.put_text("one"), library.put_text("two")
    for image in images:  # "k": ten results, the first recorded the newest (see below)
        library.record_result(ResultRecord("k", "n", "t", {"image": image}))
    library.record_result(ResultRecord("gone-newest", "n", "t", {"text": text}))
    library.record_result(ResultRecord("gone-newest", "n", "t", {"image": images[9]}))
    library.record_result(
        ResultRecord("ports", "n", "t", {"text": text, "lines": ItemList((other, None, text))})
    )
    library.record_result(ResultRecord("nothing-out", "n", "t", {}))
    library.record_result(ResultRecord("no-row", "n", "t", {"text": other}))
    library.record_result(ResultRecord('odd "port"\\é', "n", "t", {'a "b"\\é': other}))
    library.record_result(ResultRecord("sim", "n", "t", {"text": text}, origin=SIMULATED))
    with index_file(library) as db:
        db.execute(
            "UPDATE results SET finished_at = 1000"
            " - (SELECT count(*) FROM results r WHERE r.id < results.id) WHERE cache_key='k'"
        )
        db.execute(  # "gone-newest": the image is the newer
            "UPDATE results SET finished_at = 2000 + (SELECT count(*) FROM results r"
            " WHERE r.cache_key = 'gone-newest' AND r.id < results.id)"
            " WHERE cache_key='gone-newest'"
        )
        db.execute(  # a result naming an asset the index does not hold
            "UPDATE results SET outputs_json = ? WHERE cache_key='no-row'",
            ('{"text":"' + "0" * 64 + '"}',),
        )
    library.close()
    images[0].path.unlink()  # the newest of "k" is gone: the next newest serves
    images[9].path.unlink()  # the newer of "gone-newest" too: the older serves
    keys = ["k", "gone-newest", "ports", "nothing-out", "no-row", 'odd "port"\\é', "sim", "k"]

    reopened = Library(tmp_path)
    found = reopened.lookup_many(keys)
    assert {k: hit.outputs for k, hit in found.items()} == {
        "k": {"image": images[1]},
        "gone-newest": {"text": text},
        "ports": {"text": text, "lines": ItemList((other, None, text))},
        "nothing-out": {},
        'odd "port"\\é': {'a "b"\\é': other},
    }
    assert set(reopened.lookup_many(keys, CacheScope("", simulated=True))) == {*found, "sim"}
    reopened.close()
    again = Library(tmp_path)  # (each key alone answers the same, on a library just opened)
    assert {k: again.lookup(k) for k in found} == found
    again.close()

    for image in images[1:8]:  # none of the newest eight left: the ninth is not looked at
        image.path.unlink()
    reopened = Library(tmp_path)
    assert "k" not in reopened.lookup_many(keys)
    reopened.close()


def test_a_damaged_result_stops_many_lookups_only_where_one_lookup_would_stop(
    tmp_path: Path,
) -> None:
    library = Library(tmp_path)
    text = library.put_text("one")
    library.record_result(ResultRecord("k", "n", "t", {"text": text}))
    library.record_result(ResultRecord("k", "n", "t", {"text": text}, origin=SIMULATED))
    library.record_result(ResultRecord("other", "n", "t", {"text": text}))
    with index_file(library) as db:  # the simulated result of "k" (not served here) is damaged
        db.execute("UPDATE results SET outputs_json = '{no json' WHERE origin IS NOT NULL")
    library.close()
    reopened = Library(tmp_path)
    assert set(reopened.lookup_many(["k", "other"])) == {"k", "other"}
    with pytest.raises(ValueError):  # where it would be served, it is an error, as it was
        reopened.lookup_many(["k"], CacheScope("", simulated=True))
    reopened.close()


def test_many_lookups_see_what_another_process_committed_since(tmp_path: Path) -> None:
    library = Library(tmp_path)
    text = library.put_text("made elsewhere")
    library.close()
    reopened = Library(tmp_path)
    assert reopened.lookup_many(["k", "later"]) == {}
    elsewhere = Library(tmp_path)  # another process: its own connections and writer
    elsewhere.record_result(ResultRecord("k", "n", "t", {"text": text}))
    elsewhere.flush(wait=True)
    assert reopened.lookup_many(["k", "later"])["k"].outputs == {"text": text}
    elsewhere.record_result(ResultRecord("later", "n", "t", {"text": text}))
    elsewhere.close()
    assert set(reopened.lookup_many(["k", "later"])) == {"k", "later"}
    reopened.close()


def test_a_result_whose_file_is_gone_is_not_served(tmp_path: Path) -> None:
    library = Library(tmp_path)
    image = library.put_bytes(b"\x89PNG....", AssetKind.IMAGE, "image/png")
    library.record_result(ResultRecord("k", "n", "t", {"image": image}))
    image.path.unlink()
    library.close()
    assert Library(tmp_path).lookup("k") is None


def test_provenance_lists_who_made_an_asset_without_secrets(tmp_path: Path) -> None:
    secret = "sk-canary-provenance-000111222"
    remember_secret(secret)
    library = Library(tmp_path)
    image = library.put_bytes(b"\x89PNG....", AssetKind.IMAGE, "image/png")
    library.record_result(
        ResultRecord(
            "k",
            "node-1",
            "image_gen",
            {"image": image},
            params={"aspect_ratio": "9:16"},
            model="google/nano-banana-pro",
            provider="aiml",
            prompt=f"idol {secret}",
            job_id="gen-1",
            cost_usd=0.05,
            cost_source="provider_credits",
            queue_s=1.0,
            run_s=9.0,
        )
    )
    (made,) = provenance(library, image.sha256)
    assert (made.node_id, made.model, made.job_id, made.cost_usd) == (
        "node-1",
        "google/nano-banana-pro",
        "gen-1",
        0.05,
    )
    assert made.prompt and secret not in made.prompt and "[redacted]" in made.prompt


def test_the_journal_is_durable_and_finds_open_jobs(tmp_path: Path) -> None:
    library = Library(tmp_path)
    row = library.journal_creating("key", "replicate", "google/veo-3.1-fast", fingerprint="fp")
    library.journal_update(row, state="submitted", job_id="pred-1")
    reopened = Library(tmp_path)  # a second process would see it right away
    job = reopened.open_job("key", "fp")
    assert job is not None and (job.state, job.job_id) == ("submitted", "pred-1")
    assert reopened.open_job("key", "other-request") is None
    library.close_jobs([row], "done")
    assert reopened.open_job("key") is None


def test_a_run_start_finds_the_open_jobs_by_their_index_among_every_job_ever_made(
    tmp_path: Path,
) -> None:
    """Done jobs are kept for good (a studio's grow by the thousand): the few open ones that
    every run reads as it starts are searched for in an index, never scanned for."""
    library = Library(tmp_path)
    done = [library.journal_creating(f"done-{i}", "aiml", "m", fingerprint="fp") for i in range(20)]
    library.close_jobs(done, "done")
    library.journal_creating("open", "replicate", "m2", fingerprint="fp")
    assert [j.cache_key for j in library.open_jobs(include_unknown=True)] == ["open"]
    assert [j.cache_key for j in library.open_jobs()] == ["open"]
    with index_file(library) as db:
        for sql in (journal._OPEN_JOBS, journal._OPEN_OR_UNKNOWN_JOBS):
            plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "INDEX jobs_state" in plan and "SCAN jobs" not in plan, plan
    library.close()


def test_a_library_of_version_6_gets_the_jobs_index_when_opened(tmp_path: Path) -> None:
    library = Library(tmp_path)
    library.journal_creating("open", "replicate", "m", fingerprint="fp")
    library.close()
    db = sqlite3.connect(tmp_path / "library.sqlite")
    db.execute("DROP INDEX jobs_state")
    db.execute("PRAGMA user_version=6")
    db.commit()
    db.close()

    looked_at = Library(tmp_path, read_only=True)  # an older library, as it is
    assert [j.cache_key for j in looked_at.open_jobs()] == ["open"]
    looked_at.close()

    library = Library(tmp_path)
    with index_file(library) as db:
        indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "jobs_state" in indexes
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [j.cache_key for j in library.open_jobs()] == ["open"]
    library.close()


def test_reviews_and_spend(tmp_path: Path) -> None:
    library = Library(tmp_path)
    library.set_review("abc", rating=4, note="keep")
    library.set_review("abc", rejected=True)
    review = library.review("abc")
    assert (review.rating, review.rejected, review.note) == (4, True, "keep")
    with pytest.raises(LibraryError, match="1 to 5"):
        library.set_review("abc", rating=9)
    library.add_charge(0.25, provider="aiml", model="m", run_id=None, node_id=None, reason="x")
    assert library.spent_today() == pytest.approx(0.25)


def test_a_library_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    Library(tmp_path).close()
    import sqlite3

    db = sqlite3.connect(tmp_path / "library.sqlite")
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(LibraryError, match="newer CanvasToon"):
        Library(tmp_path)


def test_a_library_from_before_run_nodes_is_upgraded_in_place(tmp_path: Path) -> None:
    library = Library(tmp_path)
    library.begin_run("r1", graph_id="g", graph_path=None, graph_name="old run")
    library.finish_run("r1", "done", 0.5)
    library.close()
    import sqlite3

    db = sqlite3.connect(tmp_path / "library.sqlite")
    db.execute("DROP TABLE run_nodes")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    library = Library(tmp_path)
    assert [r["graph_name"] for r in library.runs()] == ["old run"]  # nothing lost
    assert library.run_nodes("r1") == []
    library.begin_run("r2", graph_id="g", graph_path=None, graph_name="new run")
    library.finish_run(
        "r2", "failed", 0.0, [RunNode("n1", "Shot list", "failed", 0.0, "the model refused")]
    )
    assert library.run_nodes("r2") == [
        RunNode("n1", "Shot list", "failed", 0.0, "the model refused")
    ]
    library.close()


def test_a_damaged_run_record_is_a_library_error(tmp_path: Path) -> None:
    library = Library(tmp_path)
    library.begin_run("r1", graph_id=None, graph_path=None, graph_name="x")
    library.finish_run("r1", "done", 0.0, [RunNode("n1", "Card", "done")])
    library.close()
    import sqlite3

    db = sqlite3.connect(tmp_path / "library.sqlite")
    db.execute("UPDATE run_nodes SET nodes_json='[[1, 2'")
    db.commit()
    db.close()
    library = Library(tmp_path)
    with pytest.raises(LibraryError, match=r"record of run r1 .* is damaged"):
        library.run_nodes("r1")
    library.close()


def test_charges_keep_the_quote_and_the_reported_amount_apart(tmp_path: Path) -> None:
    library = Library(tmp_path)
    text = library.put_text("shot")
    for reported, basis in ((0.20, "reported"), (0.34, "reported"), (None, "unknown")):
        library.record_result(
            ResultRecord(
                f"k-{reported}",
                "node",
                "video",
                {"video": text},
                model="minimax/hailuo-2.3-fast",
                provider="aiml",
                cost_usd=reported if reported is not None else 0.34,
                cost_source="provider_credits",
                quote=(0.32, 0.34),
                reported_usd=reported,
                cost_basis=basis,
            )
        )
    add_reported_charge(library, "allenhooo/lama", 0.05, (0.001, 0.003))
    assert library.spent_today() == pytest.approx(0.20 + 0.34 + 0.34 + 0.05)
    lama, hailuo = library.charge_totals()  # by model id
    assert (hailuo.model, hailuo.calls, hailuo.reported, hailuo.unknown) == (
        "minimax/hailuo-2.3-fast",
        3,
        2,
        1,
    )
    assert hailuo.quoted_high_usd == pytest.approx(3 * 0.34)
    assert hailuo.reported_usd == pytest.approx(0.54)
    assert hailuo.over_quote == 0
    assert hailuo.drift_pct == pytest.approx((0.54 / 0.66 - 1) * 100)
    assert (lama.over_quote, lama.worst_ratio) == (1, pytest.approx(0.05 / 0.003))


def test_a_library_from_before_split_charges_is_upgraded_in_place(tmp_path: Path) -> None:
    import sqlite3

    library = Library(tmp_path)
    library.add_charge(0.25, provider="aiml", model="m", run_id=None, node_id=None, reason="x")
    library.close()
    db = sqlite3.connect(tmp_path / "library.sqlite")
    db.execute("DROP TABLE charges")
    db.execute(
        "CREATE TABLE charges (id INTEGER PRIMARY KEY, at REAL NOT NULL, usd REAL NOT NULL,"
        " provider TEXT, model TEXT, run_id TEXT, node_id TEXT, reason TEXT)"
    )
    db.execute(
        "INSERT INTO charges(at, usd, provider, model, reason) VALUES (strftime('%s','now'),"
        " 0.25, 'aiml', 'm', 'x')"
    )
    db.execute("PRAGMA user_version=2")
    db.commit()
    db.close()
    library = Library(tmp_path)
    assert library.spent_today() == pytest.approx(0.25)  # nothing lost
    library.add_charge(
        0.5, provider="aiml", model="m", run_id=None, node_id=None, reason="y", quote=(0.4, 0.5)
    )
    assert library.spent_today() == pytest.approx(0.75)
    (totals,) = library.charge_totals()  # the old row has no quote: not in the drift
    assert (totals.calls, totals.quoted_high_usd) == (1, 0.5)
    library.close()


def test_an_asset_made_by_its_own_init_behaves_as_the_dataclass_would(tmp_path: Path) -> None:
    import dataclasses

    from canvastoon_desktop.core.assets import Asset

    library = Library(tmp_path)
    made = library.put_text("one")
    by_name = Asset(
        sha256=made.sha256,
        kind=AssetKind.TEXT,
        mime="text/plain",
        size=3,
        path=tmp_path / "objects" / made.sha256[:2] / f"{made.sha256}.txt",
        inline=True,
    )
    assert made == by_name and hash(made) == hash(by_name)  # the path made from one string too
    assert dataclasses.replace(made, size=4).size == 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.size = 4  # type: ignore[misc]
    assert library.file_at("objects/x.bin") == tmp_path / "objects/x.bin"
    library.close()


def _in_the_database_file(root: Path, cache_key: str) -> bool:
    """Whether a result row is in ``library.sqlite`` itself (its WAL ignored)."""
    path = (root / "library.sqlite").resolve()
    db = sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True)
    try:
        query = "SELECT count(*) FROM results WHERE cache_key=?"
        return bool(db.execute(query, (cache_key,)).fetchone()[0])
    except sqlite3.OperationalError:  # not even the tables are there yet
        return False
    finally:
        db.close()


def test_the_writer_checkpoints_its_wal_once_it_is_big(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = Library(tmp_path)
    library.record_result(ResultRecord("key-0", "node", "test", {"text": library.put_text("0")}))
    library.flush(wait=True)
    assert not _in_the_database_file(tmp_path, "key-0")  # in the WAL only, so far
    monkeypatch.setattr(writer, "_CHECKPOINT_WAL_BYTES", 1)
    library.record_result(ResultRecord("key-1", "node", "test", {"text": library.put_text("a")}))
    library.flush(wait=True)
    assert _in_the_database_file(tmp_path, "key-1")
    library.close()


def test_the_writer_checkpoints_its_wal_once_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "_IDLE_CHECKPOINT_S", 0.05)
    library = Library(tmp_path)
    library.record_result(ResultRecord("key-1", "node", "test", {"text": library.put_text("a")}))
    library.flush(wait=True)
    deadline = time.monotonic() + 5
    while not _in_the_database_file(tmp_path, "key-1") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _in_the_database_file(tmp_path, "key-1")
    wal = tmp_path / "library.sqlite-wal"
    while wal.stat().st_size and time.monotonic() < deadline:
        time.sleep(0.02)
    assert wal.stat().st_size == 0  # and the WAL file emptied
    # what another connection reads meanwhile is every commit, checkpointed or not
    library.record_result(ResultRecord("key-2", "node", "test", {"text": library.put_text("b")}))
    library.flush(wait=True)
    other = Library(tmp_path)
    assert other.lookup("key-2") is not None
    other.close()
    library.close()


def test_a_library_whose_writer_cannot_open_the_index_is_refused_when_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(path: Path) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(writer, "connect", refused)  # (the writer thread's; not the reader's)
    with pytest.raises(LibraryError, match="cannot be written: unable to open database file"):
        Library(tmp_path)
