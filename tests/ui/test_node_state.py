"""The rules of what a node shows, from the plan and the executor's events (no Qt)."""

from __future__ import annotations

from pathlib import Path

from canvastoon_desktop.core import events as ev
from canvastoon_desktop.core.assets import Asset, AssetKind, ItemList
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.plan import ItemPlan, NodePlan, Plan
from canvastoon_desktop.core.pricing import CostRange, Quote
from canvastoon_desktop.core.validation import Problem
from canvastoon_desktop.ui.node_state import NodeStates
from nodes import default_registry

IMAGE = Asset("a" * 64, AssetKind.IMAGE, "image/png", 10, Path("/x.png"), 720, 1280)
OTHER = Asset("b" * 64, AssetKind.IMAGE, "image/png", 10, Path("/y.png"), 720, 1280)


def _graph() -> tuple[Graph, str]:
    graph = Graph(default_registry())
    node = graph.create_node("image_gen", params={"prompt": "p"})
    return graph, node.id


def _plan(node_id: str, status: str, key: str | None = "k1", outputs: dict | None = None) -> Plan:
    item = ItemPlan(None, {}, key, "cached" if status == "cached" else "run", outputs)
    node = NodePlan(
        node_id,
        status,
        items=[item],
        outputs=outputs,
        cost=CostRange(0.04, 0.08) if status == "run" else CostRange(),
    )
    return Plan([node_id], {node_id: node}, Quote())


def test_a_cached_result_shows_on_open_and_goes_stale_after_an_edit() -> None:
    graph, node_id = _graph()
    states = NodeStates()
    states.apply_plan(graph, _plan(node_id, "cached", outputs={"image": IMAGE}), revision=0)
    st = states.get(node_id)
    assert st.state == "cached" and st.preview() == IMAGE
    assert st.cost_text() == ""  # the pill says "cached" already: not "cached  cached"
    states.apply_plan(graph, _plan(node_id, "run", key="k2"), revision=1)
    assert st.state == "stale" and st.preview() == IMAGE  # still shown, marked stale
    assert st.cost_text() == "≈ $0.04–$0.08"


def test_run_events_drive_the_state() -> None:
    graph, node_id = _graph()
    states = NodeStates()
    states.apply_plan(graph, _plan(node_id, "run"), revision=0)
    assert states.get(node_id).state == "idle"
    run_plan = _plan(node_id, "run")
    states.begin_run("r", run_plan, revision=0)
    states.apply(ev.RunStarted("r", (node_id,)), now=100.0)
    st = states.get(node_id)
    assert st.state == "queued"
    states.apply(ev.NodeStarted("r", node_id, None, eta_s=40.0), now=100.0)
    states.apply(ev.NodeProgress("r", node_id, None, "processing", 12.0, 30.0), now=112.0)
    assert st.state == "running" and st.status_text == "processing"
    assert st.elapsed(now=113.0) == 13.0 and st.eta(now=113.0) == 29.0
    assert 0 < st.progress(now=113.0) < 1
    states.apply(ev.NodeDone("r", node_id, None, {"image": IMAGE}, 0.05, "provider"), now=120.0)
    states.apply(ev.NodeSettled("r", node_id, None, "done", {"image": IMAGE}, 0.05), now=120.0)
    assert st.state == "done" and st.cost_text() == "$0.05" and st.preview() == IMAGE
    # the next plan of the same graph finds the result cached: it stays "done"
    states.apply_plan(graph, _plan(node_id, "cached", outputs={"image": IMAGE}), revision=0)
    assert st.state == "done"
    # an edit later that leaves the node's inputs the same keeps it too
    states.apply_plan(graph, _plan(node_id, "cached", outputs={"image": IMAGE}), revision=3)
    assert st.state == "done"


def test_a_failure_keeps_its_reason_until_the_inputs_change() -> None:
    graph, node_id = _graph()
    states = NodeStates()
    states.begin_run("r", _plan(node_id, "run"), revision=0)
    states.apply(ev.RunStarted("r", (node_id,)))
    states.apply(ev.NodeFailed("r", node_id, None, "rejected", "flagged by moderation"))
    states.apply(ev.NodeSettled("r", node_id, None, "failed", {}, 0.0, "flagged by moderation"))
    st = states.get(node_id)
    assert st.state == "failed" and st.message == "flagged by moderation"
    states.apply_plan(graph, _plan(node_id, "run", key="k1"), revision=0)
    assert st.state == "failed"
    states.apply_plan(graph, _plan(node_id, "run", key="k1"), revision=2)
    assert st.state == "failed"  # an edit elsewhere
    states.apply_plan(graph, _plan(node_id, "run", key="k9"), revision=3)
    assert st.state == "idle"  # its own inputs changed: the verdict no longer applies


def test_items_of_a_list_node() -> None:
    _, node_id = _graph()
    states = NodeStates()
    states.begin_run("r", None)
    states.apply(ev.RunStarted("r", (node_id,)))
    states.apply(ev.NodeItems("r", node_id, None, 3))
    states.apply(ev.NodeStarted("r", node_id, 0))
    states.apply(ev.NodeDone("r", node_id, 0, {"image": IMAGE}, 0.01))
    states.apply(ev.NodeCached("r", node_id, 1, {"image": OTHER}))
    st = states.get(node_id)
    assert [i.state for i in st.items] == ["done", "cached", "queued"]
    assert st.items_done() == (2, 3) and st.state == "running"
    states.apply(ev.NodeFailed("r", node_id, 2, "provider", "timed out"))
    assert st.items[2].message == "timed out"
    states.apply(
        ev.NodeSettled(
            "r",
            node_id,
            None,
            "failed",
            {"image": ItemList((IMAGE, OTHER, None))},
            0.01,
            "1 of 3 items did not finish",
        )
    )
    assert st.state == "failed" and st.preview_count() == 2


def test_problems_and_finished_runs() -> None:
    graph, node_id = _graph()
    states = NodeStates()
    problems = [Problem("no Replicate key", node_id, "Image Gen", "missing_key")]
    states.apply_plan(graph, _plan(node_id, "run"), problems, revision=0)
    assert states.get(node_id).problems == ["no Replicate key"]
    states.begin_run("r", None)
    states.apply(ev.RunStarted("r", (node_id,)))
    assert states.get(node_id).state == "queued"
    changed = states.apply(ev.RunFinished("r", "cancelled", 0.0, {}, 0.1))
    assert changed == {node_id} and states.get(node_id).state == "cancelled"
