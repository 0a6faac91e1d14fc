"""The window's link to the executor the CLI uses: quotes, checks, runs and their events.

Planning touches the library (cache lookups, hashes of source files), so it runs in a worker
thread on a copy of the graph, debounced after edits; its result updates the node states
(existing results, stale marks, estimates, problems) and the toolbar quote. Runs start on
the asyncio loop that qasync drives from the Qt event loop, so provider I/O never blocks the
GUI; the run's events update the node states as they come.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from PySide6 import QtCore

from canvastoon_desktop.core import events as ev
from canvastoon_desktop.core.errors import CoreError, RunRefused
from canvastoon_desktop.core.executor import Run, RunSummary
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.plan import Plan
from canvastoon_desktop.core.pricing import Budget, format_usd
from canvastoon_desktop.core.status import RunStatus
from canvastoon_desktop.core.validation import Problem

from .node_state import NodeStates

log = logging.getLogger(__name__)

PLAN_DEBOUNCE_MS = 150


@dataclass
class PlanResult:
    generation: int
    revision: int
    plan: Plan | None
    problems: list[Problem]
    resumable: list[str] = field(default_factory=list)
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)
    spent_today: float = 0.0
    error: str | None = None


@dataclass
class Preflight:
    """What the window needs to decide about a run before it starts."""

    targets: list[str] | None
    plan: Plan | None
    problems: list[Problem]
    error: str | None = None


class RecordStatus(StrEnum):
    """A run of this session as the runs panel lists it: how it ended, or where it is."""

    RUNNING = RunStatus.RUNNING.value
    CANCELLING = "cancelling"  # asked to stop, winding down
    DONE = RunStatus.DONE.value
    FAILED = RunStatus.FAILED.value
    CANCELLED = RunStatus.CANCELLED.value
    REFUSED = RunStatus.REFUSED.value
    ERROR = "error"  # the run stopped on an error of the app


@dataclass
class RunRecord:
    """A run of this session, for the runs panel."""

    run: Run
    label: str
    started: float
    status: RecordStatus = RecordStatus.RUNNING
    cost_usd: float = 0.0
    wall_s: float = 0.0
    summary: RunSummary | None = None
    problems: list[Problem] = field(default_factory=list)
    revision: int = 0
    #: run in Simulate mode: hosted models answered by the provider simulator
    simulated: bool = False


class RunController(QtCore.QObject):
    #: node states changed: (set of node ids)
    states_changed = QtCore.Signal(object)
    #: the quote line and its tooltip: (text, tooltip, over_budget)
    quote_changed = QtCore.Signal(str, str, bool)
    #: today's spend: (usd)
    spent_changed = QtCore.Signal(float)
    #: a preflight check finished: (Preflight)
    preflight_ready = QtCore.Signal(object)
    #: a run started / sent an event / finished: (RunRecord)
    run_started = QtCore.Signal(object)
    run_event = QtCore.Signal(object, object)
    run_finished = QtCore.Signal(object)
    #: nodes with provider jobs an earlier session left open: (node ids)
    resumable_found = QtCore.Signal(list)
    _plan_done = QtCore.Signal(object)
    _preflight_done = QtCore.Signal(object)

    def __init__(
        self,
        workspace: Any,
        states: NodeStates,
        graph_source: Callable[[], tuple[Graph, Path | None]],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.executor = workspace.executor
        self.states = states
        #: the open graph's paths outside its folder were allowed (by the artist, or the
        #: graph was made here): see core.paths and MainWindow's outside-paths dialog
        self.allow_outside_paths = True
        self._graph_source = graph_source
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planner")
        self._generation = 0
        self._pending_generation: int | None = None
        #: counts the graph's edits: a plan or a run is "of" the revision it copied
        self.revision = 0
        self._want_previous = False
        self._offer_resume = False
        self.plan: Plan | None = None
        self.problems: list[Problem] = []
        self.records: list[RunRecord] = []
        self.active: RunRecord | None = None
        self._task: asyncio.Future[Any] | None = None
        self.plans_applied = 0
        self._debounce = QtCore.QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(PLAN_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.plan_now)
        self._plan_done.connect(self._apply_plan, QtCore.Qt.ConnectionType.QueuedConnection)
        self._preflight_done.connect(
            self.preflight_ready.emit, QtCore.Qt.ConnectionType.QueuedConnection
        )

    # -- planning --------------------------------------------------------------------------
    def graph_opened(self) -> None:
        """A graph was opened: show earlier results, and look for jobs to resume."""
        self._want_previous = True
        self._offer_resume = True
        self.plan_now()

    def schedule_plan(self) -> None:
        self._debounce.start()

    def graph_changed(self) -> None:
        self.revision += 1
        self.schedule_plan()

    @property
    def planning(self) -> bool:
        return self._debounce.isActive() or self._pending_generation is not None

    def plan_now(self) -> None:
        self._debounce.stop()
        graph, path = self._graph_source()
        snapshot = graph.copy()
        self._generation += 1
        generation = self._pending_generation = self._generation
        want_previous, self._want_previous = self._want_previous, False
        offer_resume, self._offer_resume = self._offer_resume, False
        no_outputs = {n for n in graph.nodes if self.states.get(n).outputs is None}
        future = self._pool.submit(
            self._compute_plan,
            snapshot,
            path,
            generation,
            self.revision,
            want_previous,
            no_outputs,
            offer_resume,
        )
        future.add_done_callback(lambda f: self._plan_done.emit(f))

    def _compute_plan(
        self,
        graph: Graph,
        path: Path | None,
        generation: int,
        revision: int,
        want_previous: bool,
        no_outputs: set[str],
        resume: bool,
    ) -> PlanResult:
        executor = self.executor
        try:
            plan, problems = executor.check(
                graph, graph_path=path, allow_outside_paths=self.allow_outside_paths
            )
        except CoreError as exc:
            return PlanResult(generation, revision, None, [], error=str(exc))
        result = PlanResult(generation, revision, plan, problems)
        library = executor.library
        result.spent_today = library.spent_today()
        if plan is None:
            return result
        if resume:
            result.resumable = executor.resumable_nodes(graph, plan, graph_path=path)
        if want_previous:
            graph_id = str(graph.meta.get("graph_id") or "")
            for node_id in plan.order:
                if plan.will_run(node_id) and node_id in no_outputs and graph_id:
                    found = library.latest_result(graph_id, node_id)
                    if found is not None and found.outputs:
                        result.previous[node_id] = found.outputs
        return result

    def _apply_plan(self, future: Future[PlanResult]) -> None:
        try:
            result = future.result()
        except Exception as exc:  # a bug in planning must not take the window down
            log.exception("planning failed")
            result = PlanResult(
                self._generation, self.revision, None, [], error=f"cannot plan: {exc}"
            )
        if result.generation != self._generation:
            return  # an edit came after: a newer plan is on its way
        self._pending_generation = None
        self.spent_changed.emit(result.spent_today)
        if result.plan is None:
            self.plan, self.problems = None, result.problems
            message = result.error or "; ".join(str(p) for p in result.problems[:2])
            self.quote_changed.emit("cannot plan", message, True)
            self.plans_applied += 1
            return
        graph, _path = self._graph_source()
        self.plan, self.problems = result.plan, result.problems
        changed = self.states.apply_plan(
            graph, result.plan, result.problems, result.resumable, result.revision
        )
        if result.previous:
            changed |= self.states.set_previous_outputs(result.previous)
        self.states_changed.emit(changed)
        self._emit_quote(result)
        self.plans_applied += 1
        if result.resumable:
            self.resumable_found.emit(result.resumable)

    def _emit_quote(self, result: PlanResult) -> None:
        plan = result.plan
        assert plan is not None
        quote = plan.quote
        text = quote.summary()
        lines = [f"{quote.to_run} model call(s) would run; {quote.cached} come from the cache."]
        if self.executor.simulated:
            text = f"Simulated: {text}"
            lines.insert(0, "Simulate mode: the simulator answers; this is never charged.")
        budget_problems = [p for p in result.problems if p.code == "budget"]
        for problem in budget_problems:
            lines.append(f"⚠ {problem.message}")
        for warning in quote.warnings:  # reported charges above their quotes (the ledger)
            lines.append(f"⚠ {warning}")
        if quote.warnings:
            text = f"⚠ {text}"
        budget = self.executor.budget
        if budget.per_day is not None:
            lines.append(
                f"Spent today: {format_usd(result.spent_today)} of {format_usd(budget.per_day)}"
            )
        self.quote_changed.emit(
            text, "\n".join(lines), bool(budget_problems) or bool(quote.warnings)
        )

    # -- running ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.active is not None

    def preflight(self, targets: Iterable[str] | None = None) -> None:
        """Check a run in the worker; ``preflight_ready`` answers with a Preflight."""
        graph, path = self._graph_source()
        snapshot = graph.copy()
        wanted = list(targets) if targets is not None else None
        future = self._pool.submit(self._check, snapshot, path, wanted)
        future.add_done_callback(lambda f: self._preflight_done.emit(_preflight_of(f, wanted)))

    def _check(self, graph: Graph, path: Path | None, targets: list[str] | None) -> Preflight:
        try:
            plan, problems = self.executor.check(
                graph, targets, graph_path=path, allow_outside_paths=self.allow_outside_paths
            )
        except CoreError as exc:
            return Preflight(targets, None, [], error=str(exc))
        return Preflight(targets, plan, problems)

    def start(
        self, targets: Iterable[str] | None = None, label: str = "Run", budget: Budget | None = None
    ) -> RunRecord:
        """Start a run on the asyncio loop (it is checked again there; RunRefused ends it).
        ``budget``: this run's own limits (the artist allowed it more), else the settings'."""
        if self.active is not None:
            raise CoreError("a run is already going; cancel it first")
        graph, path = self._graph_source()
        run = self.executor.start(
            graph,
            targets=list(targets) if targets else None,
            graph_path=path,
            allow_outside_paths=self.allow_outside_paths,
            budget=budget,
        )
        record = RunRecord(
            run,
            label,
            QtCore.QDateTime.currentSecsSinceEpoch(),
            revision=self.revision,
            simulated=self.executor.simulated,
        )
        self.records.insert(0, record)
        self.active = record
        run.events.connect(lambda event: self._on_event(record, event))
        self._task = asyncio.ensure_future(run.wait())
        self._task.add_done_callback(lambda task: self._on_done(record, task))
        self.run_started.emit(record)
        return record

    def use_executor(self, executor: Any) -> None:
        """Plan and run with another executor from now on (Simulate mode on or off); not
        during a run."""
        if self.active is not None:
            raise CoreError("a run is going; cancel it first")
        self.executor = executor
        self.schedule_plan()

    def cancel(self) -> bool:
        if self.active is None:
            return False
        record = self.active
        record.run.cancel()
        record.status = RecordStatus.CANCELLING
        return True

    def _on_event(self, record: RunRecord, event: ev.RunEvent) -> None:
        if isinstance(event, ev.RunStarted):
            plan = record.run.plan
            simulated = hosted_nodes(record.run.graph, plan) if record.simulated else ()
            self.states.begin_run(event.run_id, plan, record.revision, simulated)
        changed = self.states.apply(event)
        if isinstance(event, ev.NodeDone | ev.NodeSettled):
            record.cost_usd = record.run.cost_usd
        if changed:
            self.states_changed.emit(changed)
        self.run_event.emit(record, event)

    def _on_done(self, record: RunRecord, task: asyncio.Future[Any]) -> None:
        if self.active is record:
            self.active = None
        try:
            summary = task.result()
        except RunRefused as exc:
            record.status, record.problems = RecordStatus.REFUSED, list(exc.problems)
        except asyncio.CancelledError:
            record.status = RecordStatus.CANCELLED
        except Exception as exc:
            log.exception("run failed")
            record.status = RecordStatus.ERROR
            record.problems = [Problem(f"the run stopped: {exc}")]
        else:
            record.summary = summary
            record.status, record.cost_usd, record.wall_s = (
                RecordStatus(summary.status),
                summary.cost_usd,
                summary.wall_s,
            )
        changed = self.states.end_run(record.run.run_id)
        if changed:
            self.states_changed.emit(changed)
        self.run_finished.emit(record)
        self.schedule_plan()

    def close(self) -> None:
        if self.active is not None:
            self.active.run.cancel()
        self._debounce.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)


def hosted_nodes(graph: Graph, plan: Plan | None) -> set[str]:
    """The nodes of a plan that call a hosted model (in Simulate mode, the simulator's)."""
    if plan is None:
        return set()
    registry = graph.registry
    found = set()
    for node_id, node_plan in plan.nodes.items():
        node = graph.nodes.get(node_id)
        if node is None:
            continue
        models = registry[node.type].models_in_use(
            registry.catalog, node_plan.params or {}, node_plan.connected
        )
        if any(not m.offline for m in models):
            found.add(node_id)
    return found


def _preflight_of(future: Future[Preflight], targets: list[str] | None) -> Preflight:
    try:
        return future.result()
    except Exception as exc:
        log.exception("run check failed")
        return Preflight(targets, None, [], error=f"cannot check the run: {exc}")
