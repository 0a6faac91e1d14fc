"""The executor: runs a graph (or part of it) on asyncio, serving the CLI and the canvas alike.

Every node whose inputs are ready starts at once; model calls queue on per-provider limits.
A node fed a list runs once per item, and the node × item is the unit of work: its own cache
key, pin, re-roll, events and failure. A failure stops only what depends on it; siblings
finish. ``Run.cancel()`` cancels every task, and adapters cancel their provider jobs.
Provider job ids are journaled in the library before polling, so a later run resumes them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assets import Asset, AssetKind, ItemList, Value, input_hashes
from .catalog import ModelSpec
from .charges import ESTIMATE, REPORTED, Booking, settle
from .errors import CoreError, LibraryError, RunRefused
from .events import (
    JobSubmitted,
    NodeCached,
    NodeCancelled,
    NodeDone,
    NodeFailed,
    NodeItems,
    NodeProgress,
    NodeQueued,
    NodeSettled,
    NodeSkipped,
    NodeStarted,
    RunEvent,
    RunFinished,
    RunStarted,
)
from .gcpause import collections_paused, heap_frozen_while_running, long_lived, refreeze
from .generation import ErrorKind, GeneratedOutput, GenerationError, ModelAdapter, ModelCall
from .graph import Graph, Node
from .item_context import ItemContext
from .library import (
    HEARTBEAT_S,
    SIMULATED,
    CacheScope,
    JobBusy,
    JobRecord,
    Library,
    ResultRecord,
    RunNode,
    params_to_json,
)
from .nodetype import NodeRegistry, NodeType
from .paths import outside_paths
from .plan import (
    Estimates,
    ItemPlan,
    Plan,
    Planner,
    Resolution,
    combine_outputs,
    connected_ports,
    gather_inputs,
    has_holes,
    inputs_for_item,
    item_count,
    mapped_ports,
    needed_nodes,
)
from .pricing import Budget, CostRange, PriceTable, UnpricedModel
from .secrets import redact_secrets
from .shared_jobs import adopt_delivered, delivered_info, wait_until_settled
from .signals import Signal
from .status import ItemStatus, JobStatus, NodeStatus, RunStatus
from .validation import Problem, graph_problems, run_problems

log = logging.getLogger(__name__)

DEFAULT_LIMITS = {"aiml": 8, "replicate": 8, "local": 2}
#: problems a graph cannot even be planned with: a loop has no order, and a node of a type
#: this app does not know has no ports, parameters or price
_UNPLANNABLE = frozenset({"cycle", "unknown_type"})


#: the one thread every run is planned on (started at the first plan). Not the loop's default
#: executor: there a run's planning would wait behind the downloads and image reads of the
#: runs going on, and a loop made for one run (the CLI, tests) would start a thread for each.
#: Plans are made one at a time; each holds the GIL throughout anyway.
_PLANNING = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="canvastoon-planning")

KeyCheck = Callable[[str], "str | None"]

#: the statuses whose outputs always go downstream (a failed node's only when it has some),
#: and the item plans whose outputs are there already (sets: cheaper to ask than tuples)
_MADE = frozenset((NodeStatus.DONE, NodeStatus.CACHED))
_FROM_CACHE = frozenset((ItemStatus.CACHED, ItemStatus.PINNED))
#: how many nodes a task settles from the plan in one go before it hands those made ready
#: to tasks of their own: a big cached graph does not hold the (editor's) loop to its end
_SETTLED_AT_ONCE = 256


@dataclass(slots=True)
class NodeOutcome:
    """How one node ended, for summaries (CLI ``--json``) and the canvas."""

    node_id: str
    status: NodeStatus
    outputs: dict[str, Value] = field(default_factory=dict)
    cost_usd: float = 0.0
    error: str | None = None
    error_kind: str | None = None
    model: str | None = None
    note: str | None = None


@dataclass
class RunSummary:
    run_id: str
    status: RunStatus
    cost_usd: float
    nodes: dict[str, NodeOutcome]
    wall_s: float
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.nodes.values():
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts


class ProviderLimit(asyncio.Semaphore):
    """A provider's limit on calls at once: an ``asyncio.Semaphore`` that can also take a
    free place without a coroutine (every model call takes one)."""

    def take_free(self) -> bool:
        """Take a place if ``acquire()`` would take it without waiting: one is free and no
        one waits for one (waiters go first, as with ``acquire``). False: nothing taken."""
        if self._value > 0 and not self._waiters:
            self._value -= 1
            return True
        return False


class Executor:
    """Plans, validates and runs graphs against one library and set of provider adapters."""

    def __init__(
        self,
        registry: NodeRegistry,
        library: Library,
        prices: PriceTable,
        *,
        adapters: Mapping[str, ModelAdapter] | None = None,
        limits: Mapping[str, int] | None = None,
        key_problem: KeyCheck | None = None,
        budget: Budget | None = None,
        simulated: bool = False,
    ) -> None:
        self.registry = registry
        #: hosted models answer from the provider simulator: costs are recorded as
        #: simulated and never count as money spent
        self.simulated = simulated
        self.library = library
        self.prices = prices
        self.adapters: dict[str, ModelAdapter] = dict(adapters or {})
        self.limits = {**DEFAULT_LIMITS, **dict(limits or {})}
        self.key_problem: KeyCheck = key_problem or (lambda provider: None)
        self.budget = budget or Budget()
        self.planner = Planner(library, prices, limits=self.limits)
        #: every event of every run of this executor (the canvas subscribes here)
        self.events = Signal("events")
        self._semaphores: dict[str, ProviderLimit] = {}
        self._semaphore_loop: asyncio.AbstractEventLoop | None = None

    def use_library(self, library: Library) -> None:
        """Plan and run against ``library`` from now on (between runs: the editor's
        library folder setting)."""
        self.library = library
        self.planner = Planner(library, self.prices, limits=self.limits)

    def set_limit(self, provider: str, limit: int) -> None:
        self.limits[provider] = max(1, int(limit))
        self._semaphores.pop(provider, None)

    def semaphore(self, provider: str) -> ProviderLimit:
        """One limit per provider, shared by all runs of this executor on the same loop."""
        loop = asyncio.get_running_loop()
        if self._semaphore_loop is not loop:
            self._semaphores.clear()
            self._semaphore_loop = loop
        sem = self._semaphores.get(provider)
        if sem is None:
            sem = self._semaphores[provider] = ProviderLimit(self.limits.get(provider, 4))
        return sem

    def plan(
        self,
        graph: Graph,
        targets: Iterable[str] | None = None,
        graph_path: str | Path | None = None,
        *,
        resolution: Resolution | None = None,
    ) -> Plan:
        """``resolution``: the graph's nodes as the check planning it resolved them."""
        return self.planner.plan(
            graph,
            targets,
            graph_dir=_graph_dir(graph_path),
            simulated=self.simulated,
            resolution=resolution,
        )

    def resumable_nodes(
        self, graph: Graph, plan: Plan | None = None, graph_path: str | Path | None = None
    ) -> list[str]:
        """Nodes with provider jobs that an earlier run submitted and never collected (the
        app was closed or crashed): running them polls those jobs instead of paying again."""
        open_keys = {j.cache_key for j in self.library.open_jobs() if j.job_id}
        if not open_keys:
            return []
        plan = plan or self.plan(graph, graph_path=graph_path)
        found = []
        for node_id, node_plan in plan.nodes.items():
            if any(item.key in open_keys for item in node_plan.items or ()):
                found.append(node_id)
        return found

    def check(
        self,
        graph: Graph,
        targets: Iterable[str] | None = None,
        *,
        graph_path: str | Path | None = None,
        budget: Budget | None = None,
        allow_outside_paths: bool = False,
    ) -> tuple[Plan | None, list[Problem]]:
        """Validate a run without starting it: (plan, every problem found). A path that
        points outside the graph's folder is one, unless ``allow_outside_paths``."""
        wanted = needed_nodes(graph, targets) if targets else None
        # each node resolved once (params, ports, model) for validation and planning both
        resolution = Resolution(graph)
        problems = graph_problems(graph, wanted, resolution=resolution)
        if not allow_outside_paths:
            problems += [
                Problem(found.message, found.node_id, found.node_name, "outside_path")
                for found in outside_paths(graph, _graph_dir(graph_path), wanted)
            ]
        if any(p.code in _UNPLANNABLE for p in problems):
            return None, problems
        plan = self.plan(graph, targets, graph_path, resolution=resolution)
        problems += run_problems(
            graph,
            plan,
            key_problem=self.key_problem,
            budget=budget or self.budget,
            spent_today=self.library.spent_today(),
        )
        return plan, problems

    def start(
        self,
        graph: Graph,
        *,
        targets: Iterable[str] | None = None,
        graph_path: str | Path | None = None,
        budget: Budget | None = None,
        on_event: Callable[[RunEvent], Any] | None = None,
        allow_outside_paths: bool = False,
    ) -> Run:
        """Start a run on the running loop; returns at once. Await ``run.wait()``."""
        with long_lived():  # (made before the run freezes the heap)
            copied = graph.copy()
        run = Run(
            self,
            copied,
            targets=list(targets) if targets else None,
            graph_path=graph_path,
            budget=budget or self.budget,
        )
        run.allow_outside_paths = allow_outside_paths
        if on_event is not None:
            run.events.connect(on_event)
        run.start()
        return run

    async def run(self, graph: Graph, **kwargs: Any) -> RunSummary:
        return await self.start(graph, **kwargs).wait()


