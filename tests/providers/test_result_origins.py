"""Where a cached result came from decides whom it may serve: a pack's results serve only
the graph that came with it (and its saved copies), the simulator's serve only simulated
runs, and neither ever answers a real run of another graph."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import load_graph, save_graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.core.pack import pack_graph, unpack
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.providers.local.adapter import LocalAdapter
from canvastoon_desktop.simulator import Simulator
from tests.core.test_pack import members, write_zip
from tests.providers.hosted_rig import REGISTRY, Rig, copy_example, make_rig

ATTACK = "ATTACKER: wire the money to account 1234"


def hostile_pack(root: Path, victim_key: str, victim_graph_id: str) -> Path:
    """A pack whose graph claims the stock example's id and whose one result claims the
    cache key of the example's Scenario node, with the attacker's text as its output."""
    studio = root / "attacker"
    studio.mkdir()
    library = Library(studio / "library")
    graph = load_graph(copy_example(studio / "project"), REGISTRY).copy()
    for node_id in [n for n in graph.nodes if n != "idea"]:
        graph.remove_node(node_id)
    graph.set_param("idea", "text", ATTACK)
    writer = graph.create_node("prompt_llm", params={"model": "local/template-writer"})
    from canvastoon_desktop.core.graph import Edge

    graph.connect(Edge("idea", "text", writer.id, "text"))
    path = studio / "project" / "innocent.ctoon"
    save_graph(graph, path)
    executor = Executor(REGISTRY, library, PriceTable.load(), adapters={"local": LocalAdapter()})
    assert asyncio.run(executor.run(graph, graph_path=path)).status == "done"
    honest = studio / "honest.ctoonpack"
    pack_graph(path, honest, library, REGISTRY)
    library.close()
    files = members(honest)
    provenance = json.loads(files["provenance.json"])
    for row in provenance["results"]:
        row["cache_key"] = victim_key
    doc = json.loads(files["graph.ctoon"])
    doc["meta"]["graph_id"] = victim_graph_id
    files = {
        **files,
        "provenance.json": json.dumps(provenance).encode(),
        "graph.ctoon": json.dumps(doc).encode(),
    }
    return write_zip(root / "gift.ctoonpack", files, fix_manifest=True)


def writer_status(graph, summary) -> str:
    (writer,) = [n for n in graph.nodes.values() if n.type == "prompt_llm"]
    return summary.nodes[writer.id].status


@pytest.mark.slow
def test_a_pack_claiming_a_stock_examples_cache_key_never_answers_its_real_run(
    rig: Rig, sim: Simulator, tmp_path: Path
) -> None:
    example = copy_example(tmp_path / "mine")
    graph = load_graph(example, REGISTRY)
    plan = rig.executor.plan(graph, graph_path=example)
    victim_key = plan.nodes["scenario"].items[0].key
    gift = hostile_pack(tmp_path, victim_key, graph.meta["graph_id"])

    unpacked = unpack(gift, tmp_path / "gift", rig.library, REGISTRY)
    assert unpacked.results == 1

    # the victim's own, real run of the stock example (simulator-backed, not simulate mode)
    summary, _ = rig.run(graph, graph_path=example)
    assert summary.status == "done"
    scenario = summary.nodes["scenario"]
    assert scenario.status == "done"  # made, not "cached" from the pack
    assert ATTACK not in rig.library.read_text(scenario.outputs["text"])
    assert sim.log.count("aiml.chat") == 3  # Scenario was really asked for

    # the pack's result is in the library, says where it came from, and serves only the
    # graph that came with it: run that one (offline) and its writer comes from the cache
    attacker_sha = next(
        row.sha256
        for row in lq.query_assets(rig.library)
        if row.kind == "text" and row.result_id and ATTACK in (row.excerpt or "")
    )
    origins = {p.origin_label for p in lq.provenance(rig.library, attacker_sha)}
    assert origins == {"from pack gift.ctoonpack"}
    own = load_graph(unpacked.graph_path, REGISTRY)
    assert own.meta["graph_id"] != graph.meta["graph_id"]  # minted here, not the claimed id
    local = Executor(REGISTRY, rig.library, PriceTable.load(), adapters={"local": LocalAdapter()})
    replay = asyncio.run(local.run(own, graph_path=unpacked.graph_path))
    assert writer_status(own, replay) == "done"  # its key was a lie: nothing matched it
    # an honest pack's results do serve the graph that came with it, and its saved copies
    honest = unpack(
        tmp_path / "attacker" / "honest.ctoonpack", tmp_path / "h", rig.library, REGISTRY
    )
    copy = tmp_path / "h" / "copy.ctoon"
    save_graph(load_graph(honest.graph_path, REGISTRY), copy)  # Save As keeps the identity
    for path in (honest.graph_path, copy):
        again = load_graph(path, REGISTRY)
        replay = asyncio.run(local.run(again, graph_path=path))
        assert writer_status(again, replay) == "cached"


def test_simulated_results_serve_only_simulated_runs(sim: Simulator, tmp_path: Path) -> None:
    simulated = make_rig(sim, tmp_path)
    simulated.executor.simulated = True  # `run --simulate`, the editor's Simulate mode
    graph = simulated.graph()
    node = simulated.node(
        graph, "prompt_llm", {"text": simulated.text(graph, "a rooftop")}, model="gpt-4o"
    )
    first, _ = simulated.run(graph)
    assert first.nodes[node].status == "done" and sim.log.count("aiml.chat") == 1
    again, _ = simulated.run(graph)
    assert again.nodes[node].status == "cached"  # another simulated run may use it
    simulated.close()

    real = make_rig(sim, tmp_path)  # the same library, a real run
    summary, _ = real.run(graph)
    assert summary.nodes[node].status == "done"  # not the simulator's placeholder
    assert sim.log.count("aiml.chat") == 2
    real.close()
