"""AIML video (Hailuo 2.3 Fast): ``POST /v2/video/generations``, then poll it by id.
The flow (create, journal, poll, download) is ``aiml_jobs``, which AIML music shares.

The create answers with an id (``id``, or ``generation_id`` in the docs' example) that is
journaled before the first poll, so a later run resumes the job instead of paying again.
AIML has no way to look a generation up without its id and no way to cancel one: a lost
create answer is reported once as OutcomeUnknown, with the estimate recorded as possibly
charged (the next run sends it again), and a video cancelled in the app keeps running (and
is billed) at AIML — it stays journaled, and the next run collects it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.generation import GeneratedOutput, JobControl, ModelCall

from .aiml_jobs import AimlGenerations
from .capped import capped_transport
from .clients import LoopLocal
from .downloads import Downloaded
from .errormap import AIML
from .errors import OutputsExpired, ProviderError, Rejected
from .inputs import data_uri, read_image, to_png_or_jpeg
from .service import Service, charge_lost

__all__ = ["AimlVideo", "aiml_root_url"]

ROUTE = "/v2/video/generations"
MAX_PROMPT = 2000


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
        self.generations = AimlGenerations(
            service,
            ROUTE,
            "video",
            ("id", "generation_id"),
            cancelled="cancelled in the app; AIML cannot cancel a started video",
        )

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def generate(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        client = self._clients.get(self.service.key())
        generation_id, first = await self.generations.resume_or_create(
            job, self._estimate(call), lambda: self._create(client, call, job)
        )
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
            **call.model.wire_params(call.params),
        }
        return await self.generations.create(client, body, job, self._estimate(call))

    def _estimate(self, call: ModelCall) -> float:
        return self.service.prices.estimate(
            call.model, call.params, prompt_chars=len(call.prompt)
        ).high

    async def _follow(
        self,
        client: httpx.AsyncClient,
        call: ModelCall,
        job: JobControl,
        generation_id: str,
        first: dict[str, Any] | None,
    ) -> GeneratedOutput:
        state = await self.generations.poll(client, job, generation_id, first)
        cost, said = self.generations.reported_usd(job, state, first)
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
        return await self.generations.download(
            client,
            generation_id,
            state,
            lambda known: downloads.fetch(_video_url(known), job, AssetKind.VIDEO, service=AIML),
        )


def _video_url(state: dict[str, Any]) -> str:
    video = state.get("video")
    url = video.get("url") if isinstance(video, dict) else None
    if not isinstance(url, str) or not url:
        raise OutputsExpired("the video was made but the AIML API gave no link to download it")
    return url
