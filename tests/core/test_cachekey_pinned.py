"""The cache keys of a few planned nodes, pinned to their values: a library made by an
earlier version finds its results only if the keys stay byte for byte the same, whatever
the planner's fast paths."""

from __future__ import annotations

import hashlib
from pathlib import Path

from canvastoon_desktop.core.cachekey import keyed
from canvastoon_desktop.core.graph import Edge, Graph
from tests.core.test_executor import REGISTRY, make_executor, run

PINNED = {
    "plain": "9be649c61d6564b3d40cdb5c77eea1b9b731d5fb59630aaed167dde72b60923e",
    "unicode": "5e63563224f831585020e0bfaa455a8a3fa427191e2ef5115e009f8fad1a47d3",
    "rerolled": "38cf8913212d2f3c8c7eafe706ed996c1fb45ac493dbefe80c0b4c5b4485f406",
    "chained": "31e6270091e390c2978007c154afcf774b4639b35b3565fee9721c63b08812d6",
    "split": "55ca6a0582da9647c0dd4e9acc4a57b58b9922061ab6ddad6cf9e07b1108c194",
    "mapped": [
        "3efe1a1865784f2dd8f9fc866aa1cbf28cf1ed5f56e99b547219dbb4603b1c00",
        "6aa21e9a3c88748afa551ee2bb5c593d8cc9a74aa8503468036b0e5d7985b294",
    ],
}


def _graph() -> Graph:
    graph = Graph(REGISTRY)
    graph.meta["graph_id"] = "pinned"

    def add(node_id: str, type_id: str, **params: object) -> None:
        graph.create_node(type_id, params=params, node_id=node_id)

    add("plain", "test.step", text="a rooftop at dusk")
    add("unicode", "test.step", text='été — 東京 \u2028 "quoted"')
    add("rerolled", "test.step", text="again")
    graph.reroll("rerolled")
    add("chained", "test.step", text="+")
    graph.connect(Edge("plain", "text", "chained", "text"))
    add("lines", "test.step", text="one\ntwo")
    add("split", "test.split")
    graph.connect(Edge("lines", "text", "split", "text"))
    add("mapped", "test.step", text="!")
    graph.connect(Edge("split", "lines", "mapped", "text"))
    return graph


def test_the_keys_of_a_run_graph_stay_what_they_were(tmp_path: Path) -> None:
    executor = make_executor(tmp_path)
    graph = _graph()
    summary, _ = run(executor, graph)
    assert summary.status == "done"
    plan, problems = executor.check(graph)
    assert plan is not None and not problems
    keys = {}
    for node_id, expected in PINNED.items():
        items = plan.nodes[node_id].items or []
        found = [item.key for item in items]
        keys[node_id] = found if isinstance(expected, list) else found[0]
    assert keys == PINNED


def test_a_key_made_by_keyed_is_pinned_too() -> None:
    key, params_json, inputs_json = keyed(
        "test.step", 1, "test/echo", {"text": "x", "model": "test/echo"}, {"text": None}, 2
    )
    assert params_json == '{"model":"test/echo","text":"x"}'
    assert inputs_json == '{"text":null}'
    assert key == "ff7653d6bd5b92ef1de9ff5d2f846d3afec22c4dcf11625727e995fe089cfff2"
    body = (
        '{"i":{"text":null},"m":"test/echo","p":{"model":"test/echo","text":"x"},'
        '"r":2,"t":"test.step","v":1}'
    )
    assert key == hashlib.sha256(body.encode()).hexdigest()
