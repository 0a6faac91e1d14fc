"""The executor: concurrency, failures, cancellation, partial runs, cache, pins, lists,
budgets and resume — against an in-process fake model."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from canvastoon_desktop.core.errors import RunRefused
from canvastoon_desktop.core.events import (
    NodeCached,
    NodeCancelled,
    NodeDone,
    NodeFailed,
    NodeItems,
    NodeSkipped,
    RunEvent,
)
from canvastoon_desktop.core.executor import Executor, RunSummary
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import Budget
from tests.support.fakes import FakeAdapter, fake_prices, fake_registry

REGISTRY = fake_registry()


def make_executor(tmp_path: Path, adapter: FakeAdapter | None = None, **kwargs) -> Executor:
    library = Library(tmp_path / "library")
    prices = fake_prices()
    prices.models["test/echo"]["usd_per_output"] = [0.01, 0.02]
    adapter = adapter or FakeAdapter()
    return Executor(
        REGISTRY, library, prices, adapters={"aiml": adapter, "local": adapter}, **kwargs
    )


def step(
    graph: Graph,
    text: str = "",
    upstream: str | None = None,
    title: str | None = None,
    model: str = "test/echo",
) -> str:
    node = graph.create_node("test.step", params={"text": text, "model": model}, title=title)
    if upstream:
        graph.connect(Edge(upstream, "text", node.id, "text"))
    return node.id


def run(executor: Executor, graph: Graph, **kwargs) -> tuple[RunSummary, list[RunEvent]]:
    events: list[RunEvent] = []

    async def go() -> RunSummary:
        return await executor.run(graph, on_event=events.append, **kwargs)

    return asyncio.run(go()), events


async def until(condition: Callable[[], bool]) -> None:
    """Let the run's tasks go on until ``condition`` holds."""
    while not condition():
        await asyncio.sleep(0.01)


def test_independent_branches_run_at_the_same_time(tmp_path: Path) -> None:
    adapter = FakeAdapter(latency=0.5)
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    for i in range(6):
        step(graph, f"branch {i}")
    summary, _ = run(executor, graph)
    assert summary.status == "done"
    assert adapter.peak == 6  # all six calls were in flight together


def test_a_provider_limit_caps_concurrent_calls(tmp_path: Path) -> None:
    adapter = FakeAdapter(latency=0.05)
    executor = make_executor(tmp_path, adapter, limits={"aiml": 2})
    graph = Graph(REGISTRY)
    for i in range(7):
        step(graph, f"n{i}")
    summary, _ = run(executor, graph)
    assert summary.status == "done" and adapter.peak == 2


def test_a_failure_stops_only_its_downstream(tmp_path: Path) -> None:
    adapter = FakeAdapter(fail_on={"bad"})
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    bad = step(graph, "bad")
    after_bad = step(graph, upstream=bad)
    good = step(graph, "good")
    after_good = step(graph, upstream=good)
    summary, events = run(executor, graph)
    status = {n: o.status for n, o in summary.nodes.items()}
    assert status == {bad: "failed", after_bad: "skipped", good: "done", after_good: "done"}
    assert summary.status == "failed"
    failure = next(e for e in events if isinstance(e, NodeFailed))
    assert failure.kind == "rejected" and "refused: bad" in failure.message
    skip = next(e for e in events if isinstance(e, NodeSkipped))
    assert "did not finish" in skip.reason


def test_how_each_node_ended_is_kept_with_the_run_for_later_sessions(tmp_path: Path) -> None:
    executor = make_executor(tmp_path, FakeAdapter(fail_on={"bad"}))
    graph = Graph(REGISTRY)
    bad = step(graph, "bad", title="Bad cut")
    after_bad = step(graph, upstream=bad, title="Upscale")
    good = step(graph, "good", title="Good cut")
    summary, _ = run(executor, graph)
    executor.library.close()

    reopened = Library(tmp_path / "library")
    kept = {n.node_id: n for n in reopened.run_nodes(summary.run_id)}
    assert set(kept) == {bad, after_bad, good}
    assert (kept[bad].title, kept[bad].status) == ("Bad cut", "failed")
    assert "refused: bad" in kept[bad].detail
    assert (kept[after_bad].status, kept[after_bad].detail) == (
        "skipped",
        "skipped: Bad cut did not finish",
    )
    assert kept[good].status == "done" and kept[good].cost_usd == pytest.approx(
        summary.nodes[good].cost_usd
    )
    assert reopened.run_nodes("no-such-run") == []
    reopened.close()


