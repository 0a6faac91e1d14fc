"""The state of every node of a graph, folded from the plan and a run's events: the one
reducer the canvas and the terminal's progress lines are views of.

``RunState.apply_plan`` folds a ``Plan`` (existing results, stale marks, estimates,
problems) and ``RunState.apply`` a ``RunEvent`` (queued, running with elapsed time and ETA,
done, cached, failed, ...); both return the nodes whose state changed, so a view redraws
just those. The states are ``DisplayState``s; problems found before a run ("needs
attention") are kept beside the state.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import events as ev
from .assets import Asset, ItemList, Value
from .graph import Graph
from .plan import Plan
from .pricing import CostRange
from .status import ACTIVE, FINISHED, MADE, DisplayState, ItemStatus, NodeStatus, PlanStatus
from .validation import Problem


@dataclass
class ItemState:
    """One item of a node that runs over a list."""

    state: DisplayState = DisplayState.QUEUED
    message: str | None = None
    outputs: dict[str, Value] | None = None

    def preview(self) -> Asset | None:
        return first_asset(self.outputs)


@dataclass
class NodeState:
    state: DisplayState = DisplayState.IDLE
    message: str | None = None  # why it failed / was skipped
    outputs: dict[str, Value] | None = None  # the result shown on the node
    estimate: CostRange | None = None  # what running it would cost
    cost: float | None = None  # what the last run of it cost
    cost_source: str | None = None
    note: str | None = None  # e.g. "exported 2 files to …"
    started_at: float | None = None  # time.monotonic() when it started running
    eta_s: float | None = None
    eta_at: float | None = None
    status_text: str | None = None  # the provider's word: queued, processing, …
    fraction: float | None = None
    items: list[ItemState] | None = None
    pinned: bool = False
    problems: list[str] = field(default_factory=list)
    #: the state came from a run of this session (not only from the cache)
    from_run: bool = False
    #: the graph revision the run that settled it saw, and the node's cache keys at that
    #: revision (learnt from the next plan): a change of keys makes the result stale
    settled_rev: int | None = None
    settled_run: str | None = None
    run_keys: tuple[str | None, ...] | None = None
    job_id: str | None = None
    resumable: bool = False
    #: the result came from the provider simulator (Simulate mode), not a real model
    simulated: bool = False

    # -- what a view draws -----------------------------------------------------------------
    def elapsed(self, now: float | None = None) -> float | None:
        if self.started_at is None:
            return None
        return max(0.0, (now or time.monotonic()) - self.started_at)

    def eta(self, now: float | None = None) -> float | None:
        if self.eta_s is None or self.eta_at is None:
            return None
        return max(0.0, self.eta_s - ((now or time.monotonic()) - self.eta_at))

    def progress(self, now: float | None = None) -> float | None:
        """0..1 for the progress bar: the provider's fraction, else elapsed against ETA."""
        if self.state != DisplayState.RUNNING:
            return None
        if self.fraction is not None:
            return max(0.0, min(1.0, self.fraction))
        elapsed, eta = self.elapsed(now), self.eta(now)
        if elapsed is None or eta is None:
            return None
        total = elapsed + eta
        return min(0.97, elapsed / total) if total > 0 else None

    def items_done(self) -> tuple[int, int] | None:
        if not self.items:
            return None
        done = sum(1 for i in self.items if i.state in MADE)
        return done, len(self.items)

    def preview(self) -> Asset | None:
        return first_asset(self.outputs)

    def preview_count(self) -> int:
        return sum(1 for v in (self.outputs or {}).values() for a in value_list(v) if a is not None)


def first_asset(outputs: Mapping[str, Value] | None) -> Asset | None:
    for value in (outputs or {}).values():
        for asset in value_list(value):
            if asset is not None:
                return asset
    return None


def value_list(value: Value | None) -> list[Asset | None]:
    if value is None:
        return []
    if isinstance(value, Asset):
        return [value]
    if isinstance(value, ItemList):
        return list(value.items)
    return []


