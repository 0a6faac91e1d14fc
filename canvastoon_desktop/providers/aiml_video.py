"""AIML video (Hailuo 2.3 Fast): ``POST /v2/video/generations``, then poll it by id.

The create answers with an id (``id``, or ``generation_id`` in the docs' example) that is
journaled before the first poll, so a later run resumes the job instead of paying again.
AIML has no way to look a generation up without its id and no way to cancel one: a lost
create answer is reported once as OutcomeUnknown, with the estimate recorded as possibly
charged (the next run sends it again), and a video cancelled in the app keeps running (and
is billed) at AIML — it stays journaled, and the next run collects it.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.generation import GeneratedOutput, JobControl, ModelCall

from .capped import capped_transport
from .clients import LoopLocal
from .downloads import Downloaded
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
from .inputs import data_uri, read_image, to_png_or_jpeg
from .landing import create_and_journal
from .polling import PollStatus, poll_until_done
from .reported import aiml_credits
from .retry import retry_transient, send_create
from .service import Service, charge_lost, settle_lost_create, unconfirmed

__all__ = ["AimlVideo", "aiml_root_url"]

ROUTE = "/v2/video/generations"
MAX_PROMPT = 2000
QUEUED = frozenset({"queued", "waiting", "pending", "starting"})
RUNNING = frozenset({"generating", "active", "processing", "in_progress"})
DONE = frozenset({"completed", "succeeded", "success"})
FAILED = frozenset({"error", "failed", "canceled", "cancelled"})


def aiml_root_url(base_url: str) -> str:
    """The AIML root for ``/v2`` routes: the SDK's base URL without its ``/v1``."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


