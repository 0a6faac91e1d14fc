"""Executor overhead on trivial in-process nodes (issue: core engine).

Each figure starts from an empty library unless said otherwise; the fake model answers at
once (or after a fixed latency) so what is measured is the executor: planning, cache keys,
events, journal, library writes and scheduling.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from tests.support.fakes import FakeAdapter, fake_registry

from .figures import Figure

REGISTRY = fake_registry()


def _executor(root: Path, adapter: FakeAdapter, limit: int = 100_000) -> Executor:
    prices = PriceTable.load()
    return Executor(
        REGISTRY,
        Library(root),
        prices,
        adapters={"aiml": adapter, "local": adapter},
        limits={"aiml": limit, "local": limit},
    )


def _chain_adapter() -> FakeAdapter:
    return FakeAdapter(cost=0.0, record=False, echo_tail=32)


def _independent(n: int) -> Graph:
    graph = Graph(REGISTRY)
    for i in range(n):
        graph.create_node("test.step", params={"text": f"node {i}"})
    return graph


def _chain(n: int) -> Graph:
    """Each node adds its own number to what it is given. With ``_chain_adapter()`` echoing
    only the last 32 characters, every node moves the same few bytes: were the text to
    grow by a character per node, a 10,000-node chain would hash and store 50 MB against
    0.5 MB for 1,000 nodes, and the figures would measure that, not the executor."""
    graph = Graph(REGISTRY)
    previous = None
    for i in range(n):
        node = graph.create_node("test.step", params={"text": f"+{i}"})
        if previous is not None:
            graph.edges.append(Edge(previous, "text", node.id, "text"))
        previous = node.id
    return graph


def _mixed(n: int) -> Graph:
    """Chains of 5 and fan-outs of 4 from one source, ``n`` nodes in all."""
    graph = Graph(REGISTRY)
    made = 0
    while made < n:
        head = graph.create_node("test.step", params={"text": f"root {made}"}).id
        made += 1
        previous = head
        for _ in range(min(4, n - made)):
            node = graph.create_node("test.step", params={"text": "+"}).id
            graph.edges.append(Edge(previous, "text", node, "text"))
            previous = node
            made += 1
        for _ in range(min(4, n - made)):
            node = graph.create_node("test.step", params={"text": "fan"}).id
            graph.edges.append(Edge(head, "text", node, "text"))
            made += 1
    return graph


def _timed_run(executor: Executor, graph: Graph) -> float:
    """Wall time of one run, from start to its last event. The library's write-behind rows
    are committed afterwards (outside the timing) so one figure's commits never slow the
    next figure down."""

    async def go() -> float:
        gc.collect()
        started = time.perf_counter()
        summary = await executor.run(graph)
        elapsed = time.perf_counter() - started
        assert summary.status == "done", summary.status
        return elapsed

    elapsed = asyncio.run(go())
    executor.library.flush(wait=True)
    return elapsed


def _fresh(graph: Graph, adapter: FakeAdapter | None = None, limit: int = 100_000) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        executor = _executor(Path(tmp), adapter or FakeAdapter(), limit)
        try:
            return _timed_run(executor, graph)
        finally:
            executor.library.close()


def run() -> Iterator[Figure]:
    _fresh(_independent(50))  # warm imports and code paths
    independent = min(
        _fresh(_independent(1000), FakeAdapter(cost=0.0, record=False)) for _ in range(3)
    )
    yield Figure("overhead_ms_per_node_1k", independent * 1000 / 1000, 0.1)
    chain_1k = min(_fresh(_chain(1000), _chain_adapter()) for _ in range(3))
    yield Figure("overhead_ms_per_node_1k_chain", chain_1k * 1000 / 1000, 0.1)
    chain_10k = min(_fresh(_chain(10_000), _chain_adapter()) for _ in range(3))
    yield Figure("scaling_10k_over_1k", chain_10k / chain_1k, 11.0)
    wall = _fresh(_independent(64), FakeAdapter(latency=0.5, cost=0.0, record=False), limit=64)
    yield Figure("parallel_wall_over_latency", wall / 0.5, 1.02)
    with tempfile.TemporaryDirectory() as tmp:
        graph = _mixed(200)
        adapter = FakeAdapter(record=False)
        _timed_run(_executor(Path(tmp), adapter), graph)
        calls = adapter.call_count
        rerun = min(_timed_run(_executor(Path(tmp), adapter), graph) for _ in range(3))
        assert adapter.call_count == calls, "a cached re-run called the model"
    yield Figure("rerun_cached_ms_200", rerun * 1000, 40.0)
