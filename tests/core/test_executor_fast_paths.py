"""The executor's fast paths agree with its general ones: the first nodes started eagerly
against tasks made the ordinary way, settle's common case against its full checks, and the
signal's handler tuple against connect/disconnect."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core.charges import settle
from canvastoon_desktop.core.events import RunEvent
from canvastoon_desktop.core.executor import Run
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.pricing import CostRange
from canvastoon_desktop.core.signals import Signal
from tests.core.test_executor import REGISTRY, make_executor
from tests.support.fakes import FakeAdapter


def _graph() -> Graph:
    """Roots, chains, a fan-out and a failing branch: every way a node becomes ready."""
    graph = Graph(REGISTRY)
    root = graph.create_node("test.step", params={"text": "root"}).id
    for branch in range(3):
        previous = root
        for depth in range(3):
            node = graph.create_node("test.step", params={"text": f"+{branch}.{depth}"}).id
            graph.edges.append(Edge(previous, "text", node, "text"))
            previous = node
    bad = graph.create_node("test.step", params={"text": "bad"}).id
    after_bad = graph.create_node("test.step", params={"text": "after"}).id
    graph.edges.append(Edge(bad, "text", after_bad, "text"))
    for i in range(4):
        graph.create_node("test.step", params={"text": f"alone {i}"})
    return graph


def _trace(tmp_path: Path, graph: Graph, *, task_factory: bool, latency: float) -> list[Any]:
    """The run's events, without what differs from run to run (ids, timings)."""
    executor = make_executor(tmp_path, FakeAdapter(latency=latency, fail_on={"bad"}))
    events: list[RunEvent] = []

    async def go() -> None:
        if task_factory:  # tasks made by a factory are never started eagerly
            asyncio.get_running_loop().set_task_factory(
                lambda loop, coro, **kw: asyncio.Task(coro, loop=loop, **kw)
            )
        await executor.run(graph, on_event=events.append)

    asyncio.run(go())
    executor.library.close()
    return [
        (type(e).__name__, getattr(e, "node_id", None), getattr(e, "status", None)) for e in events
    ]


@pytest.mark.parametrize("latency", [0.0, 0.01])
def test_eager_first_nodes_run_in_the_order_ordinary_tasks_would(
    tmp_path: Path, latency: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Run, "EAGER_SLICE_S", 60.0)  # one slice, however slow the machine
    graph = _graph()
    eager = _trace(tmp_path / "eager", graph, task_factory=False, latency=latency)
    ordinary = _trace(tmp_path / "ordinary", graph, task_factory=True, latency=latency)
    assert eager == ordinary
    assert sum(1 for name, *_ in eager if name == "NodeSettled") == len(graph.nodes)


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


@pytest.mark.parametrize("latency", [0.0, 0.01])
def test_first_nodes_started_a_slice_at_a_time_end_as_they_would_at_once(
    tmp_path: Path, latency: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Run, "EAGER_SLICE_S", 0.0)  # the loop gets its turn after each
    graph = _graph()
    sliced = _trace(tmp_path / "sliced", graph, task_factory=False, latency=latency)
    ordinary = _trace(tmp_path / "ordinary", graph, task_factory=True, latency=latency)
    assert sorted(e for e in sliced if e[0] == "NodeSettled") == sorted(
        e for e in ordinary if e[0] == "NodeSettled"
    )


def test_a_run_cancelled_between_slices_settles_every_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Run, "EAGER_SLICE_S", 0.0)
    graph = Graph(REGISTRY)
    for i in range(20):
        graph.create_node("test.step", params={"text": f"alone {i}"})
    executor = make_executor(tmp_path, FakeAdapter(latency=5.0))

    async def go() -> dict[str, str]:
        run = executor.start(graph)
        while not run._tasks:  # some first nodes are under way, others not yet started
            await asyncio.sleep(0)
        run._main.cancel()  # type: ignore[union-attr]
        summary = await run.wait()
        return {node_id: outcome.status for node_id, outcome in summary.nodes.items()}

    statuses = asyncio.run(go())
    executor.library.close()
    assert statuses == dict.fromkeys(graph.nodes, "cancelled")
