"""Faults that act on a job rather than on a single HTTP exchange."""

from __future__ import annotations

import time

from .jobs import Job
from .outputs import OutputStore

__all__ = ["FAIL_MESSAGE", "apply_job_fault"]

FAIL_MESSAGE = "Simulated failure: CUDA error: out of memory (the model crashed while running)"


def apply_job_fault(job: Job, kind: str | None, outputs: OutputStore, *, at_create: bool) -> None:
    """``fail`` / ``cancel`` / ``expired`` applied to ``job`` (no-op for other kinds).

    At creation a ``cancel`` lands halfway through the run, as if someone pressed Cancel
    on the website; on a later request it lands now. ``fail`` takes effect when the run
    ends. Both leave a job that already finished untouched.
    """
    if kind is None:
        return
    now = time.time()
    if kind == "fail" and (at_create or job.is_running(now)):
        job.outcome = "failed"
        job.error = FAIL_MESSAGE
    elif kind == "cancel" and (at_create or job.is_running(now)):
        job.forced_cancel_at = job.start + job.run_s / 2 if at_create else now
    elif kind == "expired":
        job.data_removed_forced = True
        if job.outputs:
            outputs.expire([o.token for o in job.outputs])