class Run:
    """One run of a graph. Owns its node tasks and cancels them together."""

    def __init__(
        self,
        executor: Executor,
        graph: Graph,
        *,
        targets: list[str] | None,
        graph_path: str | Path | None,
        budget: Budget,
    ) -> None:
        self.executor = executor
        self.graph = graph
        self.targets = targets
        self.graph_path = str(graph_path) if graph_path else None
        self.graph_dir = _graph_dir(graph_path)
        self.budget = budget
        #: paths outside the graph's folder were allowed for this run (core.paths)
        self.allow_outside_paths = False
        self.run_id = uuid.uuid4().hex
        self.events = Signal("events")
        #: the executor's signal, read on every event a node may send
        self._all_events = executor.events
        self._graph_id = str(graph.meta.get("graph_id") or "")
        self.outcomes: dict[str, NodeOutcome] = {}
        self.plan: Plan | None = None
        self.cost_usd = 0.0
        self._reserved = 0.0
        self._outputs: dict[str, dict[str, Value] | None] = {}
        #: the node tasks still going, by the node each started with (or the nodes, for one
        #: that carries on with what another left, see ``_settle_ready``)
        self._tasks: dict[asyncio.Task[Any], str | list[str]] = {}
        self._main: asyncio.Task[RunSummary] | None = None
        self._started_at = 0.0
        self._cancel_requested = False
        self._open_job_keys: set[str] = set()
        self._params_json_cache: dict[str, str] = {}
        self._estimates = Estimates(executor.prices)
        self._scope: CacheScope | None = None
        self._downstream: dict[str, list[str]] = {}
        self._waiting: dict[str, int] = {}
        self._upstream: dict[str, list[Any]] = {}
        #: the single-item nodes the plan serves from the cache (found by ``_prepare``), and
        #: those of them settled so (``_settled_from_plan``)
        self._planned_cached: frozenset[str] = frozenset()
        self._from_plan: set[str] = set()
        self._remaining = 0
        self._all_done: asyncio.Future[None] | None = None

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def library(self) -> Library:
        return self.executor.library

    @property
    def registry(self) -> NodeRegistry:
        return self.executor.registry

    def semaphore(self, provider: str) -> asyncio.Semaphore:
        return self.executor.semaphore(provider)

    def emit(self, event: RunEvent) -> None:
        if isinstance(event, NodeProgress) and event.node_id in self.outcomes:
            return  # a worker thread's last report after its node settled (e.g. cancelled)
        for signal in (self.events, self._all_events):
            if signal.handlers:
                try:
                    signal.emit(event)
                except Exception:  # a broken view must not break the run
                    log.exception("event handler failed on %s", type(event).__name__)

    def _cache_scope(self) -> CacheScope:
        """Which results may serve this run's nodes (the same for all of them)."""
        if self._scope is None:
            self._scope = CacheScope(self._graph_id, self.executor.simulated)
        return self._scope

    def announce(self, event_type: type[RunEvent], *args: Any) -> None:
        """Emit ``event_type(*args)``, built only when someone listens (a run with no view
        spends nothing on the events of its every node)."""
        if self.events.handlers or self._all_events.handlers:
            self.emit(event_type(*args))

    def start(self) -> None:
        self._main = asyncio.get_running_loop().create_task(self._execute())

    async def wait(self) -> RunSummary:
        assert self._main is not None, "run not started"
        return await asyncio.shield(self._main) if not self._main.done() else self._main.result()

    def cancel(self) -> None:
        """Cancel the run: queued work never starts, running provider jobs are cancelled."""
        self._cancel_requested = True
        self._cancel_tasks()

    def _cancel_tasks(self) -> None:
        for task in list(self._tasks):
            # a task cancelled before it ever ran never runs _drive's ``finally``: it is
            # counted out (and its node settled) when done
            task.add_done_callback(self._task_done)
            task.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancel_requested

    # -- the run ----------------------------------------------------------------------------
    async def _execute(self) -> RunSummary:
        with heap_frozen_while_running():
            return await self._execute_frozen()

    async def _execute_frozen(self) -> RunSummary:
        self._started_at = time.monotonic()
        # planning hashes inputs and reads the library: not on the (GUI's) event loop
        plan, problems = await asyncio.get_running_loop().run_in_executor(_PLANNING, self._check)
        if log.isEnabledFor(logging.DEBUG):  # (the quote's summary goes over every node)
            log.debug(
                "run %s: %d nodes planned, %s",
                self.run_id[:8],
                len(plan.order) if plan else 0,
                plan.quote.summary() if plan else "refused",
            )
        if problems or plan is None:
            self.emit(RunFinished(self.run_id, RunStatus.REFUSED, 0.0, {}, 0.0))
            raise RunRefused(problems)
        self.plan = plan
        self.library.begin_run(
            self.run_id,
            graph_id=self._graph_id,
            graph_path=self.graph_path,
            graph_name=_graph_name(self.graph, self.graph_path)
            + (" · simulated" if self.executor.simulated else ""),
            quote=plan.quote.as_dict(),
        )
        self.emit(RunStarted(self.run_id, tuple(plan.order), plan.quote))
        try:
            await self._schedule(plan)
        except asyncio.CancelledError:
            self._cancel_requested = True
        finally:
            status = self._finish_status()
            with collections_paused():  # (a row a node, made and dropped: no garbage cycles)
                self.library.finish_run(self.run_id, status, self.cost_usd, self._run_nodes())
        wall = time.monotonic() - self._started_at
        summary = RunSummary(self.run_id, status, self.cost_usd, dict(self.outcomes), wall)
        counts = summary.counts()
        log.debug(
            "run %s %s in %.2f s: %s, $%.4f", self.run_id[:8], status, wall, counts, self.cost_usd
        )
        self.emit(RunFinished(self.run_id, status, self.cost_usd, counts, wall))
        return summary

    def _check(self) -> tuple[Plan | None, list[Problem]]:
        """The run's plan and problems (in a worker thread); a plan that can run is made
        ready to run there too (``_prepare``). The plan lives as long as the run: made
        without collections, which would scan it again and again and find it alive."""
        with long_lived():
            plan, problems = self.executor.check(
                self.graph,
                self.targets,
                graph_path=self.graph_path,
                budget=self.budget,
                allow_outside_paths=self.allow_outside_paths,
            )
            if plan is not None and not problems:
                self._prepare(plan)
        return plan, problems

    def _prepare(self, plan: Plan) -> None:
        """What running ``plan`` needs worked out beforehand, off the loop (the run's copy
        of the graph does not change): who feeds whom, the single-item nodes served from
        the cache, and the jobs an earlier run left open."""
        order = plan.order
        members = set(order)
        self._downstream = {n: [] for n in order}
        self._waiting = dict.fromkeys(order, 0)
        for edge in self.graph.edges:
            if edge.src_node in members and edge.dst_node in members:
                self._downstream[edge.src_node].append(edge.dst_node)
                self._waiting[edge.dst_node] += 1
        self._upstream = self.graph.upstream_index()
        self._planned_cached = frozenset(
            [
                node_id
                for node_id, node_plan in plan.nodes.items()
                if not node_plan.mapped
                and node_plan.items
                and node_plan.items[0].status in _FROM_CACHE
            ]
        )
        # jobs an earlier run left open (crash, kill): only their work looks in the journal
        self._open_job_keys = {j.cache_key for j in self.library.open_jobs(include_unknown=True)}

    async def _flush_periodically(self, every_s: float = 5.0) -> None:
        """Commit results written behind while a long run goes. Paid results do not wait for
        this (they are committed as they come); what waits is free, local work."""
        while True:
            await asyncio.sleep(min(every_s, HEARTBEAT_S))
            self.library.flush()
            self.library.heartbeat()  # the jobs this run works on are still worked on

    def _finish_status(self) -> RunStatus:
        statuses = {o.status for o in self.outcomes.values()}
        if self._cancel_requested or NodeStatus.CANCELLED in statuses:
            return RunStatus.CANCELLED
        if statuses & {NodeStatus.FAILED, NodeStatus.SKIPPED}:
            return RunStatus.FAILED
        return RunStatus.DONE

    async def _schedule(self, plan: Plan) -> None:
        """Start every node as soon as all its inputs have settled."""
        order = plan.order
        if not order:
            return
        self._remaining = len(order)  # (who feeds whom: worked out by _prepare)
        self._all_done = asyncio.get_running_loop().create_future()
        # (not started eagerly: measured, it saved no CPU a node, and it made the editor's
        # loop late more often while a run's first nodes set off; bench gui_loop_p99)
        roots = [node_id for node_id in order if self._waiting[node_id] == 0]
        if self._planned_cached:
            first = self._settle_ready(roots)
            if first is not None:
                self._launch(first)
        else:  # (nothing to settle at once: a first run)
            for node_id in roots:
                self._launch(node_id)
        if self._all_done.done():  # every node settled at once (from the plan): no waiting
            return
        flusher = asyncio.ensure_future(self._flush_periodically())
        try:
            await self._all_done
        except asyncio.CancelledError:
            self._cancel_requested = True
            self._cancel_tasks()
            # let every node task run its cancellation (provider cancel calls) to the end
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            raise
        finally:
            flusher.cancel()

    def _launch(self, node_id: str) -> None:
        # (no done callback: a task that ran leaves ``_tasks`` itself, see _drive; only
        # those cancelled get one, see _cancel_tasks)
        task = asyncio.get_running_loop().create_task(self._drive(node_id))
        self._tasks[task] = node_id

    def _launch_rest(self, ready: list[str]) -> None:
        """A task that carries on with ``ready``, left by ``_settle_ready``."""
        task = asyncio.get_running_loop().create_task(self._drive(None, ready))
        self._tasks[task] = ready

    def _task_done(self, task: asyncio.Task[None]) -> None:
        held = self._tasks.pop(task, None)  # (a task that ran has left: None)
        for node_id in [held] if isinstance(held, str) else held or ():
            if node_id not in self.outcomes:  # never ran
                self._settle(node_id, NodeOutcome(node_id, NodeStatus.CANCELLED))
                self._cancel_downstream(node_id)

    async def _drive(self, node_id: str | None, ready: list[str] | None = None) -> None:
        """Run a node, then carry on in the same task with the first node it made ready that
        has work to await (a chain costs no task switch per node); those the plan found in
        the cache are settled on the way (``_settle_ready``), the others get tasks.
        ``ready`` (no ``node_id``): nodes another task left to this one, cached or not."""
        try:
            if ready is not None:
                node_id = self._settle_ready(ready)
            while node_id is not None:
                if self._cancel_requested:
                    self._settle(node_id, NodeOutcome(node_id, NodeStatus.CANCELLED))
                else:
                    try:
                        # (the node's work is awaited here, not inside a coroutine of its
                        # own: one coroutine call less a node)
                        work = self._node_work(node_id, self._upstream[node_id])
                        if work is not None:
                            outcome = await work
                            outcome.node_id = node_id
                            self._settle(node_id, outcome)
                    except asyncio.CancelledError:
                        if node_id not in self.outcomes:
                            self._settle(node_id, NodeOutcome(node_id, NodeStatus.CANCELLED))
                        self._cancel_downstream(node_id)
                        raise
                    except Exception as exc:  # a bug in the executor itself: keep the run alive
                        log.exception("node %s crashed", node_id)
                        if node_id not in self.outcomes:
                            self._settle(
                                node_id,
                                NodeOutcome(
                                    node_id,
                                    NodeStatus.FAILED,
                                    error=f"internal error: {exc}",
                                    error_kind=ErrorKind.INTERNAL.value,
                                ),
                            )
                made_ready = self._node_finished(node_id)
                if self._planned_cached and made_ready:
                    node_id = self._settle_ready(made_ready)
                else:  # (nothing to settle at once: the first node goes on here, as ever)
                    node_id = made_ready[0] if made_ready else None
                    for other in made_ready[1:]:
                        self._launch(other)
        finally:  # (what a done callback would do, without one a task)
            self._tasks.pop(asyncio.current_task(), None)  # type: ignore[arg-type]

    def _settle_ready(self, ready: list[str]) -> str | None:
        """Settle at once the nodes of ``ready`` that the plan found in the cache, and those
        they make ready in turn; returns the first node left, which has work to await, for
        the calling task to run. The others get tasks of their own; once
        ``_SETTLED_AT_ONCE`` nodes are settled here, what is left goes to one more task."""
        keep: str | None = None
        index = settled = 0
        while index < len(ready):  # (``ready`` grows as nodes settled here free others)
            if settled == _SETTLED_AT_ONCE:
                self._launch_rest(ready[index:])
                break
            node_id = ready[index]
            index += 1
            if self._settled_from_plan(node_id):
                settled += 1
                ready.extend(self._node_finished(node_id))
            elif keep is None:
                keep = node_id
            else:
                self._launch(node_id)
        return keep

    def _settled_from_plan(self, node_id: str) -> bool:
        """Settle ``node_id`` without a coroutine if the plan served it from the cache (one
        item, not mapped) and every node feeding it was settled so too: then its inputs are
        those it was planned with, and ``_node_work`` and ``_run_item`` would decide as the
        plan did. The same events, outcome and outputs as theirs; False: not such a node."""
        if node_id not in self._planned_cached or self._cancel_requested:
            return False
        assert self.plan is not None  # (set before the run is scheduled)
        node_plan = self.plan.nodes[node_id]
        planned = node_plan.items[0]  # type: ignore[index]  # (so _prepare found it)
        edges = self._upstream[node_id]
        if edges:
            from_plan = self._from_plan
            for edge in edges:
                if edge.src_node not in from_plan:
                    return False
            for value in planned.inputs.values():  # a list with holes: the general path skips
                if isinstance(value, ItemList) and not value.complete():
                    return False
        model = node_plan.model  # (resolved with the plan, from the params and ports it keyed)
        outputs = dict(planned.outputs or {})
        if self.events.handlers or self._all_events.handlers:  # (announce's test, inline)
            self.emit(
                NodeCached(self.run_id, node_id, None, outputs, planned.status == ItemStatus.PINNED)
            )
        self._from_plan.add(node_id)
        self._settle(
            node_id,
            NodeOutcome(node_id, NodeStatus.CACHED, outputs, model=model.id if model else None),
        )
        return True

    def _node_finished(self, node_id: str) -> list[str]:
        """Count a settled node; returns the nodes it made ready."""
        self._remaining -= 1
        if self._remaining % 1000 == 999:  # what settled is kept to the end: stop rescanning it
            refreeze()
        ready = []
        for nxt in self._downstream[node_id]:
            self._waiting[nxt] -= 1
            if self._waiting[nxt] == 0:
                ready.append(nxt)
        if self._remaining == 0 and self._all_done is not None and not self._all_done.done():
            self._all_done.set_result(None)
        return ready

    def _run_nodes(self) -> list[RunNode]:
        name = self.graph.display_name
        return [
            RunNode(node_id, name(node_id), o.status, o.cost_usd, o.error or o.note or "")
            for node_id, o in self.outcomes.items()
        ]

    def _cancel_downstream(self, node_id: str) -> None:
        """After a cancelled node: settle, without awaiting, what it would have made ready."""
        pending = self._node_finished(node_id)
        while pending:
            nxt = pending.pop()
            self._settle(nxt, NodeOutcome(nxt, NodeStatus.CANCELLED))
            pending.extend(self._node_finished(nxt))

    def _settle(self, node_id: str, outcome: NodeOutcome) -> None:
        self.outcomes[node_id] = outcome
        available = outcome.status in _MADE or (
            outcome.status == NodeStatus.FAILED and outcome.outputs
        )
        self._outputs[node_id] = outcome.outputs if available else None
        if self.events.handlers or self._all_events.handlers:  # (announce's test, inline)
            self.emit(
                NodeSettled(
                    self.run_id,
                    node_id,
                    None,
                    outcome.status,
                    outcome.outputs,
                    outcome.cost_usd,
                    outcome.error,
                )
            )

    # -- one node ---------------------------------------------------------------------------
    def _node_work(self, node_id: str, edges: list[Any]) -> Coroutine[Any, Any, NodeOutcome] | None:
        """What running ``node_id`` takes: the coroutine that makes its outcome, or None
        when it was settled at once (skipped, or its items could not be counted)."""
        graph = self.graph
        node = graph.nodes[node_id]
        registry = self.executor.registry
        node_type = registry.types[node.type]  # (the registry's dict: no method call)
        catalog = registry.catalog
        node_plan = self.plan.nodes.get(node_id) if self.plan else None
        if node_plan is not None and node_plan.params is not None:
            params = node_plan.params
            # (a node without edges has no connected port: nothing to work out again)
            connected = node_plan.connected if node_plan.connected or not edges else None
            if connected is None:
                connected = connected_ports(edges)
        else:
            params = node_type.effective_params(catalog, node.params)
            connected = connected_ports(edges)
        model = (
            node_plan.model
            if node_plan is not None and node_plan.model
            else node_type.resolve_model(catalog, params, connected)
        )
        model_id = model.id if model else None

        outputs_of = self._outputs.get
        inputs, known, missing = gather_inputs(graph, node, node_type, edges, outputs_of)
        if not known or missing:
            failed = [
                graph.display_name(e.src_node) for e in edges if outputs_of(e.src_node) is None
            ]
            reason = (
                f"skipped: {', '.join(dict.fromkeys(failed))} did not finish"
                if failed
                else "; ".join(missing)
            )
            self.emit(NodeSkipped(self.run_id, node_id, None, reason))
            self._settle(
                node_id, NodeOutcome(node_id, NodeStatus.SKIPPED, error=reason, model=model_id)
            )
            return None
        # (without edges every input is None or (): none is a list, none is mapped)
        mapped = mapped_ports(node_type, inputs) if edges else []
        if (
            edges
            and _has_a_list(inputs)
            and has_holes({k: v for k, v in inputs.items() if k not in mapped})
        ):
            reason = "skipped: some items upstream failed"
            self.emit(NodeSkipped(self.run_id, node_id, None, reason))
            self._settle(
                node_id, NodeOutcome(node_id, NodeStatus.SKIPPED, error=reason, model=model_id)
            )
            return None
        if not mapped:
            # the plan's decision for a single-item node whose inputs were known when the
            # run was planned: its key and cache lookup need not be made twice
            planned = (
                node_plan.items[0]
                if node_plan is not None and not node_plan.mapped and node_plan.items
                else None
            )
            return self._run_item(node, node_type, model, params, inputs, None, (), planned)
        try:
            count = item_count(node_type, inputs, mapped)
        except CoreError as exc:
            self.emit(NodeFailed(self.run_id, node_id, None, ErrorKind.NODE.value, str(exc)))
            self._settle(
                node_id,
                NodeOutcome(
                    node_id,
                    NodeStatus.FAILED,
                    error=str(exc),
                    error_kind=ErrorKind.NODE.value,
                    model=model_id,
                ),
            )
            return None
        self.emit(NodeItems(self.run_id, node_id, None, count))
        return self._run_items(node, node_type, model, params, inputs, mapped, count)

    async def _run_items(
        self,
        node: Node,
        node_type: type[NodeType],
        model: ModelSpec | None,
        params: Mapping[str, Any],
        inputs: dict[str, Any],
        mapped: list[str],
        count: int,
    ) -> NodeOutcome:
        """A node fed a list: its ``count`` items at once, as one outcome."""
        results = await asyncio.gather(
            *(
                self._run_item(
                    node,
                    node_type,
                    model,
                    params,
                    inputs_for_item(inputs, mapped, index),
                    index,
                    mapped,
                )
                for index in range(count)
            )
        )
        model_id = model.id if model else None
        return _combine(node.id, node_type, results, model_id)

    async def _run_item(
        self,
        node: Node,
        node_type: type[NodeType],
        model: ModelSpec | None,
        params: Mapping[str, Any],
        inputs: dict[str, Any],
        item: int | None,
        mapped: Iterable[str],
        planned: ItemPlan | None = None,
    ) -> NodeOutcome:
        run_id, node_id = self.run_id, node.id
        model_id = model.id if model else None
        if node_type.is_source:
            plan = ItemPlan(item, inputs, None, ItemStatus.RUN)
        elif planned is not None:
            plan = planned
        else:
            plan = self.executor.planner.resolve_item(
                node,
                node_type,
                self.executor.registry.catalog,
                model,
                params,
                inputs,
                item,
                mapped,
                self._cache_scope(),
            )
        if plan.status == ItemStatus.SKIP:
            self.emit(NodeSkipped(run_id, node_id, item, plan.reason or "skipped"))
            return NodeOutcome(node_id, NodeStatus.SKIPPED, error=plan.reason, model=model_id)
        if plan.status in _FROM_CACHE:
            outputs = dict(plan.outputs or {})
            self.announce(
                NodeCached, run_id, node_id, item, outputs, plan.status == ItemStatus.PINNED
            )
            return NodeOutcome(node_id, NodeStatus.CACHED, outputs, model=model_id)
        if self.events.handlers or self._all_events.handlers:  # (announce's test, inline)
            self.emit(NodeQueued(run_id, node_id, item))
        ctx = ItemContext(
            self, node, item, params, model, plan.key, self.graph_dir, self.allow_outside_paths
        )
        started = time.monotonic()
        try:
            raw = await node_type().run(ctx, inputs)
            outputs = _check_outputs(node_type, raw)
        except asyncio.CancelledError:
            self._release(ctx)
            self.emit(NodeCancelled(run_id, node_id, item))
            return NodeOutcome(node_id, NodeStatus.CANCELLED, model=model_id)
        except GenerationError as exc:
            self._release(ctx)
            message = redact_secrets(str(exc))
            self.emit(NodeFailed(run_id, node_id, item, exc.kind.value, message, exc.retryable))
            return NodeOutcome(
                node_id,
                NodeStatus.FAILED,
                error=message,
                error_kind=exc.kind.value,
                model=model_id,
                cost_usd=_spent(ctx),
            )
        except CoreError as exc:
            self._release(ctx)
            message = redact_secrets(str(exc))
            self.emit(
                NodeFailed(
                    run_id,
                    node_id,
                    item,
                    ErrorKind.NODE.value,
                    message,
                    getattr(exc, "retryable", False),
                )
            )
            return NodeOutcome(
                node_id,
                NodeStatus.FAILED,
                error=message,
                error_kind=ErrorKind.NODE.value,
                model=model_id,
            )
        except Exception as exc:  # a bug: report it on the node, keep the details in the log
            self._release(ctx)
            log.exception("node %s (%s) crashed", node_id, node_type.type_id)
            message = redact_secrets(f"internal error: {type(exc).__name__}: {exc}")
            self.emit(NodeFailed(run_id, node_id, item, ErrorKind.INTERNAL.value, message))
            return NodeOutcome(
                node_id,
                NodeStatus.FAILED,
                error=message,
                error_kind=ErrorKind.INTERNAL.value,
                model=model_id,
            )
        elapsed = time.monotonic() - started
        calls = ctx.calls
        cost, source, job_id, queue_s = _accounting(ctx)
        run_s = max(0.0, elapsed - queue_s) if calls else elapsed
        if calls:  # provenance names the model really called (a router picks per item)
            model = calls[-1][0].model
            model_id = model.id
        if plan.key is not None:
            quote, reported_usd, cost_basis, cost_note = _booked(ctx)
            # the journal rows close in the same transaction: a crash in between would
            # otherwise forget a paid job before its result is indexed
            try:
                self.library.record_result(
                    ResultRecord(
                        cache_key=plan.key,
                        node_id=node_id,
                        node_type=node_type.type_id,
                        outputs=outputs,
                        params=params,
                        # (when the key's inputs JSON is at hand, the row keeps it)
                        inputs=input_hashes(inputs) if plan.inputs_json is None else {},
                        run_id=run_id,
                        graph_id=self._graph_id,
                        graph_path=self.graph_path,
                        node_title=self.graph.display_name(node_id),
                        item=item,
                        model=model_id,
                        provider=str(model.provider) if model else None,
                        prompt=ctx.prompt_used,
                        job_id=job_id,
                        cost_usd=cost,
                        cost_source=source,
                        queue_s=queue_s if calls else None,
                        run_s=run_s if calls else None,
                        origin=SIMULATED if self.executor.simulated else None,
                        quote=quote,
                        reported_usd=reported_usd,
                        cost_basis=cost_basis,
                        cost_note=cost_note,
                    ),
                    close_jobs=ctx.job_rows,
                    params_json=self._params_json(node_id, params)
                    if plan.params_json is None
                    else redact_secrets(plan.params_json),
                    inputs_json=plan.inputs_json,
                    already_charged=ctx.already_charged,
                )
            except LibraryError as exc:  # a full disk: say so; the paid job stays journaled
                message = (
                    f"the result could not be saved ({exc}); what was paid for stays "
                    "journaled: run again once the library's disk has room"
                )
                self.emit(NodeFailed(run_id, node_id, item, ErrorKind.INTERNAL.value, message))
                return NodeOutcome(
                    node_id,
                    NodeStatus.FAILED,
                    error=message,
                    error_kind="library",
                    model=model_id,
                    cost_usd=cost,
                )
        elif ctx.job_rows:
            self.library.close_jobs(ctx.job_rows, JobStatus.DONE)
        note = ctx.note
        if self.events.handlers or self._all_events.handlers:  # (announce's test, inline)
            self.emit(
                NodeDone(
                    run_id,
                    node_id,
                    item,
                    outputs,
                    cost,
                    source,
                    queue_s if calls else None,
                    run_s,
                    job_id,
                    note,
                )
            )
        return NodeOutcome(node_id, NodeStatus.DONE, outputs, cost, None, None, model_id, note)

    def _release(self, ctx: ItemContext) -> None:
        """The node failed after some of its calls succeeded: their jobs stay journaled
        (the next run collects what was paid for) but nobody works on them now."""
        if ctx.job_rows:
            self.library.journal_release(ctx.job_rows)

    def _params_json(self, node_id: str, params: Mapping[str, Any]) -> str:
        cached = self._params_json_cache.get(node_id)
        if cached is None:
            cached = self._params_json_cache[node_id] = params_to_json(params)
        return cached

    # -- model calls (ItemContext.generate lands here) --------------------------------------
    async def generate(self, ctx: ItemContext, call: ModelCall) -> GeneratedOutput:
        provider = str(call.model.provider)  # (a StrEnum's str is its value: no property call)
        adapter = self.executor.adapters.get(provider)
        if adapter is None:
            raise GenerationError(
                f"no adapter for {call.model.provider.label} is configured", kind=ErrorKind.INTERNAL
            )
        key = ctx.cache_key or f"uncached:{self.run_id}:{ctx.node.id}:{ctx.item}"
        look = key in self._open_job_keys
        adopt_done = True  # one made it meanwhile (another process): take it, do not pay
        while True:
            try:
                output = await self._generate(ctx, call, adapter, key, look, adopt_done, provider)
                break
            except JobBusy as busy:  # another run makes this very request: never twice
                settled = await wait_until_settled(
                    self.library,
                    busy.job,
                    lambda status: self.node_progress(ctx, status, None),
                )
                adopted = self._adopt(ctx, settled) if settled is not None else None
                if adopted is not None:
                    output = adopted
                    break
                adopt_done = False  # what was delivered is gone (or from another mode)
                if settled is not None and settled.state == JobStatus.POSSIBLY_CHARGED:
                    raise GenerationError(
                        "another run sent this very request and its answer was lost, so it "
                        "may have been charged (recorded as possibly charged); it was not sent "
                        "again. Run again to send it.",
                        kind=ErrorKind.OUTCOME_UNKNOWN,
                    ) from None
                look = True  # still open (resume it), or it failed: decide again
        ctx.calls.append((call, output))  # (the record ItemContext.generate's callers read)
        return output

    async def _generate(
        self,
        ctx: ItemContext,
        call: ModelCall,
        adapter: ModelAdapter,
        key: str,
        look: bool,
        adopt_done: bool,
        provider: str,
    ) -> GeneratedOutput:
        previous = self.library.open_job(key, call.fingerprint()) if look else None
        if previous is not None and bool(previous.info.get("simulated")) != self.executor.simulated:
            previous = None  # a simulator's job id means nothing to the real provider
        if previous is not None:  # an earlier run's job: ours now (JobBusy if it is live)
            previous = await asyncio.to_thread(self.library.journal_take, previous.id)
            adopted = self._adopt(ctx, previous) if previous is not None else None
            if adopted is not None:
                return adopted
        quoted = self._quote_call(call)
        estimate = quoted.high
        # (acquired and released by hand: ``async with`` adds two coroutine calls a call;
        # and a free place taken without even the one of ``acquire``)
        semaphore = self.executor.semaphore(provider)
        if not semaphore.take_free():
            await semaphore.acquire()
        try:
            if previous is None:
                self._reserve(estimate, call.model)
            job = _Job(self, ctx, call, key, previous, adopt_done, quoted)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "node %s%s: %s %s",
                    ctx.node.id[:8],
                    "" if ctx.item is None else f"[{ctx.item}]",
                    "resuming" if previous else "calling",
                    call.model.id,
                )
            if self.events.handlers or self._all_events.handlers:  # (typical_s: a lookup)
                self.emit(NodeStarted(self.run_id, ctx.node.id, ctx.item, job.typical_s))
            try:
                output = await adapter.generate(call, job)
            except asyncio.CancelledError:
                if not (job.keep_open_on_cancel and job.has_job_id):
                    job.close(JobStatus.CANCELLED)
                job.release()
                raise
            except GenerationError as exc:
                if exc.kind is ErrorKind.OUTCOME_UNKNOWN:
                    job.close(job.final_state or JobStatus.UNKNOWN)
                elif not (exc.retryable and job.has_job_id):
                    job.close(
                        JobStatus.FAILED
                    )  # else keep "submitted": the job may live on; resume it
                job.release()
                raise
            except (JobBusy, CoreError):  # waiting for another run; the library failing
                job.release()
                raise
            except Exception as exc:  # an answer the adapter did not expect: not "creating"
                log.exception("%s adapter crashed", provider)
                job.close(JobStatus.FAILED)
                raise GenerationError(
                    f"{call.model.provider.label} gave an answer that could not be used "
                    f"({type(exc).__name__})",
                    kind=ErrorKind.PROVIDER,
                ) from exc
            finally:
                self._reserved = max(0.0, self._reserved - (0.0 if previous else estimate))
            self._book(ctx, call, output, quoted)
            if job.delivered(output):
                await job.journal_delivered(output)
        finally:
            semaphore.release()
        if self.executor.simulated and provider != "local":
            output.cost_source = f"simulated {output.cost_source or ''}".strip()
        assert output.cost_usd is not None  # _book set it to what was booked
        self.cost_usd += output.cost_usd
        return output

    def _quote_call(self, call: ModelCall) -> CostRange:
        """What the call may cost; a model without a price is not sent (validation refuses
        such a run before it starts; this is the last line)."""
        try:
            return self._estimates.estimate(
                call.model,
                call.params,
                prompt_chars=len(call.prompt) + len(call.system or ""),
            )
        except UnpricedModel as exc:
            raise GenerationError(f"not sent: {exc}", kind=ErrorKind.BUDGET) from None

    def _book(
        self, ctx: ItemContext, call: ModelCall, output: GeneratedOutput, quoted: CostRange
    ) -> None:
        """What the call is booked at: the provider's report, checked against the quote."""
        booking = settle(
            output.cost_usd, quoted, what=call.model.label, said=output.usage.get("reported")
        )
        output.booking = booking
        output.cost_usd = booking.usd
        if booking.basis != REPORTED or not output.cost_source:
            output.cost_source = booking.basis if booking.basis != REPORTED else "provider"
        if booking.warning:
            log.warning("%s", booking.warning)
            ctx.warn(booking.warning)

    def _adopt(self, ctx: ItemContext, job: JobRecord) -> GeneratedOutput | None:
        """Take over what ``job`` (another run's, or a crashed one's) delivered."""
        if bool(job.info.get("simulated")) != self.executor.simulated:
            return None  # a simulator's placeholder never stands in for a real result
        found = adopt_delivered(self.library, job)
        if found is None:
            return None
        output, charged = found
        if job.is_open:  # it closes with this run's result
            ctx.job_rows.append(job.id)
        ctx.already_charged += charged
        self.cost_usd += output.cost_usd or 0.0
        log.info("node %s: adopted the outputs of job %s", ctx.node.id[:8], job.id)
        return output

    def _reserve(self, estimate: float, model: ModelSpec) -> None:
        limit = self.budget.per_run
        if limit is not None and self.cost_usd + self._reserved + estimate > limit + 1e-9:
            raise GenerationError(
                f"not sent: {model.label} could cost up to ${estimate:.2f}, which would take "
                f"this run over its budget of ${limit:.2f}",
                kind=ErrorKind.BUDGET,
            )
        self._reserved += estimate

    def node_progress(self, ctx: ItemContext, status: str, fraction: float | None) -> None:
        self.emit(NodeProgress(self.run_id, ctx.node.id, ctx.item, status, 0.0, None, fraction))


