"""The AIML async-generation protocol that video and music share.

``POST route`` answers with the generation's id, which is journaled before anything else;
``GET route?generation_id=ID`` is polled until the generation ends; what it made is
downloaded from a signed link, asked for once more when that link has expired. AIML can
neither look a generation up without its id nor cancel one, so a create whose answer (or
id) was lost is settled once as possibly charged (the estimate) and reported as
OutcomeUnknown; it is not sent again unless the artist runs it again.

AIML reports the charge in ``meta.usage`` where the model's documents put it — Hailuo in
the create answer (its completed poll has no meta), Eleven Music in the completed poll —
so it is read from either: a create answer's charge is journaled with the id, and a run
that resumes the job still knows it (``submitted_info``, ``reported_usd``).

A generation cancelled in the app runs on at AIML and is billed: it is booked (as AIML
reported it, else at the quote's max) and stays journaled, so the next run collects it.
Each adapter keeps what is its own: the request body and where the answer names its output.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx

from canvastoon_desktop.core.generation import JobControl

from .errormap import AIML, httpx_errors, status_error
from .errors import (
    BadOutput,
    Cancelled,
    OutcomeUnknown,
    OutputsExpired,
    ProviderError,
    ProviderFailure,
    Rejected,
    provider_reason,
)
from .landing import create_and_journal
from .polling import PollStatus, poll_until_done
from .reported import aiml_credits
from .retry import retry_transient, send_create
from .service import Service, charge_lost, settle_lost_create, unconfirmed

__all__ = [
    "AimlGenerations",
    "generation_failure",
    "generation_status",
    "json_object",
    "json_or_none",
]

T = TypeVar("T")
QUEUED = frozenset({"queued", "waiting", "pending", "starting"})
RUNNING = frozenset({"generating", "active", "processing", "in_progress"})
DONE = frozenset({"completed", "succeeded", "success"})
FAILED = frozenset({"error", "failed", "canceled", "cancelled"})


class AimlGenerations:
    """One AIML generation route (``/v2/video/generations``, ``/v2/generate/audio``):
    ``what`` names its product in messages ("video", "music"), ``id_keys`` where the create
    answer may put the id, ``cancelled`` what the ledger says of one cancelled in the app."""

    def __init__(
        self,
        service: Service,
        route: str,
        what: str,
        id_keys: Sequence[str] = ("id",),
        *,
        cancelled: str,
    ) -> None:
        self.service = service
        self.route = route
        self.what = what
        self.id_keys = tuple(id_keys)
        self.cancelled = cancelled

    async def post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
        """One create request, its errors mapped (no retry: see ``send``)."""
        with httpx_errors(AIML):
            response = await client.post(self.route, json=body)
            if response.status_code >= 400:
                raise status_error(
                    AIML, response.status_code, json_or_none(response), headers=response.headers
                )
            return json_object(response.json())

    async def resume_or_create(
        self,
        job: JobControl,
        estimate_usd: float,
        create: Callable[[], Awaitable[tuple[str, dict[str, Any]]]],
    ) -> tuple[str, dict[str, Any] | None]:
        """The generation to follow: an earlier run's (by its journaled id), else a new one
        (``create`` sends it and journals its id; its answer is the first state known). An
        earlier run's create that never got its id back is settled, not sent again."""
        previous = job.previous
        if previous is not None and previous.job_id:
            return previous.job_id, None
        if previous is not None:  # its create's answer (the id) never came back
            raise await settle_lost_create(
                job,
                estimate_usd,
                AIML,
                f"an earlier run sent this {self.what} and stopped before its id came back",
            )
        return await create()

    async def send(
        self, client: httpx.AsyncClient, body: dict[str, Any], job: JobControl, estimate_usd: float
    ) -> tuple[str, dict[str, Any]]:
        """Send the create (retried only when it certainly was not processed) and read the
        generation's id from its answer; the caller journals it at once. A create that may
        have been acted on but left no id to follow is settled at ``estimate_usd``."""
        try:
            answer = await send_create(
                lambda: self.post(client, body), self.service.policy, service=AIML
            )
        except OutcomeUnknown as exc:
            raise await settle_lost_create(job, estimate_usd, AIML, unconfirmed(AIML, exc)) from exc
        except BadOutput as exc:  # it was created, but its answer (and id) is unreadable
            raise await settle_lost_create(
                job, estimate_usd, AIML, f"{exc}, so the {self.what} cannot be followed"
            ) from exc
        generation_id = next((answer[k] for k in self.id_keys if answer.get(k)), None)
        if not isinstance(generation_id, str) or not generation_id:
            raise await settle_lost_create(
                job,
                estimate_usd,
                AIML,
                f"the AIML API accepted the {self.what} but gave no id to follow it by",
            )
        return generation_id, answer

    async def create(
        self, client: httpx.AsyncClient, body: dict[str, Any], job: JobControl, estimate_usd: float
    ) -> tuple[str, dict[str, Any]]:
        """Journal the create, send it and journal the generation's id with the charge its
        answer reported (Hailuo's: its completed poll has no meta), so a run that resumes
        the job still knows it. Cancelled while on the wire, it lands and is kept."""

        async def send_and_journal() -> tuple[str, dict[str, Any]]:
            generation_id, answer = await self.send(client, body, job, estimate_usd)
            await job.submitted(generation_id, self.submitted_info(answer))
            return generation_id, answer

        await job.creating({"route": self.route})
        return await create_and_journal(
            send_and_journal, lambda made: self.keep_for_next_run(job, made[1])
        )

    async def keep_for_next_run(self, job: JobControl, answer: dict[str, Any] | None) -> None:
        """AIML cannot cancel a generation: it runs on and is billed. Record the spend (as
        AIML reported it, else the quote's max) and keep the job journaled, so the next run
        collects what it paid for."""
        job.keep_open()
        await asyncio.shield(charge_lost(job, self.reported_usd(job, answer)[0], self.cancelled))

    def submitted_info(self, answer: dict[str, Any]) -> dict[str, Any]:
        """What is journaled with the generation's id: the route, and the charge when the
        create answer reports it (as text when it is not finite: the journal is JSON)."""
        info: dict[str, Any] = {"route": self.route}
        credits, said = aiml_credits(answer)
        if credits is not None:
            info["reported_credits"] = credits if math.isfinite(credits) else str(credits)
            info["reported"] = said
        return info

    def reported_usd(
        self, job: JobControl, *answers: dict[str, Any] | None
    ) -> tuple[float | None, str | None]:
        """The charge AIML reported for this generation, in USD, and as it said it: in the
        first of ``answers`` (polls, the create answer) that carries one, or, for a job an
        earlier run created, as journaled then. (None, None): AIML did not say."""
        prices = self.service.prices
        for answer in answers:
            credits, said = aiml_credits(answer)
            if credits is not None:
                return prices.credits_to_usd(credits), said
        info = job.previous.info if job.previous is not None else {}
        journaled = _journaled_credits(info)
        if journaled is not None:
            return prices.credits_to_usd(journaled), str(info.get("reported"))
        return None, None

    async def fetch(self, client: httpx.AsyncClient, generation_id: str) -> dict[str, Any]:
        """The generation's state now (one request)."""
        with httpx_errors(AIML):
            response = await client.get(self.route, params={"generation_id": generation_id})
            if response.status_code == 404:
                raise Rejected(
                    f"the AIML API does not know {self.what} {generation_id} (404); it "
                    "may belong to another account or key"
                )
            if response.status_code >= 400:
                raise status_error(
                    AIML, response.status_code, json_or_none(response), headers=response.headers
                )
            return json_object(response.json())

    async def poll(
        self,
        client: httpx.AsyncClient,
        job: JobControl,
        generation_id: str,
        first: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Poll until the generation ends, reporting progress on the way: its completed
        state, or the error its failed state describes. Cancelled in the app, it is kept
        for the next run (``first``: the create answer, with any charge it reported)."""
        service = self.service
        try:
            polled = await poll_until_done(
                lambda: self.fetch(client, generation_id),
                generation_status,
                job,
                schedule=service.schedule,
                policy=service.policy,
                timeout_s=service.setup.timeout_s,
                service=AIML,
                first=first,
            )
        except asyncio.CancelledError:
            await self.keep_for_next_run(job, first)
            raise
        if polled.status.status in FAILED:
            raise generation_failure(polled.state, self.what)
        return polled.state

    async def download(
        self,
        client: httpx.AsyncClient,
        generation_id: str,
        state: dict[str, Any],
        fetch_output: Callable[[dict[str, Any]], Awaitable[T]],
    ) -> T:
        """``fetch_output(state)``; when its signed link has expired, once more with the
        link a fresh poll gives."""
        try:
            return await fetch_output(state)
        except OutputsExpired:
            pass
        fresh = await retry_transient(
            lambda: self.fetch(client, generation_id),
            self.service.policy,
            what="polling the AIML API",
        )
        try:
            return await fetch_output(fresh)
        except OutputsExpired:
            raise OutputsExpired(
                f"the {self.what} was made but its download link expired before it could "
                "be downloaded"
            ) from None


def generation_status(state: dict[str, Any]) -> PollStatus:
    status = str(state.get("status") or "").lower()
    if status in DONE:
        return PollStatus(status, True, True, 1.0)
    if status in FAILED:
        return PollStatus(status, False, True)
    return PollStatus(status or "queued", status in RUNNING, False)


def generation_failure(state: dict[str, Any], what: str) -> ProviderError:
    """The error a failed (or cancelled) generation's state describes."""
    error = state.get("error")
    if not isinstance(error, dict):
        error = {}
    name = str(error.get("name") or "")
    reason = provider_reason(error) or "no reason given"
    if "cancel" in name.lower() or str(state.get("status")).lower() in ("canceled", "cancelled"):
        return Cancelled(f"the {what} was cancelled at the AIML API: {reason}")
    return ProviderFailure(f"the AIML API could not make the {what}: {reason}")


def _journaled_credits(info: Any) -> float | None:
    value = info.get("reported_credits") if isinstance(info, dict) else None
    if isinstance(value, str):  # a non-finite report, kept as text in the JSON journal
        try:
            return float(value)
        except ValueError:
            return math.nan
    return float(value) if isinstance(value, int | float) else None


def json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadOutput(
            "the AIML API answered with something other than a JSON object",
            transient=True,
            maybe_processed=True,
        )
    return value


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