class RunState:
    """The state of every node of one graph."""

    #: what ``get`` makes for a node it has not seen (a view may add its own wording)
    node_class: type[NodeState] = NodeState

    def __init__(self) -> None:
        self.nodes: dict[str, NodeState] = {}
        self.active_run: str | None = None
        self._run_plan: Plan | None = None
        self._run_rev: int | None = None
        self._run_simulated: frozenset[str] = frozenset()

    def get(self, node_id: str) -> NodeState:
        state = self.nodes.get(node_id)
        if state is None:
            state = self.nodes[node_id] = self.node_class()
        return state

    def forget(self, node_id: str) -> None:
        self.nodes.pop(node_id, None)

    def clear(self) -> None:
        self.nodes.clear()
        self.active_run = None
        self._run_plan = None
        self._run_rev = None

    # -- the plan: existing results, stale marks, estimates ------------------------------
    def apply_plan(
        self,
        graph: Graph,
        plan: Plan,
        problems: Iterable[Problem] = (),
        resumable: Iterable[str] = (),
        revision: int | None = None,
    ) -> set[str]:
        """``revision``: the graph revision the plan was made from (see ``begin_run``)."""
        changed: set[str] = set()
        by_node: dict[str, list[str]] = {}
        for problem in problems:
            if problem.node_id:
                by_node.setdefault(problem.node_id, []).append(problem.message)
        resumable = set(resumable)
        upstream = graph.upstream_index()
        for node_id, node_plan in plan.nodes.items():
            node = graph.nodes.get(node_id)
            if node is None:
                continue
            st = self.get(node_id)
            before = _snapshot(st)
            st.problems = by_node.get(node_id, [])
            st.pinned = bool(node.pins)
            st.resumable = node_id in resumable
            if st.state in ACTIVE and self.active_run is not None:
                if _snapshot(st) != before:
                    changed.add(node_id)
                continue
            keys = plan_keys(plan, node_id)
            same_graph = st.from_run and st.settled_rev is not None and st.settled_rev == revision
            if same_graph and keys is not None:
                st.run_keys = keys  # the graph the run saw: these are the keys it ran with
            unchanged = same_graph or (
                st.from_run and st.run_keys is not None and st.run_keys == keys
            )
            status = node_plan.status
            node_type = graph.registry.get(node.type)
            if status == PlanStatus.SOURCE:
                st.outputs = node_plan.outputs
                st.estimate = None
                if not (
                    st.from_run and st.state == DisplayState.DONE and st.settled_rev == revision
                ):
                    st.state, st.from_run = DisplayState.READY, False
            elif status in (PlanStatus.CACHED, PlanStatus.PINNED):
                st.outputs = node_plan.outputs
                keep = unchanged and st.state in MADE
                if not keep:
                    st.estimate = None
                    st.state = (
                        DisplayState.PINNED if status == PlanStatus.PINNED else DisplayState.CACHED
                    )
                    st.from_run, st.cost, st.message = False, None, None
                elif status == PlanStatus.PINNED:
                    st.state = DisplayState.PINNED
            elif status == PlanStatus.INVALID:
                st.estimate = None
                if node_plan.problem and node_plan.problem not in st.problems:
                    st.problems = [node_plan.problem, *st.problems]
                if st.outputs is not None and not st.from_run:
                    st.state = DisplayState.STALE
                elif not st.from_run:
                    st.state = DisplayState.IDLE
            else:  # run | partial | waiting
                st.estimate = node_plan.cost
                upstream_changes = any(plan.will_run(e.src_node) for e in upstream.get(node_id, ()))
                if node_type is not None and not node_type.cacheable:
                    # it runs every time by design: its last run stands until what feeds
                    # it changes
                    stands = (unchanged and st.state in FINISHED) or (
                        st.from_run and st.state == DisplayState.DONE and not upstream_changes
                    )
                    if stands:
                        pass
                    elif st.outputs is not None or st.from_run or st.note:
                        st.state = DisplayState.STALE
                    else:
                        st.state = DisplayState.IDLE
                elif unchanged and st.state in (
                    DisplayState.FAILED,
                    DisplayState.CANCELLED,
                    DisplayState.SKIPPED,
                ):
                    pass  # the last run's verdict still applies to these inputs
                elif st.outputs is not None or st.note:
                    st.state = DisplayState.STALE
                else:
                    st.state, st.from_run = DisplayState.IDLE, False
                if node_plan.items is not None and any(
                    i.status in (ItemStatus.CACHED, ItemStatus.PINNED) for i in node_plan.items
                ):
                    st.items = [
                        ItemState(ITEM_STATES[i.status], outputs=i.outputs) for i in node_plan.items
                    ]
            if _snapshot(st) != before:
                changed.add(node_id)
        return changed

    def set_previous_outputs(self, results: Mapping[str, dict[str, Value]]) -> set[str]:
        """Results of earlier sessions for nodes that would run now: shown as stale."""
        changed = set()
        for node_id, outputs in results.items():
            st = self.get(node_id)
            if st.outputs is None and st.state in (DisplayState.IDLE, DisplayState.STALE):
                st.outputs = outputs
                st.state = DisplayState.STALE
                changed.add(node_id)
        return changed

    # -- a run's events -------------------------------------------------------------------
    def begin_run(
        self,
        run_id: str,
        plan: Plan | None,
        revision: int | None = None,
        simulated: Iterable[str] = (),
    ) -> None:
        """``simulated``: the nodes whose results in this run come from the provider
        simulator (its hosted nodes, in Simulate mode)."""
        self.active_run = run_id
        self._run_plan = plan
        self._run_rev = revision
        self._run_simulated = frozenset(simulated)

    def end_run(self, run_id: str) -> set[str]:
        """After RunFinished: anything still queued never started (refused or cancelled)."""
        changed = set()
        if self.active_run == run_id:
            for node_id, st in self.nodes.items():
                if st.state in ACTIVE:
                    st.state = DisplayState.CANCELLED
                    st.started_at = None
                    changed.add(node_id)
            self.active_run = None
        return changed

    def apply(self, event: ev.RunEvent, now: float | None = None) -> set[str]:
        """Fold one event in; returns the nodes whose state changed."""
        now = time.monotonic() if now is None else now
        if isinstance(event, ev.RunStarted):
            self.active_run = event.run_id
            changed = set()
            for node_id in event.node_ids:
                st = self.get(node_id)
                st.state, st.message, st.items = DisplayState.QUEUED, None, None
                st.cost, st.cost_source, st.note = 0.0, None, None
                st.started_at = st.eta_s = st.eta_at = st.fraction = None
                st.status_text, st.from_run, st.job_id = None, True, None
                st.resumable = False
                changed.add(node_id)
            return changed
        if isinstance(event, ev.RunFinished):
            return self.end_run(event.run_id)
        if not isinstance(event, ev.NodeEvent) or event.run_id != self.active_run:
            return set()  # e.g. a cancelled job's worker thread reporting late
        st = self.get(event.node_id)
        if st.settled_run == event.run_id:
            return set()  # the node has settled in this run: later news is stale
        item = _item(st, event.item)
        if isinstance(event, ev.NodeItems):
            st.items = [ItemState() for _ in range(event.count)]
        elif isinstance(event, ev.NodeQueued):
            if item is not None:
                item.state = DisplayState.QUEUED
            elif st.state != DisplayState.RUNNING:
                st.state = DisplayState.QUEUED
        elif isinstance(event, ev.NodeStarted):
            if item is not None:
                item.state = DisplayState.RUNNING
            if st.state != DisplayState.RUNNING or st.started_at is None:
                st.started_at = now
            st.state = DisplayState.RUNNING
            if event.eta_s is not None:
                st.eta_s, st.eta_at = event.eta_s, now
        elif isinstance(event, ev.JobSubmitted):
            st.job_id = event.job_id
            st.status_text = "resumed" if event.resumed else "submitted"
        elif isinstance(event, ev.NodeProgress):
            if item is not None:
                item.state = DisplayState.RUNNING
            st.state = DisplayState.RUNNING
            if event.elapsed_s and (st.started_at is None or event.item is None):
                st.started_at = now - event.elapsed_s
            elif st.started_at is None:
                st.started_at = now
            if event.eta_s is not None:
                st.eta_s, st.eta_at = event.eta_s, now
            st.status_text = event.status
            st.fraction = event.fraction
        elif isinstance(event, ev.NodeDone):
            st.cost = (st.cost or 0.0) + (event.cost_usd or 0.0)
            st.cost_source = event.cost_source
            if event.note:
                st.note = event.note
            if item is not None:
                item.state, item.outputs = DisplayState.DONE, dict(event.outputs)
            else:
                st.state = DisplayState.DONE
                st.outputs = dict(event.outputs) or st.outputs
        elif isinstance(event, ev.NodeCached):
            state = DisplayState.PINNED if event.pinned else DisplayState.CACHED
            if item is not None:
                item.state, item.outputs = state, dict(event.outputs)
            else:
                st.state, st.outputs = state, dict(event.outputs)
        elif isinstance(event, ev.NodeFailed):
            if item is not None:
                item.state, item.message = DisplayState.FAILED, event.message
            else:
                st.state = DisplayState.FAILED
            st.message = event.message
        elif isinstance(event, ev.NodeSkipped):
            if item is not None:
                item.state, item.message = DisplayState.SKIPPED, event.reason
            else:
                st.state, st.message = DisplayState.SKIPPED, event.reason
        elif isinstance(event, ev.NodeCancelled):
            if item is not None:
                item.state = DisplayState.CANCELLED
            else:
                st.state = DisplayState.CANCELLED
        elif isinstance(event, ev.NodeSettled):
            st.state = DisplayState(event.status)
            if event.outputs:
                st.outputs = dict(event.outputs)
            if event.message:
                st.message = event.message
            elif event.status in (NodeStatus.DONE, NodeStatus.CACHED):
                st.message = None
            st.cost = event.cost_usd if event.cost_usd else st.cost
            st.started_at = st.eta_s = st.eta_at = st.fraction = None
            st.status_text = None
            st.from_run = True
            st.settled_run = event.run_id
            if event.status in (NodeStatus.DONE, NodeStatus.CACHED):
                st.simulated = event.node_id in self._run_simulated
            st.settled_rev = self._run_rev
            st.run_keys = plan_keys(self._run_plan, event.node_id) if self._run_plan else None
            if st.state == DisplayState.CACHED and st.pinned and self._run_plan is not None:
                node_plan = self._run_plan.nodes.get(event.node_id)
                if node_plan is not None and node_plan.status == PlanStatus.PINNED:
                    st.state = DisplayState.PINNED
        return {event.node_id}