class _Job:
    """The executor's side of one model call: journal, progress, storage (JobControl)."""

    __slots__ = (
        "_adopt_done",
        "_call",
        "_ctx",
        "_info",
        "_job_id",
        "_quoted",
        "_row",
        "_run",
        "_running_since",
        "_started",
        "_typical_s",
        "cache_key",
        "final_state",
        "keep_open_on_cancel",
        "previous",
        "queue_s",
        "run_id",
    )

    def __init__(
        self,
        run: Run,
        ctx: ItemContext,
        call: ModelCall,
        cache_key: str,
        previous: JobRecord | None,
        adopt_done: bool = False,
        quoted: CostRange | None = None,
    ) -> None:
        self._run = run
        self._adopt_done = adopt_done
        self._ctx = ctx
        self._call = call
        self._quoted = quoted or CostRange()
        self.run_id = run.run_id
        self.cache_key = cache_key
        self.previous = previous
        self._row: int | None = previous.id if previous else None
        self._job_id: str | None = previous.job_id if previous else None
        self._info: dict[str, Any] = dict(previous.info) if previous else {}
        self.keep_open_on_cancel = False
        #: how the journal row ends when the outcome is unknown (see ``possibly_charged``)
        self.final_state: JobStatus | None = None
        self._started = time.monotonic()
        self._running_since: float | None = None
        self.queue_s = 0.0
        self._typical_s: float | None = None
        if previous is not None and previous.job_id:
            run.emit(
                JobSubmitted(
                    run.run_id,
                    ctx.node.id,
                    ctx.item,
                    call.model.provider.value,
                    previous.job_id,
                    resumed=True,
                )
            )

    @property
    def typical_s(self) -> float:
        """How long this model usually takes (the ETA shown while it runs), asked when
        shown: a call nobody watches never needs it."""
        if self._typical_s is None:
            self._typical_s = self._run.executor.planner.typical_seconds(self._call.model)
        return self._typical_s

    @property
    def has_job_id(self) -> bool:
        return self._job_id is not None

    async def creating(self, info: Mapping[str, Any] | None = None) -> None:
        library = self._run.library
        if self._row is not None:  # a resumed row gets a new attempt, not a twin
            self._info = {**self._info, **dict(info or {})}
            await asyncio.to_thread(
                library.journal_update, self._row, state=JobStatus.CREATING, info=self._info
            )
            return
        self._info = dict(info or {})
        if self._run.executor.simulated:
            self._info["simulated"] = True
        self._row = await asyncio.to_thread(
            functools.partial(
                library.journal_creating,
                self.cache_key,
                self._call.model.provider.value,
                self._call.model.id,
                fingerprint=self._call.fingerprint(),
                run_id=self.run_id,
                node_id=self._ctx.node.id,
                item=self._ctx.item,
                info=self._info,
                adopt_delivered=self._adopt_done,
            )
        )

    async def submitted(self, job_id: str, info: Mapping[str, Any] | None = None) -> None:
        if self._row is None:
            await self.creating()
        assert self._row is not None
        self._job_id = job_id
        if info:  # kept for what is journaled later (e.g. the charge a create reported)
            self._info = {**self._info, **dict(info)}
        await asyncio.to_thread(
            self._run.library.journal_update,
            self._row,
            state=JobStatus.SUBMITTED,
            job_id=job_id,
            info=self._info if info else None,
        )
        self._run.emit(
            JobSubmitted(
                self.run_id,
                self._ctx.node.id,
                self._ctx.item,
                self._call.model.provider.value,
                job_id,
            )
        )

    def progress(self, status: str, fraction: float | None = None, *, running: bool = True) -> None:
        now = time.monotonic()
        if running and self._running_since is None:
            self._running_since = now
            self.queue_s = now - self._started
        elapsed = now - self._started
        ran = now - self._running_since if self._running_since is not None else 0.0
        eta = max(0.0, self.typical_s - ran) if running else None
        self._run.emit(
            NodeProgress(
                self.run_id, self._ctx.node.id, self._ctx.item, status, elapsed, eta, fraction
            )
        )

    def store_bytes(
        self, data: bytes, kind: AssetKind, mime: str, **meta: Any
    ) -> Coroutine[Any, Any, Asset]:
        return self._ctx.store_bytes(data, kind, mime, **meta)  # (its coroutine, not a twin)

    async def store_file(self, path: Path, kind: AssetKind, mime: str, **meta: Any) -> Asset:
        return await self._ctx.store_file(path, kind, mime, move=True, **meta)

    def temp_path(self, suffix: str = "") -> Path:
        return self._run.library.temp_path(suffix)

    async def charge(self, usd: float | None, reason: str) -> None:
        booking = settle(usd, self._quoted, what=self._call.model.label)
        await self._record(booking, reason)

    async def _record(self, booking: Booking, reason: str) -> None:
        """Book money spent without a result, the quote and the report kept apart."""
        model = self._call.model
        if booking.warning:
            log.warning("%s", booking.warning)
            self._ctx.warn(booking.warning)
        usd = booking.usd
        if usd <= 0:
            return
        self._run.cost_usd += usd
        if self._run.executor.simulated and model.provider.value != "local":
            return  # nothing real was spent
        await asyncio.to_thread(
            functools.partial(
                self._run.library.add_charge,
                usd,
                provider=model.provider.value,
                model=model.id,
                run_id=self.run_id,
                node_id=self._ctx.node.id,
                reason=reason,
                quote=(self._quoted.low, self._quoted.high),
                reported_usd=booking.reported_usd,
                basis=booking.basis,
                note=booking.warning,
            )
        )
        if self._row is not None:  # a later run that collects this job must not count it again
            self._info["charged_usd"] = float(self._info.get("charged_usd", 0.0)) + usd
            await asyncio.to_thread(self._run.library.journal_update, self._row, info=self._info)

    def keep_open(self) -> None:
        """The provider cannot stop this job: keep it journaled as submitted when the node is
        cancelled, so the next run collects what was paid for instead of paying again."""
        self.keep_open_on_cancel = True

    async def possibly_charged(self, usd: float | None, what: str) -> None:
        """A request that may have been acted on (and billed) lost its answer, and the
        provider cannot be asked about it: the estimate (``usd``, else the quote's max) goes
        in the ledger once, as possibly charged, and the job ends so that the next run may
        send it again."""
        estimate = self._quoted.high if usd is None else usd
        await self._record(
            Booking(estimate, ESTIMATE, self._quoted), f"possibly charged: {what} (estimated)"
        )
        self.final_state = JobStatus.POSSIBLY_CHARGED

    def delivered(self, output: GeneratedOutput) -> bool:
        """The call succeeded. Returns whether what it delivered is to be journaled at once
        (``journal_delivered``: another run waiting for this request adopts it; the row
        closes when the node's result is recorded). A call without a journal row, the common
        case, finishes here, without a coroutine."""
        if self._running_since is None:
            self.queue_s = 0.0
        output.usage.setdefault("queue_s", self.queue_s)
        if output.job_id is None:
            output.job_id = self._job_id
        if self._row is not None:
            return True
        self._count_charged()
        return False

    async def journal_delivered(self, output: GeneratedOutput) -> None:
        assert self._row is not None
        self._ctx.job_rows.append(self._row)
        self._info["delivered"] = delivered_info(output)
        await asyncio.to_thread(self._run.library.journal_update, self._row, info=self._info)
        self._count_charged()

    def _count_charged(self) -> None:
        # money already recorded for this job (e.g. when an earlier run was cancelled while
        # the provider went on) is not counted twice when its result is recorded now
        if self._info:
            self._ctx.already_charged += float(self._info.get("charged_usd", 0.0))

    def close(self, state: JobStatus) -> None:
        if self._row is not None:
            self._run.library.close_jobs([self._row], state)

    def release(self) -> None:
        """This run stops working on the job (a job still open may be resumed later)."""
        if self._row is not None:
            self._run.library.journal_release([self._row])


