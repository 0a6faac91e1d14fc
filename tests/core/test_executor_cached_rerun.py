"""A re-run whose nodes the plan found in the cache settles them at once, without a task
or coroutine a node: each node gets the very events, outcome and outputs the general path
(``_node_work`` → ``_run_item``) gives it; a cancel part way settles every node, once; and
a big cached graph still lets the loop run other work before the run ends."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core.events import (
    NodeCached,
    NodeDone,
    NodeEvent,
    NodeSettled,
    RunEvent,
    RunStarted,
)
from canvastoon_desktop.core.executor import Run, RunSummary
from canvastoon_desktop.core.graph import Edge, Graph
from tests.core.test_executor import REGISTRY, make_executor
from tests.support.fakes import FakeAdapter


def _edge(graph: Graph, src: str, src_port: str, dst: str, dst_port: str = "text") -> None:
    graph.edges.append(Edge(src, src_port, dst, dst_port))


def _graph() -> tuple[Graph, dict[str, str]]:
    """Chains, fan-outs, a pin, a list (split, mapped over, joined), a node without a model
    and a source: every way a node may be served from the cache, or not."""
    graph = Graph(REGISTRY)

    def node(name: str, type_id: str = "test.step", params: dict[str, Any] | None = None) -> str:
        if params is None:
            params = {"text": name} if type_id == "test.step" else {}
        made = graph.create_node(type_id, params=params, title=name)
        ids[name] = made.id
        return made.id

    ids: dict[str, str] = {}
    root = node("root", params={"text": "a\nb\nc"})
    chain = root
    for i in range(4):
        nxt = node(f"chain {i}")
        _edge(graph, chain, "text", nxt)
        chain = nxt
    for i in range(4):
        _edge(graph, root, "text", node(f"fan {i}"))
    _edge(graph, root, "text", node("pinned"))
    _edge(graph, root, "text", node("split", "test.split"), "text")
    _edge(graph, ids["split"], "lines", node("mapped"))  # a step fed a list: once per line
    _edge(graph, ids["mapped"], "text", node("joined mapped", "test.join"), "lines")
    _edge(graph, ids["split"], "lines", node("joined", "test.join"), "lines")  # no model
    _edge(graph, ids["joined"], "text", node("after join"))
    _edge(graph, node("typed", "text", {"text": "typed"}), "text", node("after source"))
    return graph, ids


def _rerun(
    tmp_path: Path, graph: Graph, on_event: Any = None
) -> tuple[RunSummary, Run, list[RunEvent]]:
    events: list[RunEvent] = []
    executor = make_executor(tmp_path, FakeAdapter())  # a new library and executor each time

    async def go() -> tuple[RunSummary, Run]:
        run = executor.start(graph, on_event=on_event or events.append)
        return await run.wait(), run

    try:
        summary, run = asyncio.run(go())
    finally:
        executor.library.close()
    return summary, run, events


def _by_node(events: list[RunEvent]) -> dict[str, list[RunEvent]]:
    """Each node's events in the order it got them, without the run's id (nor how long the
    source that runs took)."""
    found: dict[str, list[RunEvent]] = {}
    for event in events:
        if isinstance(event, NodeDone):
            event = dataclasses.replace(event, run_s=None)
        if isinstance(event, NodeEvent):
            found.setdefault(event.node_id, []).append(dataclasses.replace(event, run_id=""))
    return found


def _general_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every node goes through ``_node_work`` and ``_run_item``, as before the plan's
    cached nodes were settled at once."""
    monkeypatch.setattr(Run, "_settled_from_plan", lambda self, node_id: False)


def _first_run(tmp_path: Path, graph: Graph, ids: dict[str, str]) -> None:
    summary, _, _ = _rerun(tmp_path, graph)
    assert summary.status == "done"
    kept = summary.nodes[ids["root"]].outputs["text"]
    graph.set_pin(ids["pinned"], {"text": kept.sha256})  # type: ignore[union-attr]


def test_a_cached_rerun_gives_each_node_what_the_general_path_gives_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph, ids = _graph()
    _first_run(tmp_path, graph, ids)

    summary, run, events = _rerun(tmp_path, graph)
    with monkeypatch.context() as patched:
        _general_path_only(patched)
        general_summary, general_run, general_events = _rerun(tmp_path, graph)

    assert _by_node(events) == _by_node(general_events)
    assert summary.nodes == general_summary.nodes
    assert run._outputs == general_run._outputs
    statuses = {name: summary.nodes[node_id].status for name, node_id in ids.items()}
    assert statuses == {name: "done" if name == "typed" else "cached" for name in ids}
    assert any(isinstance(e, NodeCached) and e.pinned for e in _by_node(events)[ids["pinned"]])
    # settled at once: every node fed only by such nodes; not the one mapped over a list
    # (its items are looked up as it runs), nor those fed by it or by the source
    general = {"mapped", "joined mapped", "typed", "after source"}
    assert run._from_plan == {ids[name] for name in ids if name not in general}
    assert not general_run._from_plan


