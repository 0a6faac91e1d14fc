"""Every status the app writes or shows, one enum per concept.

They are ``StrEnum``s: a member equals (and prints, hashes, JSON-encodes and binds to SQLite
as) its word, so graph files, ``--json`` output and the library keep the words they had.
"""

from __future__ import annotations

from enum import StrEnum


class ItemStatus(StrEnum):
    """What the plan decided for one node × item."""

    CACHED = "cached"
    PINNED = "pinned"
    RUN = "run"
    SKIP = "skip"  # its upstream item failed
    LOOKUP = "lookup"  # only while planning: the cache decides


class PlanStatus(StrEnum):
    """What the plan decided for a node."""

    SOURCE = "source"  # made from its own parameters (a prompt, a file)
    CACHED = "cached"
    PINNED = "pinned"
    RUN = "run"
    PARTIAL = "partial"  # some items cached, the rest run
    WAITING = "waiting"  # its inputs come from nodes that run first
    INVALID = "invalid"


class NodeStatus(StrEnum):
    """How a node (all its items) ended in a run: ``NodeOutcome``, ``NodeSettled``, the
    library's ``RunNode`` rows."""

    DONE = "done"
    CACHED = "cached"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class RunStatus(StrEnum):
    """How a run stands: the library's ``runs.status``, ``RunFinished``, ``RunSummary``."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUSED = "refused"  # stopped before it started: problems, price or budget


class JobStatus(StrEnum):
    """A provider job in the journal (``jobs.state``)."""

    CREATING = "creating"  # the request may be on the wire
    SUBMITTED = "submitted"  # the provider gave a job id
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    #: a create whose outcome could not be established, that the provider can be asked about
    UNKNOWN = "unknown"
    #: one it cannot be asked about: the next run sends the work again
    POSSIBLY_CHARGED = "possibly_charged"


class DisplayState(StrEnum):
    """What a node shows on the canvas and in the progress lines."""

    IDLE = "idle"  # never run
    READY = "ready"  # a source
    STALE = "stale"  # shows a result that no longer matches its inputs or parameters
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CACHED = "cached"
    PINNED = "pinned"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


#: the plan statuses of a node that will run
WILL_RUN = frozenset({PlanStatus.RUN, PlanStatus.PARTIAL, PlanStatus.WAITING})
#: a job the provider may still be working on
OPEN_JOBS = frozenset({JobStatus.CREATING, JobStatus.SUBMITTED, JobStatus.UNKNOWN})
#: a node of the running run that has not finished
ACTIVE = frozenset({DisplayState.QUEUED, DisplayState.RUNNING})
#: a node with a result of this run or of the cache
MADE = frozenset({DisplayState.DONE, DisplayState.CACHED, DisplayState.PINNED})
FINISHED = MADE | {DisplayState.FAILED, DisplayState.CANCELLED, DisplayState.SKIPPED}
