"""Rich progress bars for a headless run: one line per node, fed by the executor's events."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from ..core.events import (
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
)
from ..core.graph import Graph
from ..core.plan import Plan
from ..core.pricing import format_usd

_STYLE = {
    "done": "green",
    "cached": "cyan",
    "failed": "red",
    "skipped": "yellow",
    "cancelled": "magenta",
}


class RunProgress:
    def __init__(self, graph: Graph, plan: Plan, console: Console) -> None:
        self.graph = graph
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
        self.items: dict[str, dict[int, str]] = {}
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
        task = self.tasks.get(getattr(event, "node_id", ""))
        if task is None:
            return
        node_id = event.node_id  # type: ignore[attr-defined]
        item = getattr(event, "item", None)
        if isinstance(event, NodeItems):
            self.items[node_id] = {}
            self.progress.update(task, total=event.count, status=f"0/{event.count} items")
        elif isinstance(event, NodeQueued):
            self.progress.start_task(task)
            self._status(task, node_id, item, "queued")
        elif isinstance(event, NodeStarted):
            self._status(task, node_id, item, "running")
        elif isinstance(event, JobSubmitted):
            word = "resumed" if event.resumed else "submitted"
            self._status(task, node_id, item, f"{word} {event.job_id[:10]}")
        elif isinstance(event, NodeProgress):
            eta = f" · ETA {event.eta_s:.0f}s" if event.eta_s else ""
            if event.fraction is not None and item is None:
                self.progress.update(task, completed=event.fraction)
            self._status(task, node_id, item, f"{event.status}{eta}")
        elif isinstance(event, NodeDone):
            self._finish_item(task, node_id, item, "done", event.cost_usd)
        elif isinstance(event, NodeCached):
            self._finish_item(task, node_id, item, "pinned" if event.pinned else "cached", 0.0)
        elif isinstance(event, NodeFailed):
            self._finish_item(task, node_id, item, f"failed: {event.message}", 0.0)
        elif isinstance(event, NodeSkipped):
            self._finish_item(task, node_id, item, event.reason, 0.0)
        elif isinstance(event, NodeCancelled):
            self._finish_item(task, node_id, item, "cancelled", 0.0)
        elif isinstance(event, NodeSettled):
            style = _STYLE.get(event.status, "white")
            text = event.status if not event.message else f"{event.status}: {event.message}"
            total = self.progress.tasks[task].total or 1
            self.progress.update(
                task,
                completed=total,
                status=f"[{style}]{text[:60]}[/]",
                cost=format_usd(event.cost_usd) if event.cost_usd else "",
            )
            self.progress.stop_task(task)

    def _status(self, task: TaskID, node_id: str, item: int | None, text: str) -> None:
        if item is None:
            self.progress.update(task, status=text[:60])

    def _finish_item(
        self, task: TaskID, node_id: str, item: int | None, text: str, cost: float
    ) -> None:
        if item is None:
            self.progress.update(task, status=text[:60])
            return
        states = self.items.setdefault(node_id, {})
        states[item] = text
        total = int(self.progress.tasks[task].total or len(states))
        self.progress.update(task, completed=len(states), status=f"{len(states)}/{total} items")
