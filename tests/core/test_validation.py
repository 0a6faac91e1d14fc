"""The checks before a run, as the Problems dialog and ``canvastoon check`` list them: every
problem of the graph at once, each on the node it belongs to, and nothing spent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from canvastoon_desktop.core.errors import RunRefused
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.pricing import Budget
from canvastoon_desktop.core.validation import Problem, graph_problems, run_problems
from tests.core.test_executor import REGISTRY, make_executor, step

NO_LIMITS = Budget(per_run=None, per_day=None, confirm_over=None)


def by_code(problems: list[Problem]) -> dict[str, list[Problem]]:
    found: dict[str, list[Problem]] = {}
    for problem in problems:
        found.setdefault(problem.code, []).append(problem)
    return found


def test_a_sound_graph_has_no_problems() -> None:
    graph = Graph(REGISTRY)
    step(graph, " at night", upstream=step(graph, "a rooftop"))
    assert graph_problems(graph) == []


def test_every_problem_is_listed_at_once_each_on_its_own_node() -> None:
    graph = Graph(REGISTRY)
    cleanup = graph.create_node("inpaint", title="Clean-up")
    broken = graph.create_node("test.step", params={"text": 42}, title="Broken step")
    found = by_code(graph_problems(graph))
    missing = {p.message for p in found["missing_input"]}
    assert {p.node_id for p in found["missing_input"]} == {cleanup.id}
    assert len(missing) == 2  # its image and its mask: both said, not the first only
    assert [p.node_id for p in found["param"]] == [broken.id]
    assert str(found["param"][0]).startswith("Broken step: ")


def test_an_unknown_node_type_is_named() -> None:
    graph = Graph(REGISTRY)
    node = step(graph, "a rooftop")
    graph.nodes[node].type = "plugin.gone"
    [problem] = graph_problems(graph)
    assert problem.code == "unknown_type" and "'plugin.gone'" in problem.message
    assert problem.node_id == node


def test_a_run_with_a_node_of_an_unknown_type_is_refused_with_it_named(tmp_path: Path) -> None:
    executor = make_executor(tmp_path)
    graph = Graph(REGISTRY)
    gone = step(graph, "a rooftop")
    step(graph, " at night", upstream=gone)
    graph.nodes[gone].type = "plugin.gone"  # (a file refuses it when loaded; the API may not)
    plan, problems = executor.check(graph)
    assert plan is None
    assert [p.node_id for p in by_code(problems)["unknown_type"]] == [gone]
    with pytest.raises(RunRefused) as refused:
        asyncio.run(executor.run(graph))
    assert "unknown_type" in by_code(refused.value.problems)
    executor.library.close()


def test_a_connection_between_ports_that_do_not_fit_is_a_problem_of_the_receiving_node() -> None:
    graph = Graph(REGISTRY)
    text = step(graph, "a rooftop", title="Idea")
    cleanup = graph.create_node("inpaint")
    graph.edges.append(Edge(text, "text", cleanup.id, "image"))  # as a hand-edited file may
    connection = by_code(graph_problems(graph))["connection"]
    assert [p.node_id for p in connection] == [cleanup.id]
    assert connection[0].message.startswith("connection from Idea: ")


def test_a_loop_is_refused() -> None:
    graph = Graph(REGISTRY)
    first = step(graph, "a")
    second = step(graph, upstream=first)
    graph.edges.append(Edge(second, "text", first, "text"))
    assert "cycle" in by_code(graph_problems(graph))


def test_only_the_nodes_asked_about_are_checked() -> None:
    graph = Graph(REGISTRY)
    cleanup = graph.create_node("inpaint")
    fine = step(graph, "a rooftop")
    assert graph_problems(graph, [fine]) == []
    assert {p.node_id for p in graph_problems(graph, [cleanup.id])} == {cleanup.id}


def test_a_missing_key_is_reported_on_each_node_that_would_call_the_provider(
    tmp_path: Path,
) -> None:
    executor = make_executor(tmp_path)
    graph = Graph(REGISTRY)
    first = step(graph, "a rooftop")
    second = step(graph, upstream=first)
    step(graph, "offline", model="test/free-echo")
    asked: list[str] = []

    def key_problem(provider: str) -> str | None:
        asked.append(provider)
        return "no AIML API key: add it in Settings" if provider == "aiml" else None

    plan = executor.plan(graph)
    problems = run_problems(graph, plan, key_problem=key_problem, budget=NO_LIMITS, spent_today=0.0)
    assert [(p.node_id, p.code) for p in problems] == [
        (first, "missing_key"),
        (second, "missing_key"),
    ]
    assert asked.count("aiml") == 1  # asked once per provider, not per node


def test_a_run_over_its_budget_is_refused_with_the_limit_named(tmp_path: Path) -> None:
    executor = make_executor(tmp_path)  # the echo model costs $0.01–0.02 a call
    graph = Graph(REGISTRY)
    for text in ("a", "b", "c"):
        step(graph, text)
    plan = executor.plan(graph)
    budget = Budget(per_run=0.05, per_day=None, confirm_over=None)
    problems = run_problems(graph, plan, key_problem=lambda _: None, budget=budget, spent_today=0.0)
    assert [p.code for p in problems] == ["budget"]
    assert "$0.05" in problems[0].message
    roomy = Budget(per_run=0.10, per_day=None, confirm_over=None)
    assert run_problems(graph, plan, key_problem=lambda _: None, budget=roomy, spent_today=0) == []


def test_a_problem_reads_the_same_in_json() -> None:
    problem = Problem("the Image input is not connected", "n1", "Clean-up", "missing_input")
    assert problem.as_dict() == {
        "node": "n1",
        "name": "Clean-up",
        "code": "missing_input",
        "message": "the Image input is not connected",
    }
    assert str(Problem("a loop")) == "a loop"


def test_a_loop_is_named_on_the_connection_that_closes_it() -> None:
    graph = Graph(REGISTRY)
    first = step(graph, "a")
    second = step(graph, upstream=first)
    graph.edges.append(Edge(second, "text", first, "text"))
    (loop,) = by_code(graph_problems(graph))["cycle"]
    assert loop.node_id == first
    assert loop.message.endswith("this connection would make a loop")
