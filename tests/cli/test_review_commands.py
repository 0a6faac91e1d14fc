"""``canvastoon assets list/show/export``, ``pack`` and ``unpack`` on the command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import save_graph
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library.query import close_reader
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from nodes import default_registry
from tests.support.library_factory import Populated, populate


@pytest.fixture
def filled(tmp_path: Path) -> Populated:
    library = Library(tmp_path / "library")
    out = populate(library, images=6, videos=1, texts=2, graph_path=str(tmp_path / "ep.ctoon"))
    library.set_review(out.by_kind["image"][0].sha256, rating=5, note="hero shot")
    close_reader(library)
    library.close()
    return out


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_assets_list_filters_sorts_limits_and_speaks_json(filled, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CANVASTOON_LIBRARY", str(filled.library.root))
    code, out, _ = run_cli(capsys, "assets", "list")
    assert code == 0 and "9 assets" in out and "Main cut" in out
    code, out, _ = run_cli(
        capsys, "assets", "list", "--json", "--filter", "kind=image", "--filter", "rating=5"
    )
    doc = json.loads(out)
    assert code == 0 and doc["total"] == 1
    assert doc["assets"][0]["sha256"] == filled.by_kind["image"][0].sha256
    assert doc["filters"] == ["kind: image", "rating ≥ 5"]
    code, out, _ = run_cli(capsys, "assets", "list", "--json", "--sort", "cost", "--limit", "3")
    doc = json.loads(out)
    costs = [a["cost_usd"] for a in doc["assets"]]
    assert len(costs) == 3 and costs == sorted(costs, reverse=True) and doc["total"] == 9
    code, out, _ = run_cli(capsys, "assets", "list", "--json", "--sort", "cost", "--reverse")
    costs = [a["cost_usd"] for a in json.loads(out)["assets"]]
    assert costs == sorted(costs)
    code, _, err = run_cli(capsys, "assets", "list", "--filter", "colour=red")
    assert code == 2 and "no filter 'colour'" in err


def test_assets_show_takes_a_prefix_and_tells_the_provenance(filled, capsys) -> None:
    lib = str(filled.library.root)
    sha = filled.by_kind["image"][0].sha256
    code, out, _ = run_cli(capsys, "assets", "show", sha[:8], "--library", lib)
    assert code == 0 and sha in out and "hero shot" in out and "prompt" in out
    assert "★★★★★" in out
    code, out, _ = run_cli(capsys, "assets", "show", sha[:8], "--library", lib, "--json")
    doc = json.loads(out)
    assert doc["sha256"] == sha and doc["note"] == "hero shot"
    assert doc["provenance"][0]["graph_path"].endswith("ep.ctoon")
    assert {
        "model",
        "provider",
        "params",
        "prompt",
        "provider_job_id",
        "cost_usd",
        "queue_s",
        "run_s",
        "inputs",
    } <= set(doc["provenance"][0])
    code, _, err = run_cli(capsys, "assets", "show", "deadbeef", "--library", lib)
    assert code == 1 and "no asset deadbeef" in err


def test_assets_export_writes_files_and_sidecars(filled, capsys, tmp_path) -> None:
    lib = str(filled.library.root)
    picks = [
        filled.by_kind["image"][1].sha256[:10],
        filled.by_kind["video"][0].sha256[:10],
        filled.by_kind["text"][0].sha256[:10],
    ]
    code, out, _ = run_cli(
        capsys, "assets", "export", *picks, "--to", str(tmp_path / "x"), "--library", lib, "--json"
    )
    assert code == 0
    exported = json.loads(out)["exported"]
    assert len(exported) == 3
    for item in exported:
        assert Path(item["path"]).is_file()
        assert json.loads(Path(item["sidecar"]).read_text())["sha256"] == item["sha256"]


def test_pack_and_unpack_on_the_command_line(capsys, tmp_path: Path) -> None:
    registry = default_registry()
    graph = Graph(registry)
    graph.create_node(
        "image_gen",
        params={"model": "local/storyboard-card", "prompt": "idol on a rooftop"},
        title="Card",
    )
    path = tmp_path / "board.ctoon"
    save_graph(graph, path)
    library = Library(tmp_path / "library")
    summary = asyncio.run(
        Executor(registry, library, PriceTable.load(), adapters={"local": LocalAdapter()}).run(
            graph, graph_path=path
        )
    )
    assert summary.status == "done"
    library.close()
    code, out, _ = run_cli(
        capsys,
        "pack",
        str(path),
        "--to",
        str(tmp_path / "b.ctoonpack"),
        "--library",
        str(tmp_path / "library"),
        "--json",
    )
    assert code == 0 and json.loads(out)["assets"] == 1
    code, out, _ = run_cli(
        capsys,
        "unpack",
        str(tmp_path / "b.ctoonpack"),
        "--to",
        str(tmp_path / "opened"),
        "--library",
        str(tmp_path / "other"),
    )
    assert code == 0 and "board.ctoon" in out
    assert (tmp_path / "opened" / "board.ctoon").is_file()
    code, out, _ = run_cli(capsys, "assets", "list", "--json", "--library", str(tmp_path / "other"))
    doc = json.loads(out)
    assert doc["total"] == 1 and doc["assets"][0]["node_title"] == "Card"
    assert doc["assets"][0]["graph_path"] == str(tmp_path / "opened" / "board.ctoon")
    (tmp_path / "junk.ctoonpack").write_bytes(b"nope")
    code, _, err = run_cli(
        capsys,
        "unpack",
        str(tmp_path / "junk.ctoonpack"),
        "--to",
        str(tmp_path / "j"),
        "--library",
        str(tmp_path / "other"),
    )
    assert code == 2 and "not a readable zip file" in err and not (tmp_path / "j").exists()