@pytest.mark.parametrize("path", ["settled at once", "general"])
def test_a_rerun_cancelled_part_way_settles_every_node_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    graph, ids = _graph()
    _first_run(tmp_path, graph, ids)
    if path == "general":
        _general_path_only(monkeypatch)
    events: list[RunEvent] = []
    runs: list[Run] = []

    def cancel_on_the_fifth(event: RunEvent) -> None:
        events.append(event)
        if sum(isinstance(e, NodeSettled) for e in events) == 5:
            runs[0].cancel()

    executor = make_executor(tmp_path, FakeAdapter())

    async def go() -> RunSummary:
        runs.append(executor.start(graph, on_event=cancel_on_the_fifth))
        return await runs[0].wait()

    summary = asyncio.run(go())
    executor.library.close()

    settled = [e for e in events if isinstance(e, NodeSettled)]
    assert sorted(e.node_id for e in settled) == sorted(graph.nodes)  # each one, once
    assert [e.status for e in settled[:5]] == ["cached"] * 5
    assert {e.status for e in settled[5:]} == {"cancelled"}
    fifth = events.index(settled[4])
    assert not any(isinstance(e, NodeCached) for e in events[fifth:])
    assert summary.status == "cancelled"
    assert {o.status for o in summary.nodes.values()} == {"cached", "cancelled"}


def test_a_big_cached_rerun_lets_the_loop_run_other_work_before_it_ends(
    tmp_path: Path,
) -> None:
    graph = Graph(REGISTRY)
    for i in range(600):
        graph.create_node("test.step", params={"text": f"alone {i}"})
    previous = graph.create_node("test.step", params={"text": "chain"}).id
    for _ in range(400):
        node = graph.create_node("test.step", params={"text": "+"}).id
        _edge(graph, previous, "text", node)
        previous = node
    assert _rerun(tmp_path, graph)[0].status == "done"
    settled_when_other_work_ran: list[int] = []
    settled = 0

    def watch(event: RunEvent) -> None:
        nonlocal settled
        if isinstance(event, NodeSettled):
            settled += 1
        elif isinstance(event, RunStarted):  # other work, queued as nodes start
            asyncio.get_running_loop().call_soon(
                lambda: settled_when_other_work_ran.append(settled)
            )

    summary, run, _ = _rerun(tmp_path, graph, watch)
    assert {o.status for o in summary.nodes.values()} == {"cached"}
    assert len(run._from_plan) == len(graph.nodes) == settled
    assert 0 < settled_when_other_work_ran[0] < len(graph.nodes)


def test_a_partly_cached_rerun_cancelled_while_a_node_works_settles_the_rest_cancelled(
    tmp_path: Path,
) -> None:
    graph, ids = _graph()
    _first_run(tmp_path, graph, ids)
    graph.nodes[ids["chain 1"]].params["text"] = "edited"  # it runs again, and all after it
    executor = make_executor(tmp_path, FakeAdapter(latency=5.0))

    async def go() -> RunSummary:
        run = executor.start(graph)
        while not run._tasks:  # the edited node's task works; the cached nodes settled
            await asyncio.sleep(0)
        await asyncio.sleep(0.05)
        run.cancel()
        return await run.wait()

    summary = asyncio.run(go())
    executor.library.close()
    statuses = {name: summary.nodes[node_id].status for name, node_id in ids.items()}
    edited_and_after = {"chain 1", "chain 2", "chain 3"}
    assert {name for name, status in statuses.items() if status == "cancelled"} == (
        edited_and_after
    )
    assert statuses["typed"] == "done"
    assert {statuses[name] for name in ids if name not in edited_and_after | {"typed"}} == {
        "cached"
    }
    assert summary.status == "cancelled"


@pytest.mark.parametrize("cancel", ["the run", "its task"])  # (the editor's; Ctrl-C's)
def test_a_big_cached_rerun_cancelled_between_its_tasks_settles_what_was_left_cancelled(
    tmp_path: Path, cancel: str
) -> None:
    """What one task left to another that a cancel stops before it ran: cancelled, with
    what it feeds."""
    graph = Graph(REGISTRY)
    heads = [graph.create_node("test.step", params={"text": f"head {i}"}).id for i in range(600)]
    for head in heads:
        _edge(graph, head, "text", graph.create_node("test.step", params={"text": "+"}).id)
    assert _rerun(tmp_path, graph)[0].status == "done"
    events: list[RunEvent] = []
    runs: list[Run] = []

    def cancel_once_the_loop_gets_a_turn(event: RunEvent) -> None:
        events.append(event)
        if isinstance(event, RunStarted):
            run = runs[0]
            asyncio.get_running_loop().call_soon(
                run.cancel if cancel == "the run" else run._main.cancel  # type: ignore[union-attr]
            )

    executor = make_executor(tmp_path, FakeAdapter())

    async def go() -> RunSummary:
        runs.append(executor.start(graph, on_event=cancel_once_the_loop_gets_a_turn))
        return await asyncio.wait_for(runs[0].wait(), 10)

    summary = asyncio.run(go())
    executor.library.close()
    settled = [e for e in events if isinstance(e, NodeSettled)]
    assert sorted(e.node_id for e in settled) == sorted(graph.nodes)  # each one, once
    statuses = [e.status for e in settled]
    cached = statuses.count("cached")
    assert 0 < cached < len(graph.nodes)
    assert statuses == ["cached"] * cached + ["cancelled"] * (len(graph.nodes) - cached)
    assert summary.status == "cancelled"
