"""The executor's fast paths agree with its general ones: settle's common case against its
full checks, the signal's handler tuple against connect/disconnect, and a provider limit's
free place taken at once against ``acquire``; a run cancelled
while its first nodes set off settles every one of them; and what a run makes by the node
before and after its nodes run (its copy of the graph, its plan, its schedule, its nodes'
rows) is made without collections."""

from __future__ import annotations

import asyncio
import gc
import math
from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core.charges import settle
from canvastoon_desktop.core.executor import Executor, ProviderLimit
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import CostRange
from canvastoon_desktop.core.signals import Signal
from tests.core.test_executor import REGISTRY, make_executor
from tests.support.fakes import FakeAdapter


class _Float(float):
    """A float that settle's common case does not take: it goes through every check."""


@pytest.mark.parametrize(
    "reported",
    [0.0, -0.0, 1e-9, 0.05, 0.15, 0.16, 0.164, 0.165, 0.1651, 0.4, 1.2, 2.0, 1e300, -0.05],
)
@pytest.mark.parametrize("high", [0.0, 0.16, 1.0, math.inf])
def test_settles_common_case_books_what_the_full_checks_book(reported: float, high: float) -> None:
    quoted = CostRange(0.0, high)
    fast = settle(reported, quoted, what="Echo")
    full = settle(_Float(reported), quoted, what="Echo")
    assert (fast.usd, fast.basis, fast.reported_usd, fast.warning) == (
        full.usd,
        full.basis,
        full.reported_usd,
        full.warning,
    )
    assert type(fast.usd) is float


@pytest.mark.parametrize("reported", [math.inf, -math.inf, math.nan])
def test_settles_common_case_never_takes_a_number_that_cannot_be_a_charge(
    reported: float,
) -> None:
    assert settle(reported, CostRange(0.0, math.inf), what="Echo").basis == "unknown"


def test_a_provider_limit_takes_a_free_place_at_once_but_never_before_a_waiter() -> None:
    async def go() -> None:
        limit = ProviderLimit(2)
        assert limit.take_free() and limit.take_free()
        assert not limit.take_free() and limit.locked()  # both places taken: nothing taken
        waiter = asyncio.ensure_future(limit.acquire())
        await asyncio.sleep(0)
        limit.release()  # the place freed is the waiter's, as acquire() would have it
        assert not limit.take_free()
        await waiter
        limit.release()
        limit.release()
        assert limit.take_free() and limit.take_free() and not limit.take_free()

    asyncio.run(go())


def test_a_signal_calls_its_handlers_in_order_and_forgets_one_disconnected() -> None:
    signal = Signal("events")
    called: list[str] = []
    assert not signal

    def first(value: str) -> None:
        called.append(f"first {value}")
        signal.disconnect(first)  # during an emit: the emit goes on with the others

    signal.connect(first)
    signal.connect(lambda value: called.append(f"second {value}"))
    assert signal and len(signal.handlers) == 2
    signal.emit("a")
    signal.emit("b")
    assert called == ["first a", "second a", "second b"]
    with pytest.raises(ValueError):
        signal.disconnect(first)


def test_a_run_cancelled_while_its_first_nodes_set_off_settles_every_node(
    tmp_path: Path,
) -> None:
    graph = Graph(REGISTRY)
    for i in range(20):
        graph.create_node("test.step", params={"text": f"alone {i}"})
    executor = make_executor(tmp_path, FakeAdapter(latency=5.0))

    async def go() -> dict[str, str]:
        run = executor.start(graph)
        while not run._tasks:  # the first nodes' tasks are made; none has finished
            await asyncio.sleep(0)
        run._main.cancel()  # type: ignore[union-attr]
        summary = await run.wait()
        return {node_id: outcome.status for node_id, outcome in summary.nodes.items()}

    statuses = asyncio.run(go())
    executor.library.close()
    assert statuses == dict.fromkeys(graph.nodes, "cancelled")