def test_cancel_reaches_every_running_node_and_nothing_new_starts(tmp_path: Path) -> None:
    adapter = FakeAdapter(latency=5.0)
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    firsts = [step(graph, f"slow {i}") for i in range(3)]
    seconds = [step(graph, upstream=f) for f in firsts]
    events: list[RunEvent] = []

    async def go() -> RunSummary:
        run_ = executor.start(graph, on_event=events.append)
        await asyncio.wait_for(until(lambda: adapter.running == 3), timeout=10)
        run_.cancel()
        return await run_.wait()

    summary = asyncio.run(go())
    assert summary.status == "cancelled"
    assert sorted(adapter.cancelled) == ["slow 0", "slow 1", "slow 2"]
    assert {summary.nodes[n].status for n in firsts + seconds} == {"cancelled"}
    assert len(adapter.calls) == 3
    assert sum(isinstance(e, NodeCancelled) for e in events) == 3


def test_a_partial_run_runs_only_the_targets_and_what_they_need(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    a = step(graph, "a")
    b = step(graph, upstream=a)
    step(graph, upstream=b)
    step(graph, "unrelated")
    summary, _ = run(executor, graph, targets=[b])
    assert set(summary.nodes) == {a, b}
    assert [c.prompt for c in adapter.calls] == ["a", "a"]


def test_an_unchanged_graph_is_served_from_the_cache_with_no_model_call(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    a = step(graph, "a")
    step(graph, upstream=a)
    run(executor, graph)
    calls = len(adapter.calls)
    summary, events = run(executor, graph)
    assert len(adapter.calls) == calls
    assert {o.status for o in summary.nodes.values()} == {"cached"}
    assert sum(isinstance(e, NodeCached) for e in events) == 2


def test_a_run_is_planned_while_every_worker_of_the_loop_is_busy(tmp_path: Path) -> None:
    """Downloads and image reads of other runs fill the loop's default executor; a run's
    planning does not wait for them."""
    executor = make_executor(tmp_path)
    graph = Graph(REGISTRY)
    step(graph, upstream=step(graph, "a"))
    release = threading.Event()

    async def go() -> RunSummary:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(1))
        busy = loop.run_in_executor(None, release.wait, 30)
        try:
            summary = await asyncio.wait_for(executor.run(graph), timeout=10)
            assert not busy.done()  # planned and run while the worker was still taken
            return summary
        finally:
            release.set()
            await busy

    summary = asyncio.run(go())
    assert summary.status == "done"


def test_the_cache_survives_a_restart_and_ignores_ids_and_positions(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    graph = Graph(REGISTRY)
    step(graph, "a", title="one")
    run(make_executor(tmp_path, adapter), graph)
    twin = Graph(REGISTRY)  # a different graph, other ids, other place, same content
    twin.create_node(
        "test.step",
        params={"text": "a", "model": "test/echo"},
        position=(500, 500),
        title="renamed",
    )
    summary, _ = run(make_executor(tmp_path, adapter), twin)
    assert len(adapter.calls) == 1
    assert [o.status for o in summary.nodes.values()] == ["cached"]


def test_editing_a_param_reruns_that_node_and_its_downstream_only(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    a = step(graph, "a")
    b = step(graph, upstream=a)
    other = step(graph, "other")
    run(executor, graph)
    graph.set_param(a, "suffix", "!")
    summary, _ = run(executor, graph)
    status = {n: o.status for n, o in summary.nodes.items()}
    assert status == {a: "done", b: "done", other: "cached"}


def test_a_reroll_asks_again_and_a_pin_keeps_the_output(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    a = step(graph, "a")
    b = step(graph, upstream=a)
    first, _ = run(executor, graph)
    kept = first.nodes[b].outputs["text"]
    graph.set_pin(b, {"text": kept.sha256})
    graph.reroll(a)
    summary, events = run(executor, graph)
    assert summary.nodes[a].status == "done"  # re-rolled: a new call
    assert summary.nodes[b].status == "cached"  # pinned: not re-run although its input is new
    assert summary.nodes[b].outputs["text"] == kept
    assert any(isinstance(e, NodeCached) and e.pinned for e in events)


def list_graph(graph: Graph, lines: str) -> tuple[str, str, str, str]:
    source = graph.create_node("text", params={"text": lines})
    split = graph.create_node("test.split")
    graph.connect(Edge(source.id, "text", split.id, "text"))
    per_item = step(graph)
    graph.connect(Edge(split.id, "lines", per_item, "text"))
    join = graph.create_node("test.join")
    graph.connect(Edge(per_item, "text", join.id, "lines"))
    return source.id, split.id, per_item, join.id


def test_a_node_fed_a_list_runs_once_per_item(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    _, _, per_item, join = list_graph(graph, "one\ntwo\nthree")
    summary, events = run(executor, graph)
    assert summary.status == "done"
    assert sorted(c.prompt for c in adapter.calls) == ["one", "three", "two"]
    assert any(isinstance(e, NodeItems) and e.count == 3 for e in events)
    done_items = sorted(e.item for e in events if isinstance(e, NodeDone) and e.node_id == per_item)
    assert done_items == [0, 1, 2]
    text = executor.library.read_text(summary.nodes[join].outputs["text"])
    assert text == "one|two|three"


def test_editing_one_item_reruns_that_item_only(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    source, _, per_item, _ = list_graph(graph, "one\ntwo\nthree")
    run(executor, graph)
    adapter.calls.clear()
    graph.set_param(source, "text", "one\nTWO\nthree")
    _, events = run(executor, graph)
    assert [c.prompt for c in adapter.calls] == ["TWO"]
    cached = sorted(e.item for e in events if isinstance(e, NodeCached) and e.node_id == per_item)
    assert cached == [0, 2]


def test_a_failed_item_leaves_its_siblings_done(tmp_path: Path) -> None:
    adapter = FakeAdapter(fail_on={"two"})
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    _, _, per_item, join = list_graph(graph, "one\ntwo\nthree")
    tail = step(graph, " tail", upstream=per_item)  # maps over the items again
    summary, events = run(executor, graph)
    failed = [e.item for e in events if isinstance(e, NodeFailed)]
    assert failed == [1]
    assert summary.nodes[per_item].status == "failed"
    assert "1 of 3 items" in summary.nodes[per_item].error
    outputs = summary.nodes[per_item].outputs["text"]
    assert outputs.items[1] is None and outputs.items[0] is not None
    tail_done = sorted(e.item for e in events if isinstance(e, NodeDone) and e.node_id == tail)
    assert tail_done == [0, 2]
    assert summary.nodes[join].status == "skipped"


def test_a_run_over_budget_is_refused_before_anything_is_spent(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter, budget=Budget(per_run=0.03))
    graph = Graph(REGISTRY)
    for i in range(3):
        step(graph, f"n{i}")  # 3 x up to $0.02
    with pytest.raises(RunRefused, match=r"over the per-run budget of \$0.03"):
        run(executor, graph)
    assert adapter.calls == []


def test_the_daily_budget_counts_what_was_spent_today(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter, budget=Budget(per_day=0.05))
    executor.library.add_charge(
        0.04, provider="aiml", model="test/echo", run_id=None, node_id=None, reason="earlier"
    )
    graph = Graph(REGISTRY)
    step(graph, "n")
    with pytest.raises(RunRefused, match=r"only \$0.01 of today's budget"):
        run(executor, graph)


def test_a_model_without_a_price_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(tmp_path, adapter)
    del executor.prices.models["test/echo"]
    graph = Graph(REGISTRY)
    step(graph, "a", title="Cut")
    with pytest.raises(RunRefused) as caught:
        run(executor, graph)
    (problem,) = caught.value.problems
    assert (problem.node_name, problem.code) == ("Cut", "unpriced")
    assert "Echo (test/echo) has no price in the price table" in problem.message
    assert adapter.calls == []


def test_a_hostile_reported_charge_is_unknown_and_does_not_lock_the_budget(
    tmp_path: Path,
) -> None:
    adapter = FakeAdapter(cost=float("inf"))
    executor = make_executor(tmp_path, adapter, budget=Budget(per_day=0.10))
    graph = Graph(REGISTRY)
    node = step(graph, "a")
    summary, events = run(executor, graph)
    assert summary.nodes[node].status == "done"
    assert summary.cost_usd == pytest.approx(0.02)  # unknown, at most the quote's max
    (done,) = [e for e in events if isinstance(e, NodeDone)]
    assert done.note and "recorded as unknown, at most $0.02" in done.note
    assert executor.library.spent_today() == pytest.approx(0.02)
    adapter.cost = 0.015
    graph.set_param(node, "text", "b")
    summary, _ = run(executor, graph)  # today's budget is not locked
    assert summary.status == "done" and summary.cost_usd == pytest.approx(0.015)


def test_a_charge_above_the_quote_is_booked_as_reported_with_a_warning(tmp_path: Path) -> None:
    adapter = FakeAdapter(cost=0.05)  # quoted $0.01–$0.02
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    step(graph, "a")
    summary, events = run(executor, graph)
    assert summary.cost_usd == pytest.approx(0.05)
    (done,) = [e for e in events if isinstance(e, NodeDone)]
    assert done.note and "above the quote's max of $0.02" in done.note
    (totals,) = executor.library.charge_totals()
    assert (totals.reported, totals.over_quote, totals.reported_usd) == (1, 1, 0.05)


def test_a_missing_key_is_refused_listing_every_node_that_needs_it(tmp_path: Path) -> None:
    adapter = FakeAdapter()
    executor = make_executor(
        tmp_path, adapter, key_problem=lambda p: "no AIML API key" if p == "aiml" else None
    )
    graph = Graph(REGISTRY)
    a = step(graph, "a", title="first")
    step(graph, "b", title="second")
    step(graph, "c", title="offline", model="test/free-echo")
    with pytest.raises(RunRefused) as caught:
        run(executor, graph)
    names = sorted(p.node_name for p in caught.value.problems)
    assert names == ["first", "second"]
    assert adapter.calls == []
    # once cached, a node needs no key any more
    ok = make_executor(tmp_path, adapter)
    run(ok, graph)
    summary, _ = run(executor, graph, targets=[a])
    assert summary.nodes[a].status == "cached"


def test_a_journaled_job_is_resumed_not_created_again(tmp_path: Path) -> None:
    adapter = FakeAdapter(journal=True, latency=5.0)
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    node = step(graph, "expensive")

    async def crash_mid_job() -> None:
        run_ = executor.start(graph)
        jobs = executor.library.open_jobs
        await asyncio.wait_for(until(lambda: bool(jobs() and jobs()[0].job_id)), timeout=10)
        # simulate a crash: the task dies without the run's cleanup writing anything
        run_._main.cancel()

    asyncio.run(crash_mid_job())
    jobs = executor.library.open_jobs()
    assert len(jobs) == 1 or executor.library.jobs(state="cancelled")
    # a cancelled run marks its job cancelled; a real crash leaves it "submitted":
    executor.library.journal_update(executor.library.jobs()[0].id, state="submitted")
    adapter.latency = 0.0
    adapter.calls.clear()
    summary, events = run(executor, graph)
    assert summary.nodes[node].status == "done"
    assert summary.nodes[node].outputs["text"] is not None
    assert [c.prompt for c in adapter.calls] == ["expensive"]
    assert executor.library.jobs(state="submitted") == []
    assert any(getattr(e, "resumed", False) for e in events)


def test_a_run_cancelled_the_moment_it_starts_ends_at_once(tmp_path: Path) -> None:
    adapter = FakeAdapter(latency=5.0)
    executor = make_executor(tmp_path, adapter)
    graph = Graph(REGISTRY)
    a = step(graph, "a")
    b = step(graph, upstream=a)

    async def go() -> RunSummary:
        run_ = executor.start(graph)
        run_.cancel()
        return await asyncio.wait_for(run_.wait(), timeout=5)

    summary = asyncio.run(go())
    assert summary.status == "cancelled"
    assert {summary.nodes[a].status, summary.nodes[b].status} == {"cancelled"}
    assert adapter.calls == []

    async def later() -> RunSummary:  # cancelled once planning is done, before nodes run
        run_ = executor.start(graph)
        await asyncio.wait_for(until(lambda: run_.plan is not None), timeout=10)
        run_.cancel()
        return await asyncio.wait_for(run_.wait(), timeout=5)

    assert asyncio.run(later()).status == "cancelled"
