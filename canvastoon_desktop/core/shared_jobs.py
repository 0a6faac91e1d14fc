"""Several runs on one library asking for the same paid work at once.

Two processes (or two runs of one process, or two items of one node that ask the very same
thing) may reach the same request together. The journal says who works on an open job
(``JobRecord.owner``, kept fresh by a heartbeat); the library refuses a second create of
the same request with ``JobBusy`` while that owner lives. The run that got ``JobBusy``
waits here until the job settles, then either adopts what it delivered (its outputs are
named in the journal the moment the call returns) or — the first run failed, was
cancelled, or died — carries on itself: resuming the job when it is still open, sending
the request only when nothing was sent. Never a second create, never a failure that
tells the artist to pay again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .generation import GeneratedOutput
from .library import JobRecord, Library
from .status import JobStatus

__all__ = ["adopt_delivered", "delivered_info", "wait_until_settled"]

#: how often a waiting run looks at the job it waits for (seconds, growing to the cap)
_FIRST_LOOK_S = 0.1
_LOOK_CAP_S = 1.0


async def wait_until_settled(
    library: Library, job: JobRecord, report: Callable[[str], Any]
) -> JobRecord | None:
    """Wait while a live run other than ours works on ``job``; returns the job as it is
    then (None if its row is gone). A job already settled is returned at once."""
    current: JobRecord | None = job
    delay = _FIRST_LOOK_S
    while current is not None and current.is_open and library.is_held_elsewhere(current):
        if delay == _FIRST_LOOK_S:
            report("waiting: another run is making this very request")
        await asyncio.sleep(delay)
        delay = min(_LOOK_CAP_S, delay * 1.5)
        current = await asyncio.to_thread(library.job, job.id)
    return current


def delivered_info(output: GeneratedOutput) -> dict[str, Any]:
    """What a finished call made, as the journal keeps it for a run that adopts the job."""
    return {
        "assets": [a.sha256 for a in output.assets],
        "cost_usd": output.cost_usd,
        "cost_source": output.cost_source,
        "job_id": output.job_id,
    }


def adopt_delivered(library: Library, job: JobRecord) -> tuple[GeneratedOutput, float] | None:
    """The outputs ``job`` delivered, if every one of them is in the library: (output, money
    already recorded for it). A job that closed ``done`` was recorded by the run that made
    it, so adopting it costs this run nothing; an open one (its run died before recording
    the result) is recorded by the adopter, less what was already charged."""
    delivered = job.info.get("delivered")
    if not isinstance(delivered, dict) or not isinstance(delivered.get("assets"), list):
        return None
    assets = []
    for sha in delivered["assets"]:
        asset = library.asset(sha) if isinstance(sha, str) else None
        if asset is None or not library.has_content(asset):
            return None
        assets.append(asset)
    cost = delivered.get("cost_usd")
    cost = float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None
    job_id = delivered.get("job_id") if isinstance(delivered.get("job_id"), str) else job.job_id
    if job.state == JobStatus.DONE:
        return GeneratedOutput(assets, 0.0, "made by another run", job_id, {"queue_s": 0.0}), 0.0
    charged = job.info.get("charged_usd", 0.0)
    charged = float(charged) if isinstance(charged, int | float) else 0.0
    source = delivered.get("cost_source") if isinstance(delivered.get("cost_source"), str) else None
    return GeneratedOutput(assets, cost, source, job_id, {"queue_s": 0.0}), charged
