"""What the executor tells its subscribers: the CLI's progress bars and the canvas.

The unit of work is a node × item: ``item`` is None for a node that runs once, or the index
of the list item (a shot) it works on.

A view that listens gets several events a node (queued, started, done, settled): they are
built by ``fast_frozen_init``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .assets import Value
from .frozen_init import fast_frozen_init
from .status import NodeStatus, RunStatus


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class RunEvent:
    run_id: str


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class RunStarted(RunEvent):
    node_ids: tuple[str, ...]
    quote: Any = None  # pricing.Quote


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeEvent(RunEvent):
    node_id: str
    item: int | None


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeItems(NodeEvent):
    """A node fed a list runs once per item: this says how many (sent with item=None)."""

    count: int


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeQueued(NodeEvent):
    pass


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeStarted(NodeEvent):
    eta_s: float | None = None


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class JobSubmitted(NodeEvent):
    provider: str
    job_id: str
    resumed: bool = False


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeProgress(NodeEvent):
    status: str  # the provider's word: queued, starting, processing, generating, ...
    elapsed_s: float
    eta_s: float | None = None
    fraction: float | None = None


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeDone(NodeEvent):
    outputs: dict[str, Value]
    cost_usd: float = 0.0
    cost_source: str | None = None
    queue_s: float | None = None
    run_s: float | None = None
    job_id: str | None = None
    note: str | None = None


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeCached(NodeEvent):
    outputs: dict[str, Value]
    pinned: bool = False


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeFailed(NodeEvent):
    kind: str  # see generation.ErrorKind
    message: str
    retryable: bool = False


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeSkipped(NodeEvent):
    reason: str


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeCancelled(NodeEvent):
    pass


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class NodeSettled(NodeEvent):
    """A node (all its items) is finished."""

    status: NodeStatus
    outputs: dict[str, Value] = field(default_factory=dict)
    cost_usd: float = 0.0
    message: str | None = None


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class RunFinished(RunEvent):
    status: RunStatus
    cost_usd: float
    counts: dict[str, int]
    wall_s: float