def _check_outputs(node_type: type[NodeType], raw: Mapping[str, Any]) -> dict[str, Value]:
    outputs: dict[str, Value] = {}
    for port in node_type.outputs:
        name = port.name
        value = raw.get(name)
        if value is None:
            continue
        if value.__class__ is not Asset:  # (most outputs are one asset: no isinstance)
            if isinstance(value, list | tuple):
                value = ItemList(tuple(value))
            if not isinstance(value, Asset | ItemList):
                raise CoreError(f"{node_type.title} produced something that is not an asset")
        outputs[name] = value
    return outputs


def _has_a_list(inputs: Mapping[str, Any]) -> bool:
    """Whether any input is a list (a loop: no generator made for every node)."""
    for value in inputs.values():  # noqa: SIM110 (any() of a generator: slower)
        if isinstance(value, ItemList):
            return True
    return False


def _accounting(ctx: ItemContext) -> tuple[float, str | None, str | None, float]:
    if not ctx.calls:
        return 0.0, None, None, 0.0
    if len(ctx.calls) == 1:  # most nodes make one call
        out = ctx.calls[0][1]
        return (
            out.cost_usd or 0.0,
            out.cost_source,
            out.job_id,
            float(out.usage.get("queue_s", 0.0)),
        )
    cost = sum((out.cost_usd or 0.0) for _, out in ctx.calls)
    sources = {out.cost_source for _, out in ctx.calls if out.cost_source}
    source = sources.pop() if len(sources) == 1 else ("mixed" if sources else None)
    job_ids = [out.job_id for _, out in ctx.calls if out.job_id]
    queue = sum(float(out.usage.get("queue_s", 0.0)) for _, out in ctx.calls)
    return cost, source, (job_ids[-1] if job_ids else None), queue


