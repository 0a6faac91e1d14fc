"""Polling a provider job gently until it ends.

One poll per ``interval`` (1 s by default) with ±20 % jitter, so fifty jobs started together
do not poll in lockstep; after ``30 × interval`` of waiting the interval grows steadily to
``5 × interval`` (a two-minute video is polled a few dozen times, not a hundred). The
overall timeout counts processing time only — time spent queued at the provider is not the
job's fault (ComfyUI's ``comfy_api_nodes`` polling does the same) — with a hard cap on the
total so a job stuck in a queue forever still ends.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from canvastoon_desktop.core.generation import JobControl

from .errors import ProviderError, Rejected, Timeout, the
from .retry import RetryPolicy, retry_transient

__all__ = ["PollSchedule", "PollStatus", "poll_until_done"]

S = TypeVar("S")

#: the total wait (queue included) is capped at this many times the processing timeout
QUEUE_CAP_FACTOR = 4.0


@dataclass(frozen=True)
class PollSchedule:
    interval_s: float = 1.0
    jitter: float = 0.2
    slow_after: float = 30.0  # in intervals
    slow_factor: float = 5.0  # the longest gap, in intervals
    ramp: float = 90.0  # intervals over which the gap grows to its longest

    def delay(self, waited_s: float) -> float:
        """Seconds until the next poll of a job that has been waited on for ``waited_s``."""
        interval = max(0.01, self.interval_s)
        late = max(0.0, waited_s / interval - self.slow_after)
        factor = min(self.slow_factor, 1.0 + (self.slow_factor - 1.0) * late / self.ramp)
        return interval * factor * random.uniform(1 - self.jitter, 1 + self.jitter)


@dataclass(frozen=True)
class PollStatus:
    """What one poll says, in provider-neutral terms."""

    status: str  # the provider's word, shown on the node
    running: bool  # False while queued / starting
    done: bool  # a terminal state (success or not)
    fraction: float | None = None


@dataclass
class Polled(Generic[S]):
    state: S
    status: PollStatus


async def poll_until_done(
    fetch: Callable[[], Awaitable[S]],
    read: Callable[[S], PollStatus],
    job: JobControl,
    *,
    schedule: PollSchedule,
    policy: RetryPolicy,
    timeout_s: float,
    service: str,
    first: S | None = None,
) -> Polled[S]:
    """Poll ``fetch`` until ``read`` says the job ended; report progress on the way.

    ``first`` is a state already known (the create's answer): the first poll then waits an
    interval. Errors a poll keeps getting after retries are raised marked ``retryable``
    (the job may well live on: the journal keeps it for the next run to resume), and so is
    the timeout; a refusal (4xx, e.g. an unknown job id) is not.
    """
    started = time.monotonic()
    processing_since: float | None = None
    state = first
    while True:
        if state is None:
            try:
                state = await retry_transient(fetch, policy, what=f"polling {service}")
            except Rejected:
                raise  # e.g. 404: the provider does not know the job; nothing to resume
            except ProviderError as exc:
                exc.retryable = True  # the job may live on: keep it journaled for resume
                raise
        status = read(state)
        job.progress(status.status, status.fraction, running=status.running)
        if status.done:
            return Polled(state, status)
        now = time.monotonic()
        if status.running and processing_since is None:
            processing_since = now
        processing = now - processing_since if processing_since is not None else 0.0
        if processing > timeout_s or now - started > timeout_s * QUEUE_CAP_FACTOR:
            raise Timeout(
                f"the job at {the(service)} ran longer than {_minutes(timeout_s)}; it is left "
                "running and will be picked up again on the next run",
                retryable=True,
            )
        await asyncio.sleep(schedule.delay(now - started))
        state = None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"
