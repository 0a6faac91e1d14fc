"""Simulated jobs (Replicate predictions, AIML video generations) and their clock.

A job's status is a pure function of the time: ``created + queue_s`` → processing,
``+ run_s`` → its outcome; a cancel, a ``Cancel-After`` deadline or a ``cancel`` fault
stops it earlier. No background task advances anything, so thousands of jobs cost
nothing until someone polls them; outputs are rendered when a poll first sees one done.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .outputs import StoredOutput

__all__ = ["TERMINAL", "Job", "JobState", "JobStore", "RenderedFile"]

#: Replicate's vocabulary; AIML's is mapped from it (see ``aiml_status``).
TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})


@dataclass(frozen=True)
class RenderedFile:
    data: bytes = field(repr=False)
    filename: str
    content_type: str
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class JobState:
    status: str
    started_at: float | None
    completed_at: float | None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


@dataclass(eq=False)
class Job:
    """One asynchronous job; mutable fields change only on the server's event loop."""

    id: str
    provider: str  # "aiml" | "replicate"
    model: str
    version: str
    input: dict[str, Any]
    created: float
    queue_s: float
    run_s: float
    #: Produces the output files; runs in the render thread pool.
    render: Callable[[], list[RenderedFile]] | None = field(default=None, repr=False)
    #: What happens when the run completes: "succeeded" or "failed".
    outcome: str = "succeeded"
    error: str | None = None
    #: A user cancel, a ``cancel`` fault, a ``Cancel-After`` deadline.
    canceled_at: float | None = None
    forced_cancel_at: float | None = None
    deadline: float | None = None
    credits: int = 0
    #: the input as the prediction JSON shows it back (None: as it was sent)
    echoed_input: dict[str, Any] | None = None
    logs_prefix: list[str] = field(default_factory=list)
    outputs: list[StoredOutput] | None = None
    #: Set by the ``expired`` fault: outputs gone regardless of the TTL.
    data_removed_forced: bool = False
    render_task: asyncio.Future[list[RenderedFile]] | None = field(default=None, repr=False)

    @property
    def start(self) -> float:
        return self.created + self.queue_s

    @property
    def end(self) -> float:
        return self.start + self.run_s

    def state(self, now: float | None = None) -> JobState:
        now = time.time() if now is None else now
        stops: list[tuple[float, str]] = []
        if self.canceled_at is not None:
            stops.append((self.canceled_at, "canceled"))
        if self.forced_cancel_at is not None:
            stops.append((self.forced_cancel_at, "canceled"))
        if self.deadline is not None:
            stops.append((self.deadline, "aborted" if self.deadline < self.start else "canceled"))
        stops = [s for s in stops if s[0] < self.end]
        if stops:
            at, kind = min(stops)
            if now >= at:
                return JobState(kind, self.start if at >= self.start else None, at)
        if now < self.start:
            return JobState("starting", None, None)
        if now < self.end:
            return JobState("processing", self.start, None)
        return JobState(self.outcome, self.start, self.end)

    @property
    def status(self) -> str:
        """The status right now (Replicate vocabulary)."""
        return self.state().status

    def is_running(self, now: float | None = None) -> bool:
        return not self.state(now).terminal

    def data_removed(self, now: float | None = None) -> bool:
        if self.data_removed_forced:
            return True
        if self.outputs:
            return any(o.expired(now) for o in self.outputs)
        return False

    def progress(self, now: float | None = None) -> float:
        now = time.time() if now is None else now
        if self.run_s <= 0:
            return 1.0 if now >= self.start else 0.0
        return min(1.0, max(0.0, (now - self.start) / self.run_s))


def aiml_status(status: str) -> str:
    """Replicate vocabulary → AIML video vocabulary."""
    return {
        "starting": "queued",
        "processing": "generating",
        "succeeded": "completed",
    }.get(status, "error")


class JobStore:
    """All jobs of one provider; thread-safe so tests can inspect them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def snapshot(self) -> dict[str, Job]:
        with self._lock:
            return dict(self._jobs)

    def newest_first(self) -> list[Job]:
        with self._lock:
            jobs = list(self._jobs.values())
        return sorted(jobs, key=lambda j: j.created, reverse=True)

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)
