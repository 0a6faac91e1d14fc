"""The two retry rules: transient trouble on free requests is retried with backoff; a create
is sent again only when the provider certainly did not act on it."""

from __future__ import annotations

import asyncio
import time

import pytest

from canvastoon_desktop.providers.errors import (
    BadOutput,
    OutcomeUnknown,
    ProviderError,
    ProviderFailure,
    RateLimited,
    Rejected,
    Timeout,
)
from canvastoon_desktop.providers.retry import RetryPolicy, retry_transient, send_create

POLICY = RetryPolicy(
    attempts=4, base_s=0.01, cap_s=0.05, max_retry_after_s=0.3, max_rate_limit_wait_s=0.3
)


def flaky(*errors: ProviderError):
    """A call that raises ``errors`` in turn, then answers "ok"; counts its calls."""
    calls = []

    async def call() -> str:
        calls.append(time.monotonic())
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "ok"

    return call, calls


def lost() -> ProviderFailure:
    return ProviderFailure("the connection broke", transient=True, maybe_processed=True)


def never_sent() -> ProviderFailure:
    return ProviderFailure("could not connect", transient=True, maybe_processed=False)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=4.0)
    for attempt, expected in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 4.0)]:
        delays = [policy.delay(attempt) for _ in range(100)]
        assert expected * 0.8 <= min(delays) and max(delays) <= expected * 1.2


def test_retry_after_is_honoured_up_to_a_limit() -> None:
    policy = RetryPolicy(max_retry_after_s=30)
    assert 7.0 <= policy.delay(0, retry_after=7.0) <= 7.0 + 0.2 * 7
    assert policy.delay(0, retry_after=3600) <= 30 * 1.2


def test_transient_failures_of_free_requests_are_retried() -> None:
    call, calls = flaky(lost(), RateLimited("429"), Timeout("slow"))
    assert asyncio.run(retry_transient(call, POLICY)) == "ok"
    assert len(calls) == 4


def test_retrying_gives_up_after_the_attempts() -> None:
    call, calls = flaky(*[lost()] * 10)
    with pytest.raises(ProviderFailure):
        asyncio.run(retry_transient(call, POLICY))
    assert len(calls) == POLICY.attempts


def test_a_refusal_is_not_retried() -> None:
    call, calls = flaky(Rejected("bad prompt"))
    with pytest.raises(Rejected):
        asyncio.run(retry_transient(call, POLICY))
    assert len(calls) == 1


def test_a_rate_limited_create_is_sent_again_after_the_wait_asked_for() -> None:
    call, calls = flaky(RateLimited("429", retry_after=0.2))
    assert asyncio.run(send_create(call, POLICY, service="AIML API")) == "ok"
    assert calls[1] - calls[0] >= 0.2


def test_a_create_that_never_left_is_sent_again() -> None:
    call, calls = flaky(never_sent(), never_sent())
    assert asyncio.run(send_create(call, POLICY, service="AIML API")) == "ok"
    assert len(calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        lost(),
        Timeout("no answer", maybe_processed=True),
        ProviderFailure("the AIML API failed (500)", transient=True, maybe_processed=True),
    ],
)
def test_a_create_that_may_have_been_processed_is_not_sent_again(error: ProviderError) -> None:
    call, calls = flaky(error)
    with pytest.raises(OutcomeUnknown) as info:
        asyncio.run(send_create(call, POLICY, service="AIML API", hint="Re-roll it."))
    assert len(calls) == 1
    assert str(info.value).startswith("the AIML API did not confirm the request (")
    assert str(info.value).endswith("may have been charged, so it was not sent again. Re-roll it.")
    assert info.value.__cause__ is error


@pytest.mark.parametrize("error", [Rejected("bad"), BadOutput("unreadable", maybe_processed=True)])
def test_definite_answers_to_a_create_are_raised_as_they_are(error: ProviderError) -> None:
    call, calls = flaky(error)
    with pytest.raises(type(error)):
        asyncio.run(send_create(call, POLICY, service="Replicate"))
    assert len(calls) == 1


def recorded_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds each retry asks to wait, in turn; nothing is actually waited."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return waits


def test_a_create_rate_limited_for_good_ends_rate_limited_after_the_wait_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits = recorded_waits(monkeypatch)
    call, calls = flaky(*[RateLimited("429")] * 100)
    with pytest.raises(RateLimited, match="kept rate limiting the request"):
        asyncio.run(send_create(call, POLICY, service="Replicate"))
    assert sum(waits) <= POLICY.max_rate_limit_wait_s
    assert sum(waits) > POLICY.max_rate_limit_wait_s - POLICY.cap_s * (1 + POLICY.jitter)
    assert len(calls) > POLICY.attempts  # bounded by the time waited, not by a count


def test_a_rate_limited_create_waits_longer_than_its_own_backoff_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits = recorded_waits(monkeypatch)
    call, calls = flaky(RateLimited("429", retry_after=0.25), RateLimited("429", retry_after=0))
    assert asyncio.run(send_create(call, POLICY, service="Replicate")) == "ok"
    assert waits[0] >= 0.25 > POLICY.cap_s
    assert len(calls) == 3


def test_a_reset_beyond_the_wait_allowed_is_not_waited_for() -> None:
    call, calls = flaky(RateLimited("429", retry_after=30))
    with pytest.raises(RateLimited, match="asks for 30 s more"):
        asyncio.run(send_create(call, POLICY, service="Replicate"))
    assert len(calls) == 1