#: an item's booking, as the result's row keeps it: (quote, reported_usd, cost_basis,
#: cost_note); all None when no call was booked
BookedCalls = tuple[tuple[float, float] | None, float | None, str | None, str | None]
_NOT_BOOKED: BookedCalls = (None, None, None, None)


def _booked(ctx: ItemContext) -> BookedCalls:
    """The ledger's view of an item's calls: their quotes, what their providers reported
    (None unless every call was reported), how the cost was arrived at, the warnings."""
    if len(ctx.calls) == 1:  # most nodes make one call: its booking as it is
        one = ctx.calls[0][1].booking
        if one is None:
            return _NOT_BOOKED
        return (one.quoted.low, one.quoted.high), one.reported_usd, one.basis, one.warning or None
    bookings: list[Booking] = [out.booking for _, out in ctx.calls if out.booking is not None]
    if not bookings:
        return _NOT_BOOKED
    bases = {b.basis for b in bookings}
    reported = [b.reported_usd for b in bookings]
    warnings = [b.warning for b in bookings if b.warning]
    return (
        (sum(b.quoted.low for b in bookings), sum(b.quoted.high for b in bookings)),
        None if None in reported else sum(r or 0.0 for r in reported),
        bases.pop() if len(bases) == 1 else "mixed",
        "; ".join(warnings) or None,
    )


