"""Retrying without ever paying twice.

Two rules, one per kind of request:

:func:`retry_transient` — for requests that cost nothing and change nothing at the provider
(polls, downloads, listings, file uploads): a transient failure (429, 5xx, a dropped
connection, a timeout, a truncated answer) is tried again after an exponential backoff with
±20 % jitter, waiting what ``Retry-After`` asks when the provider says.

:func:`send_create` — for a request that starts paid work. It is sent again only when the
provider certainly did not act on it: a 429 (rate limited: not accepted, so nothing was
made) or a connection that never opened. After a 429 it waits as long as the provider asks
(``Retry-After``, or the reset its answer names: Replicate's "Your rate limit resets in
~30s."), backing off itself when it names none, for at most ``max_rate_limit_wait_s`` in all. A definite refusal (4xx) is raised as is, and so is an answer that came
but cannot be read (:class:`BadOutput`: the work was done; the caller decides). Anything
else that may have been processed — a 5xx, a connection dropped after the request went
out, a timeout — becomes :class:`OutcomeUnknown`: the caller reconciles (Replicate lists
recent predictions) or reports it (AIML has no lookup). Nothing is sent blindly.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from .errors import BadOutput, OutcomeUnknown, ProviderError, RateLimited, the

__all__ = ["RetryPolicy", "retry_transient", "send_create"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to try again."""

    attempts: int = 6  # tries in all, the first included
    base_s: float = 0.5  # the first backoff; doubles per try
    cap_s: float = 20.0  # longest backoff we choose ourselves
    max_retry_after_s: float = 90.0  # longest wait a provider may ask for
    jitter: float = 0.2
    #: how long a rate-limited create waits in all before it is given up (Replicate resets
    #: its limits about every 30 s)
    max_rate_limit_wait_s: float = 180.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 0)."""
        if retry_after is not None:
            wanted = min(max(0.0, retry_after), self.max_retry_after_s)
            return wanted + random.uniform(0, self.jitter * max(wanted, self.base_s))
        backoff = min(self.cap_s, self.base_s * 2.0**attempt)
        return backoff * random.uniform(1 - self.jitter, 1 + self.jitter)

    def rate_limit_wait(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after a create's 429: what the provider asked for (a little more,
        so many clients do not come back at once), else our own backoff."""
        if retry_after is None:
            return self.delay(attempt)
        wanted = max(0.0, retry_after)
        return wanted + random.uniform(0, self.jitter * max(wanted, self.base_s) / 2)


async def retry_transient(
    fn: Callable[[], Awaitable[T]], policy: RetryPolicy, *, what: str = "request"
) -> T:
    """Call ``fn`` until it succeeds, retrying transient ProviderErrors with backoff."""
    attempt = 0
    while True:
        try:
            return await fn()
        except ProviderError as exc:
            attempt += 1
            if not exc.transient or attempt >= policy.attempts:
                raise
            wait = policy.delay(attempt - 1, exc.retry_after)
            log.info("%s failed (%s); retrying in %.1f s", what, exc, wait)
            await asyncio.sleep(wait)


async def send_create(
    fn: Callable[[], Awaitable[T]], policy: RetryPolicy, *, service: str, hint: str = ""
) -> T:
    """Send a create; retried only when it certainly was not processed (see module doc).

    Raises the provider's definite refusal as is, RateLimited when the provider kept
    refusing with 429 for longer than the policy waits, BadOutput when it answered but the
    answer cannot be read (it was processed; the caller decides), and OutcomeUnknown when
    the request may have been acted on but no answer came (``hint`` ends its message: what
    the artist can do).
    """
    attempt = 0
    limited = 0  # 429s so far, and the seconds waited for them
    waited = 0.0
    while True:
        try:
            return await fn()
        except RateLimited as exc:
            wait = policy.rate_limit_wait(limited, exc.retry_after)
            limited += 1
            if waited + wait > policy.max_rate_limit_wait_s:
                asked = (
                    ""
                    if exc.retry_after is None
                    else f" as it asked, and it asks for {exc.retry_after:.0f} s more"
                )
                raise RateLimited(
                    f"{the(service)} kept rate limiting the request (429): waited "
                    f"{waited:.0f} s{asked}; a rate-limited request is not taken, so nothing "
                    "was made or charged. Try again in a few minutes.",
                    status=429,
                    retry_after=exc.retry_after,
                ) from exc
            waited += wait
            log.info("create at %s rate limited (%s); sending again in %.1f s", service, exc, wait)
            await asyncio.sleep(wait)
        except ProviderError as exc:
            attempt += 1
            not_processed = not exc.maybe_processed
            if not_processed and exc.transient and attempt < policy.attempts:
                wait = policy.delay(attempt - 1, exc.retry_after)
                log.info("create at %s not taken (%s); sending again in %.1f s", service, exc, wait)
                await asyncio.sleep(wait)
                continue
            if not_processed or isinstance(exc, BadOutput) or not exc.maybe_processed:
                raise  # refused, rate limited for good, never sent, or answered unreadably
            raise OutcomeUnknown(
                f"{the(service)} did not confirm the request ({exc}); it may have been "
                f"charged, so it was not sent again.{' ' + hint if hint else ''}",
                status=exc.status,
            ) from exc
