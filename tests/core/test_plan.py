"""What the toolbar's quote and the canvas's marks say before a run: which nodes will run,
which come from the cache, and what the run costs — worked out without running anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from canvastoon_desktop.core.graph import Graph
from tests.core.test_executor import REGISTRY, make_executor, run, step
from tests.support.fakes import FakeAdapter


@pytest.fixture
def adapter() -> FakeAdapter:
    return FakeAdapter()


def chain(graph: Graph, *texts: str) -> list[str]:
    ids: list[str] = []
    for text in texts:
        ids.append(step(graph, text, upstream=ids[-1] if ids else None))
    return ids


def test_a_new_graph_plans_every_node_to_run_and_quotes_each_call(
    tmp_path: Path, adapter: FakeAdapter
) -> None:
    executor = make_executor(tmp_path, adapter)  # the echo model costs $0.01–0.02 a call
    graph = Graph(REGISTRY)
    first, second = chain(graph, "a rooftop", " at night")
    plan = executor.plan(graph)
    assert plan.order == [first, second]
    assert plan.nodes[first].status == "run"
    assert plan.nodes[second].status == "waiting"  # its input comes from a node that runs
    assert plan.will_run(first) and plan.will_run(second)
    assert (plan.quote.cost.low, plan.quote.cost.high) == pytest.approx((0.02, 0.04))
    assert (plan.quote.to_run, plan.quote.cached) == (2, 0)
    assert adapter.calls == []  # planning never calls a model


def test_after_a_run_the_same_graph_is_all_cached_and_free(
    tmp_path: Path, adapter: FakeAdapter
) -> None:
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    first, second = chain(graph, "a rooftop", " at night")
    run(executor, graph)
    plan = executor.plan(graph)
    assert {plan.nodes[n].status for n in (first, second)} == {"cached"}
    assert not plan.will_run(first) and not plan.will_run(second)
    assert plan.quote.cost.high == 0 and (plan.quote.to_run, plan.quote.cached) == (0, 2)
    assert "2 cached" in plan.quote.summary()


def test_an_edit_reruns_that_node_and_what_follows_it_but_not_what_comes_before(
    tmp_path: Path, adapter: FakeAdapter
) -> None:
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    first, middle, last = chain(graph, "a rooftop", " at night", " in the rain")
    run(executor, graph)
    graph.nodes[middle].params["text"] = " at dawn"
    plan = executor.plan(graph)
    assert plan.nodes[first].status == "cached"
    assert plan.nodes[middle].status == "run"
    assert plan.nodes[last].status == "waiting"
    assert plan.quote.to_run == 2


def test_a_copy_of_a_node_elsewhere_on_the_canvas_is_already_cached(
    tmp_path: Path, adapter: FakeAdapter
) -> None:
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    original = step(graph, "a rooftop")
    run(executor, graph)
    copy = graph.create_node(
        "test.step", position=(900.0, 400.0), params=dict(graph.nodes[original].params)
    )
    plan = executor.plan(graph)
    assert plan.nodes[copy.id].status == "cached"  # ids and positions are not in the key
    assert plan.nodes[copy.id].items[0].key == plan.nodes[original].items[0].key


def test_a_reroll_asks_for_a_new_result_of_that_node_only(
    tmp_path: Path, adapter: FakeAdapter
) -> None:
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    kept, rerolled = step(graph, "a rooftop"), step(graph, "a stage")
    run(executor, graph)
    before = executor.plan(graph).nodes[rerolled].items[0].key
    graph.nodes[rerolled].rerolls[""] = 1
    plan = executor.plan(graph)
    assert plan.nodes[rerolled].status == "run" and plan.nodes[rerolled].items[0].key != before
    assert plan.nodes[kept].status == "cached"


def test_a_picture_that_is_not_there_makes_its_node_invalid_and_nothing_is_quoted_for_it(
    tmp_path: Path, adapter: FakeAdapter
) -> None:
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    picture = graph.create_node("load_image", params={"path": str(tmp_path / "gone.png")})
    plan = executor.plan(graph)
    assert plan.nodes[picture.id].status == "invalid"
    assert "gone.png" in (plan.nodes[picture.id].problem or "")
    assert not plan.will_run(picture.id)
    assert plan.quote.to_run == 0


def test_planning_only_the_targets_leaves_the_rest_out(
    tmp_path: Path, adapter: FakeAdapter
) -> None:
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    first, second = chain(graph, "a rooftop", " at night")
    other = step(graph, "a stage")
    plan = executor.plan(graph, targets=[first])
    assert plan.order == [first]
    assert other not in plan.nodes and second not in plan.nodes
    assert plan.quote.to_run == 1