def test_a_run_cancelled_before_its_tasks_ran_settles_them_and_what_they_feed(
    tmp_path: Path,
) -> None:
    """A node task leaves the run's tasks by itself once it ran; one cancelled before it
    ever ran is counted out by the cancel, its node and those it feeds settled cancelled."""
    graph = Graph(REGISTRY)
    for i in range(10):
        head = graph.create_node("test.step", params={"text": f"head {i}"})
        tail = graph.create_node("test.step", params={"text": f"tail {i}"})
        graph.edges.append(Edge(head.id, "text", tail.id, "text"))
    executor = make_executor(tmp_path, FakeAdapter(latency=5.0))

    async def go() -> tuple[dict[str, str], int]:
        run = executor.start(graph)
        while not run._tasks:  # the heads' tasks are made; none has run yet
            await asyncio.sleep(0)
        run.cancel()
        summary = await run.wait()
        statuses = {node_id: outcome.status for node_id, outcome in summary.nodes.items()}
        return statuses, len(run._tasks)

    statuses, tasks_left = asyncio.run(go())
    executor.library.close()
    assert statuses == dict.fromkeys(graph.nodes, "cancelled")
    assert tasks_left == 0


def test_what_a_run_keeps_or_drops_by_the_node_is_made_without_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = Graph(REGISTRY)
    node = graph.create_node("test.step", params={"text": "mine"})
    executor = make_executor(tmp_path, FakeAdapter(cost=0.0))
    collector_on: dict[str, bool] = {}
    copy, check, upstream_index = Graph.copy, Executor.check, Graph.upstream_index
    finish_run = Library.finish_run

    def watched_copy(self: Graph) -> Graph:
        collector_on["copying"] = gc.isenabled()
        return copy(self)

    def watched_check(self: Executor, *args: Any, **kwargs: Any) -> Any:
        collector_on["planning"] = gc.isenabled()
        return check(self, *args, **kwargs)

    def watched_upstream_index(self: Graph) -> Any:
        collector_on["indexing"] = gc.isenabled()  # (planning, then scheduling)
        return upstream_index(self)

    def watched_finish_run(self: Library, *args: Any, **kwargs: Any) -> Any:
        collector_on["finishing"] = gc.isenabled()
        return finish_run(self, *args, **kwargs)

    monkeypatch.setattr(Graph, "copy", watched_copy)
    monkeypatch.setattr(Executor, "check", watched_check)
    monkeypatch.setattr(Graph, "upstream_index", watched_upstream_index)
    monkeypatch.setattr(Library, "finish_run", watched_finish_run)

    async def go() -> str:
        run = executor.start(graph)
        graph.nodes[node.id].params["text"] = "edited after the start"
        await run.wait()
        return executor.library.read_text(run.outcomes[node.id].outputs["text"])  # type: ignore[arg-type]

    assert asyncio.run(go()) == "mine"
    executor.library.close()
    assert collector_on == dict.fromkeys(["copying", "planning", "indexing", "finishing"], False)
    assert gc.isenabled()


def test_a_runs_results_keep_the_hashes_of_their_inputs_and_the_nodes_names(
    tmp_path: Path,
) -> None:
    """Whether a node's key was made when the run was planned (a source) or when its input
    arrived (downstream of it), its result's row names what it was made from, and the node
    as the graph shows it (its title, else its type's)."""
    from canvastoon_desktop.core.library import query
    from tests.core.test_executor import run, step

    graph = Graph(REGISTRY)
    first = step(graph, "a")
    second = step(graph, "b", upstream=first, title="My step")
    executor = make_executor(tmp_path, FakeAdapter(cost=0.0))
    summary, _ = run(executor, graph)
    made = summary.nodes[first].outputs["text"]
    details = query.asset_details(executor.library, summary.nodes[second].outputs["text"].sha256)  # type: ignore[union-attr]
    assert details is not None and details.primary is not None
    assert details.primary.input_hashes() == [("text", made.sha256)]  # type: ignore[union-attr]
    assert details.primary.node_title == "My step"
    source = query.asset_details(executor.library, made.sha256)  # type: ignore[union-attr]
    assert source is not None and source.primary is not None
    assert source.primary.inputs == {"text": None}
    assert source.primary.node_title == "Step" == graph.display_name(first)
    executor.library.close()