class AimlVideo:
    def __init__(self, service: Service) -> None:
        self.service = service
        root = aiml_root_url(service.setup.aiml_base_url)
        self._clients: LoopLocal[httpx.AsyncClient] = LoopLocal(
            lambda key: httpx.AsyncClient(
                base_url=root,
                headers={"Authorization": f"Bearer {key}"},
                timeout=httpx.Timeout(120.0, connect=15.0),
                transport=capped_transport(httpx, AIML),
            ),
            lambda client: client.aclose(),
            "aiml-video",
        )

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def generate(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        client = self._clients.get(self.service.key())
        previous = job.previous
        first: dict[str, Any] | None = None
        if previous is not None and previous.job_id:
            generation_id = previous.job_id
        elif previous is not None:  # its create's answer (the id) never came back
            raise await settle_lost_create(
                job,
                self._estimate(call),
                AIML,
                "an earlier run sent this video and stopped before its id came back",
            )
        else:
            generation_id, first = await self._create(client, call, job)
        return await self._follow(client, call, job, generation_id, first)

    async def _create(
        self, client: httpx.AsyncClient, call: ModelCall, job: JobControl
    ) -> tuple[str, dict[str, Any]]:
        frames = call.files.get("image") or ()
        if not frames:
            raise Rejected(f"{call.model.label} needs a first frame image")
        image = await asyncio.to_thread(
            lambda: to_png_or_jpeg(read_image(frames[0], "first frame"))
        )
        limit = call.model.max_prompt_length or MAX_PROMPT
        if len(call.prompt) > limit:
            raise Rejected(
                f"the prompt is {len(call.prompt)} characters; {call.model.label} "
                f"takes at most {limit}"
            )
        body: dict[str, Any] = {
            "model": call.model.id,
            "prompt": call.prompt,
            "image_url": data_uri(image.data, image.mime),
        }
        params = call.params
        if params.get("duration") is not None:
            body["duration"] = int(params["duration"])
        for name in ("resolution", "enhance_prompt"):
            if params.get(name) is not None:
                body[name] = params[name]

        async def once() -> dict[str, Any]:
            with httpx_errors(AIML):
                response = await client.post(ROUTE, json=body)
                if response.status_code >= 400:
                    raise status_error(
                        AIML,
                        response.status_code,
                        _json_or_none(response),
                        headers=response.headers,
                    )
                return _object(response.json())

        async def create() -> tuple[str, dict[str, Any]]:
            try:
                answer = await send_create(once, self.service.policy, service=AIML)
            except OutcomeUnknown as exc:
                raise await settle_lost_create(
                    job, self._estimate(call), AIML, unconfirmed(AIML, exc)
                ) from exc
            except BadOutput as exc:  # it was created, but its answer (and id) is unreadable
                raise await settle_lost_create(
                    job, self._estimate(call), AIML, f"{exc}, so the video cannot be followed"
                ) from exc
            generation_id = answer.get("id") or answer.get("generation_id")
            if not isinstance(generation_id, str) or not generation_id:
                raise await settle_lost_create(
                    job,
                    self._estimate(call),
                    AIML,
                    "the AIML API accepted the video but gave no id to follow it by",
                )
            # AIML reports the charge in the create answer (the completed poll has no
            # meta): journaled with the id, so a run that resumes the job still knows it
            credits, said = aiml_credits(answer)
            info: dict[str, Any] = {"route": ROUTE}
            if credits is not None:
                info["reported_credits"] = credits if math.isfinite(credits) else str(credits)
                info["reported"] = said
            await job.submitted(generation_id, info)
            return generation_id, answer

        await job.creating({"route": ROUTE})
        # cancelled while the create is on the wire: let it land and keep its id
        return await create_and_journal(
            create, lambda made: self._keep_for_next_run(call, job, made[1])
        )

    def _estimate(self, call: ModelCall) -> float:
        return self.service.prices.estimate(
            call.model, call.params, prompt_chars=len(call.prompt)
        ).high

    async def _keep_for_next_run(
        self, call: ModelCall, job: JobControl, answer: dict[str, Any] | None = None
    ) -> None:
        """AIML cannot cancel a generation: it runs on and is billed. Record the spend (as
        the create answer reported it, else the quote's max) and keep the job journaled,
        so the next run collects the video it paid for."""
        job.keep_open()
        await asyncio.shield(
            charge_lost(
                job,
                self._reported_usd(job, answer)[0],
                "cancelled in the app; AIML cannot cancel a started video",
            )
        )

    def _reported_usd(
        self, job: JobControl, *answers: dict[str, Any] | None
    ) -> tuple[float | None, str | None]:
        """The charge AIML reported for this video: in a poll or the create answer, or, for
        a job an earlier run created, as journaled then."""
        for answer in answers:
            credits, said = aiml_credits(answer)
            if credits is not None:
                return self.service.prices.credits_to_usd(credits), said
        info = job.previous.info if job.previous is not None else {}
        journaled = _journaled_credits(info)
        if journaled is not None:
            return self.service.prices.credits_to_usd(journaled), str(info.get("reported"))
        return None, None

    async def _poll_once(self, client: httpx.AsyncClient, generation_id: str) -> dict[str, Any]:
        with httpx_errors(AIML):
            response = await client.get(ROUTE, params={"generation_id": generation_id})
            if response.status_code == 404:
                raise Rejected(
                    f"the AIML API does not know video {generation_id} (404); it "
                    "may belong to another account or key"
                )
            if response.status_code >= 400:
                raise status_error(
                    AIML, response.status_code, _json_or_none(response), headers=response.headers
                )
            return _object(response.json())

    async def _follow(
        self,
        client: httpx.AsyncClient,
        call: ModelCall,
        job: JobControl,
        generation_id: str,
        first: dict[str, Any] | None,
    ) -> GeneratedOutput:
        service = self.service
        try:
            polled = await poll_until_done(
                lambda: self._poll_once(client, generation_id),
                _status,
                job,
                schedule=service.schedule,
                policy=service.policy,
                timeout_s=service.setup.timeout_s,
                service=AIML,
                first=first,
            )
        except asyncio.CancelledError:
            await self._keep_for_next_run(call, job, first)
            raise
        state = polled.state
        if polled.status.status in FAILED:
            raise _failure(state)
        cost, said = self._reported_usd(job, state, first)
        try:
            video = await self._download(client, generation_id, state, job)
        except ProviderError as exc:
            if exc.transient:
                exc.retryable = True  # the link lives a while: the next run fetches it
                raise
            await charge_lost(job, cost, "video not delivered")
            raise
        return GeneratedOutput(
            [video.asset],
            cost,
            "provider_credits" if cost is not None else None,
            job_id=generation_id,
            usage={"reported": said, "duration_s": video.duration_s},
        )

    async def _download(
        self, client: httpx.AsyncClient, generation_id: str, state: dict[str, Any], job: JobControl
    ) -> Downloaded:
        downloads = self.service.downloads
        try:
            return await downloads.fetch(_video_url(state), job, AssetKind.VIDEO, service=AIML)
        except OutputsExpired:
            pass
        # the signed URL expired: ask once more for a fresh one
        fresh = await retry_transient(
            lambda: self._poll_once(client, generation_id),
            self.service.policy,
            what="polling the AIML API",
        )
        try:
            return await downloads.fetch(_video_url(fresh), job, AssetKind.VIDEO, service=AIML)
        except OutputsExpired:
            raise OutputsExpired(
                "the video was made but its download link expired before it could be downloaded"
            ) from None


def _status(state: dict[str, Any]) -> PollStatus:
    status = str(state.get("status") or "").lower()
    if status in DONE:
        return PollStatus(status, True, True, 1.0)
    if status in FAILED:
        return PollStatus(status, False, True)
    return PollStatus(status or "queued", status in RUNNING, False)


def _failure(state: dict[str, Any]) -> ProviderError:
    error = state.get("error") if isinstance(state.get("error"), dict) else {}
    name = str(error.get("name") or "")
    reason = provider_reason(error) or "no reason given"
    if "cancel" in name.lower() or str(state.get("status")).lower() in ("canceled", "cancelled"):
        return Cancelled(f"the video was cancelled at the AIML API: {reason}")
    return ProviderFailure(f"the AIML API could not make the video: {reason}")


def _video_url(state: dict[str, Any]) -> str:
    video = state.get("video")
    url = video.get("url") if isinstance(video, dict) else None
    if not isinstance(url, str) or not url:
        raise OutputsExpired("the video was made but the AIML API gave no link to download it")
    return url


def _journaled_credits(info: Any) -> float | None:
    value = info.get("reported_credits") if isinstance(info, dict) else None
    if isinstance(value, str):  # a non-finite report, kept as text in the JSON journal
        try:
            return float(value)
        except ValueError:
            return math.nan
    return float(value) if isinstance(value, int | float) else None


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadOutput(
            "the AIML API answered with something other than a JSON object",
            transient=True,
            maybe_processed=True,
        )
    return value


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
