"""Executor overhead on trivial in-process nodes (issue: core engine).

Each figure starts from an empty library unless said otherwise; the fake model answers at
once (or after a fixed latency) so what is measured is the executor: planning, cache keys,
events, journal, library writes and scheduling.

Absolute times drift about 2× between machines, so the ``floor_multiple_*`` figures divide
the executor's CPU time by a floor measured in the same process on the same shape: bare
asyncio, one task per node awaiting its parents — the least any asyncio executor must do.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from tests.support.fakes import FakeAdapter, fake_prices, fake_registry

from .figures import Figure

REGISTRY = fake_registry()


def _executor(root: Path, adapter: FakeAdapter, limit: int = 100_000) -> Executor:
    prices = fake_prices()
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


@dataclass(frozen=True)
class Timing:
    wall_s: float
    #: CPU time of the whole process (the library's writer thread and its commit included)
    cpu_s: float


def _timed_run(executor: Executor, graph: Graph) -> Timing:
    """One run: wall time from its start to its last event (what a user waits for), and CPU
    time from its start until what it wrote behind is committed. The commit belongs to the
    run's cost: the writer thread does it after the last event, and stopping the CPU clock
    there would count whatever part of it the thread happened to have done (all of it at
    100k nodes, whose batches commit as the run goes; little at 1k)."""

    async def go() -> Timing:
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        summary = await executor.run(graph)
        wall = time.perf_counter() - started
        executor.library.flush(wait=True)
        timing = Timing(wall, time.process_time() - cpu)
        assert summary.status == "done", summary.status
        return timing

    return asyncio.run(go())


def _fresh(graph: Graph, adapter: FakeAdapter | None = None, limit: int = 100_000) -> Timing:
    with tempfile.TemporaryDirectory() as tmp:
        executor = _executor(Path(tmp), adapter or FakeAdapter(), limit)
        try:
            return _timed_run(executor, graph)
        finally:
            executor.library.close()


def _floor_cpu_s(graph: Graph) -> float:
    """CPU time of the least an asyncio executor does for ``graph``: one task per node
    that awaits its parents, then marks itself done."""
    parents = {n: [e.src_node for e in edges] for n, edges in graph.upstream_index().items()}

    async def go() -> float:
        gc.collect()
        cpu = time.process_time()
        loop = asyncio.get_running_loop()
        done = {node_id: loop.create_future() for node_id in graph.nodes}

        async def node(node_id: str) -> None:
            for parent in parents[node_id]:
                await done[parent]
            done[node_id].set_result(None)

        await asyncio.gather(*(node(node_id) for node_id in graph.nodes))
        return time.process_time() - cpu

    return min(asyncio.run(go()) for _ in range(5))


def _best(timings: Iterable[Timing]) -> Timing:
    kept = list(timings)
    return Timing(min(t.wall_s for t in kept), min(t.cpu_s for t in kept))


def _with_floor(graph: Graph, make_adapter: Callable[[], FakeAdapter], runs: int = 3):
    """The best of ``runs`` fresh runs and the best floor, measured in turn (other work on
    the machine weighs on both alike)."""
    timings, floors = [], []
    for _ in range(runs):
        timings.append(_fresh(graph, make_adapter()))
        floors.append(_floor_cpu_s(graph))
    return _best(timings), min(floors)


def run() -> Iterator[Figure]:
    _fresh(_independent(50))  # warm imports and code paths
    independent_graph = _independent(1000)
    independent, floor = _with_floor(independent_graph, lambda: FakeAdapter(cost=0.0, record=False))
    yield Figure("overhead_ms_per_node_1k", independent.wall_s * 1000 / 1000, 0.1)
    yield Figure("floor_multiple_1k_independent", independent.cpu_s / floor, 15.0)
    chain_graph = _chain(1000)
    chain_1k, floor = _with_floor(chain_graph, _chain_adapter)
    yield Figure("overhead_ms_per_node_1k_chain", chain_1k.wall_s * 1000 / 1000, 0.1)
    yield Figure("floor_multiple_1k_chain", chain_1k.cpu_s / floor, 12.0)
    chain_10k = _best(_fresh(_chain(10_000), _chain_adapter()) for _ in range(3))
    yield Figure("scaling_10k_over_1k", chain_10k.wall_s / chain_1k.wall_s, 11.0)
    big, small = [], [chain_1k]
    for _ in range(2):  # each 100k run next to a 1k run: compared in the same conditions
        big.append(_fresh(_chain(100_000), _chain_adapter()))
        small.append(_fresh(chain_graph, _chain_adapter()))
    chain_100k, chain_1k = _best(big), _best(small)
    yield Figure("scaling_100k_over_1k_per_node", (chain_100k.cpu_s / 100) / chain_1k.cpu_s, 1.1)
    wall = _fresh(_independent(64), FakeAdapter(latency=0.5, cost=0.0, record=False), limit=64)
    yield Figure("parallel_wall_over_latency", wall.wall_s / 0.5, 1.05)
    with tempfile.TemporaryDirectory() as tmp:
        graph = _mixed(200)
        adapter = FakeAdapter(record=False)
        _timed_run(_executor(Path(tmp), adapter), graph)
        calls = adapter.call_count
        reruns, floors = [], []
        for _ in range(3):
            reruns.append(_timed_run(_executor(Path(tmp), adapter), graph))
            floors.append(_floor_cpu_s(graph))
        rerun = _best(reruns)
        assert adapter.call_count == calls, "a cached re-run called the model"
    yield Figure("rerun_cached_ms_200", rerun.wall_s * 1000, 40.0)
    yield Figure("floor_multiple_rerun_mixed_200", rerun.cpu_s / min(floors), 8.0)
