"""``canvastoon runs`` and ``canvastoon runs show RUN``: the runs panel's records, headless."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main
from canvastoon_desktop.core.executor import Executor, RunSummary
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from tests.support.fakes import FakeAdapter, fake_prices, fake_registry

REGISTRY = fake_registry()


@pytest.fixture
def ran(tmp_path: Path) -> tuple[Path, RunSummary]:
    """A library with one run: a node refused by the model, the node after it skipped, and
    one that went well."""
    library = Library(tmp_path / "library")
    adapter = FakeAdapter(fail_on={"bad"})
    executor = Executor(
        REGISTRY, library, fake_prices(), adapters={"aiml": adapter, "local": adapter}
    )
    graph = Graph(REGISTRY)
    bad = graph.create_node(
        "test.step", params={"text": "bad", "model": "test/echo"}, title="Bad cut"
    )
    after = graph.create_node("test.step", params={"model": "test/echo"}, title="Upscale")
    graph.connect(Edge(bad.id, "text", after.id, "text"))
    graph.create_node("test.step", params={"text": "good", "model": "test/echo"}, title="Good cut")
    summary = asyncio.run(executor.run(graph))
    library.close()
    return tmp_path / "library", summary


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_runs_lists_the_latest_runs(ran, capsys) -> None:
    root, summary = ran
    code, out, _ = run_cli(capsys, "runs", "--library", str(root))
    assert code == 0
    assert summary.run_id[:12] in out and "failed" in out and "1 run ·" in out
    code, out, _ = run_cli(capsys, "runs", "list", "--library", str(root), "--json")
    (listed,) = json.loads(out)["runs"]
    assert (listed["id"], listed["status"]) == (summary.run_id, "failed")


def test_runs_show_tells_how_each_node_ended(ran, capsys) -> None:
    root, summary = ran
    code, out, _ = run_cli(
        capsys, "runs", "show", summary.run_id[:6], "--library", str(root), "--json"
    )
    assert code == 0
    shown = json.loads(out)
    assert shown["run"]["id"] == summary.run_id
    nodes = {n["title"]: n for n in shown["nodes"]}
    assert {t: n["status"] for t, n in nodes.items()} == {
        "Bad cut": "failed",
        "Upscale": "skipped",
        "Good cut": "done",
    }
    assert "refused: bad" in nodes["Bad cut"]["detail"]
    assert nodes["Upscale"]["detail"] == "skipped: Bad cut did not finish"

    code, out, _ = run_cli(capsys, "runs", "show", summary.run_id, "--library", str(root))
    assert code == 0
    assert "Bad cut" in out and "refused: bad" in out and "Good cut" in out


def test_an_unknown_or_ambiguous_run_is_a_clear_error(ran, capsys) -> None:
    root, _ = ran
    code, _, err = run_cli(capsys, "runs", "show", "ffff0000", "--library", str(root))
    assert code == 2 and "no run ffff0000 in the library" in err
    library = Library(root)
    for run_id in ("abcd1111", "abcd2222"):
        library.begin_run(run_id, graph_id=None, graph_path=None, graph_name="x")
    library.close()
    code, _, err = run_cli(capsys, "runs", "show", "abcd", "--library", str(root))
    assert code == 2 and "matches several runs" in err


def test_a_folder_that_is_not_a_library_is_a_clear_error(tmp_path: Path, capsys) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("hello")
    code, out, err = run_cli(capsys, "runs", "--library", str(not_a_folder))
    assert code == 1 and "not a folder" in " ".join(err.split()) and "Traceback" not in err + out
