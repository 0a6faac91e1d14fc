"""Paid creates land even when their node is cancelled.

A create that has left the machine may already be running, and billed, at the provider.
Cancelling the node at that moment must neither orphan the job nor lose its id: the create
and the journaling of its id run to their end (shielded, for a bounded time), and then the
adapter deals with what was made — Replicate cancels the prediction, AIML keeps its video
journaled so the next run collects it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["LANDING_TIMEOUT_S", "create_and_journal"]

T = TypeVar("T")

#: how long a cancelled node waits for its create's answer (and then for its clean-up)
LANDING_TIMEOUT_S = 10.0


async def create_and_journal(
    create: Callable[[], Awaitable[T]],
    when_cancelled: Callable[[T], Awaitable[None]],
    *,
    timeout_s: float = LANDING_TIMEOUT_S,
) -> T:
    """Run ``create`` (send the create, then journal its id) to its end.

    If the caller is cancelled meanwhile, wait up to ``timeout_s`` for ``create`` to finish,
    hand what it made to ``when_cancelled`` (bounded by the same time) and re-raise the
    cancellation. A create that never answers in that time is abandoned: nothing is known
    about it, exactly as if the connection had dropped.
    """
    landing = asyncio.ensure_future(create())
    try:
        return await asyncio.shield(landing)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            made = await asyncio.wait_for(asyncio.shield(landing), timeout_s)
            await asyncio.wait_for(
                asyncio.shield(asyncio.ensure_future(when_cancelled(made))), timeout_s
            )
        if not landing.done():
            landing.cancel()
        raise