def _spent(ctx: ItemContext) -> float:
    return sum((out.cost_usd or 0.0) for _, out in ctx.calls)


def _combine(
    node_id: str, node_type: type[NodeType], results: list[NodeOutcome], model_id: str | None
) -> NodeOutcome:
    statuses = [r.status for r in results]
    made = (NodeStatus.DONE, NodeStatus.CACHED)
    items = [  # as combine_outputs takes them: what each item made
        ItemPlan(
            i,
            {},
            None,
            ItemStatus.CACHED if r.status in made else ItemStatus.SKIP,
            r.outputs if r.status in made else None,
        )
        for i, r in enumerate(results)
    ]
    outputs = combine_outputs(node_type, items)
    cost = sum(r.cost_usd for r in results)
    if all(s == NodeStatus.CACHED for s in statuses):
        status = NodeStatus.CACHED
    elif NodeStatus.CANCELLED in statuses:
        status = NodeStatus.CANCELLED
    elif NodeStatus.FAILED in statuses:
        status = NodeStatus.FAILED
    elif all(s == NodeStatus.SKIPPED for s in statuses):
        status = NodeStatus.SKIPPED
    elif NodeStatus.SKIPPED in statuses:
        status = NodeStatus.FAILED
    else:
        status = NodeStatus.DONE
    errors = [r.error for r in results if r.error]
    failed = sum(1 for s in statuses if s in (NodeStatus.FAILED, NodeStatus.SKIPPED))
    error = (
        f"{failed} of {len(results)} items did not finish: {errors[0]}"
        if failed and errors
        else None
    )
    return NodeOutcome(node_id, status, outputs, cost, error=error, model=model_id)


def _graph_dir(graph_path: str | Path | None) -> Path | None:
    return Path(graph_path).resolve().parent if graph_path else None


def _graph_name(graph: Graph, graph_path: str | None) -> str:
    name = graph.meta.get("name")
    if isinstance(name, str) and name:
        return name
    return Path(graph_path).stem if graph_path else "untitled"