def plan_keys(plan: Plan | None, node_id: str) -> tuple[str | None, ...] | None:
    if plan is None:
        return None
    node_plan = plan.nodes.get(node_id)
    if node_plan is None or node_plan.items is None:
        return None
    return tuple(i.key for i in node_plan.items)


def _item(st: NodeState, index: int | None) -> ItemState | None:
    if index is None:
        return None
    if st.items is None:
        st.items = []
    while len(st.items) <= index:
        st.items.append(ItemState())
    return st.items[index]


#: what an item shows before the run, from what the plan decided for it (every ItemStatus)
ITEM_STATES: Mapping[ItemStatus, DisplayState] = {
    ItemStatus.RUN: DisplayState.QUEUED,
    ItemStatus.SKIP: DisplayState.SKIPPED,
    ItemStatus.CACHED: DisplayState.CACHED,
    ItemStatus.PINNED: DisplayState.PINNED,
    ItemStatus.LOOKUP: DisplayState.QUEUED,  # not decided yet: the cache may answer
}


def _snapshot(st: NodeState) -> tuple[Any, ...]:
    return (
        st.state,
        st.message,
        id(st.outputs),
        st.estimate,
        st.cost,
        st.pinned,
        tuple(st.problems),
        st.resumable,
        len(st.items or ()),
    )
