"""Rich progress bars for a headless run: one line per node, a view of the core's
``RunState`` fed by the executor's events (the canvas is another view of it)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from ..core.events import JobSubmitted, NodeEvent, NodeProgress, NodeQueued, NodeSettled, RunEvent
from ..core.graph import Graph
from ..core.plan import Plan
from ..core.pricing import format_usd
from ..core.run_state import NodeState, RunState
from ..core.status import FINISHED, DisplayState, NodeStatus

#: how a node ended, in colour
SETTLED_STYLES: dict[NodeStatus, str] = {
    NodeStatus.DONE: "green",
    NodeStatus.CACHED: "cyan",
    NodeStatus.FAILED: "red",
    NodeStatus.SKIPPED: "yellow",
    NodeStatus.CANCELLED: "magenta",
}


class RunProgress:
    def __init__(self, graph: Graph, plan: Plan, console: Console) -> None:
        self.graph = graph
        self.state = RunState()
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[name]:<28}"),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[status]:<34}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[cost]}"),
            console=console,
            transient=False,
            refresh_per_second=8,
        )
        self.tasks: dict[str, TaskID] = {}
        for node_id in plan.order:
            name = graph.display_name(node_id)[:28]
            self.tasks[node_id] = self.progress.add_task(
                "", total=1, start=False, name=name, status="waiting", cost=""
            )

    def __enter__(self) -> RunProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def handle(self, event: RunEvent) -> None:
        changed = self.state.apply(event)
        if not isinstance(event, NodeEvent):
            return  # the run's start and end: every node's line says its own
        task = self.tasks.get(event.node_id)
        if task is None or event.node_id not in changed:
            return
        st = self.state.get(event.node_id)
        if isinstance(event, NodeQueued):
            self.progress.start_task(task)
        if isinstance(event, NodeSettled):
            self._settled(task, st, event)
        elif st.items is not None:
            made = sum(1 for item in st.items if item.state in FINISHED)
            self.progress.update(
                task, total=len(st.items), completed=made, status=f"{made}/{len(st.items)} items"
            )
        elif event.item is None:
            if st.fraction is not None:
                self.progress.update(task, completed=st.fraction)
            self.progress.update(task, status=_line(st, event)[:60])

    def _settled(self, task: TaskID, st: NodeState, event: NodeSettled) -> None:
        style = SETTLED_STYLES.get(event.status, "white")
        text = event.status if not event.message else f"{event.status}: {event.message}"
        total = self.progress.tasks[task].total or 1
        self.progress.update(
            task,
            completed=total,
            status=f"[{style}]{text[:60]}[/]",
            cost=format_usd(st.cost) if st.cost else "",
        )
        self.progress.stop_task(task)


def _line(st: NodeState, event: NodeEvent) -> str:
    """A node that runs once, as it goes: its state, or what its provider says."""
    if isinstance(event, JobSubmitted):
        return f"{st.status_text} {event.job_id[:10]}"
    if isinstance(event, NodeProgress):
        eta = f" · ETA {event.eta_s:.0f}s" if event.eta_s else ""
        return f"{st.status_text}{eta}"
    if st.state == DisplayState.FAILED:
        return f"failed: {st.message}"
    if st.state == DisplayState.SKIPPED:
        return st.message or ""
    return st.state
