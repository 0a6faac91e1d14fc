"""AIML sound: text-to-speech (Eleven Multilingual v2) and music (Eleven Music).

Speech — ``POST /v1/tts`` (docs.aimlapi.com, eleven_multilingual_v2): the spoken audio is the
answer's body (the docs' schema names a metadata object, but their examples save the body
as the audio file; an answer that is JSON instead is reported, not guessed at). It answers
synchronously, so, as with chat and images, a create whose answer was lost is settled once
as possibly charged (the estimate) and not sent again until the artist runs it again.

Music — ``POST /v2/generate/audio`` answers with an id, journaled before the first poll of
``GET /v2/generate/audio?generation_id=ID`` (docs: eleven_music, universal-audio-fetch),
which ends ``completed`` with ``audio_file.url`` (the flow video shares: ``aiml_jobs``).
AIML cannot cancel it: a music cancelled in the app runs on, stays journaled, and the next
run collects it. Sounds are downloaded and decoded whole by the provider's downloader.

Charges: music's is AIML's ``meta.usage.credits_used`` in the completed poll (read by
``providers.reported``); a speech answer is the audio alone and reports nothing, so it is
booked at its quote's max, as an estimate (``core.charges.settle``).
"""

from __future__ import annotations

from typing import Any

import httpx

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.generation import GeneratedOutput, JobControl, ModelCall

from .aiml_jobs import AimlGenerations, json_or_none
from .aiml_video import aiml_root_url
from .capped import capped_transport
from .clients import LoopLocal
from .downloads import AUDIO_LIMIT_BYTES
from .errormap import AIML, httpx_errors, status_error
from .errors import BadOutput, OutcomeUnknown, OutputsExpired, Rejected
from .retry import send_create
from .service import Service, charge_lost, settle_lost_create, unconfirmed

__all__ = ["AimlSound"]

TTS_ROUTE = "/v1/tts"
MUSIC_ROUTE = "/v2/generate/audio"
TTS_FORMAT = "mp3_44100_128"


class AimlSound:
    def __init__(self, service: Service) -> None:
        self.service = service
        root = aiml_root_url(service.setup.aiml_base_url)
        self._clients: LoopLocal[httpx.AsyncClient] = LoopLocal(
            lambda key: httpx.AsyncClient(
                base_url=root,
                headers={"Authorization": f"Bearer {key}"},
                timeout=httpx.Timeout(300.0, connect=15.0),
                # answers are read with a size cap as they stream in: a sound's, for speech
                transport=capped_transport(httpx, AIML, AUDIO_LIMIT_BYTES),
            ),
            lambda client: client.aclose(),
            "aiml-sound",
        )
        self.generations = AimlGenerations(
            service,
            MUSIC_ROUTE,
            "music",
            cancelled="cancelled in the app; AIML cannot cancel started music",
        )

    async def aclose(self) -> None:
        await self._clients.aclose()

    def _client(self) -> httpx.AsyncClient:
        return self._clients.get(self.service.key())

    # -- speech ---------------------------------------------------------------------------
    async def speech(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        estimate = self._estimate(call)
        if job.previous is not None:  # an earlier run's create: nothing to look it up by
            raise await settle_lost_create(
                job,
                estimate,
                AIML,
                "an earlier run sent this speech and stopped before its answer came back",
            )
        voice = call.model.param("voice")
        body: dict[str, Any] = {
            "model": call.model.id,
            "text": call.prompt,
            "voice": voice.default if voice else None,
            "output_format": TTS_FORMAT,
            **call.model.wire_params(call.params),
        }
        client = self._client()
        out = job.temp_path(".speech")

        async def once() -> None:
            with httpx_errors(AIML):
                async with client.stream("POST", TTS_ROUTE, json=body) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        raise status_error(
                            AIML,
                            response.status_code,
                            json_or_none(response),
                            headers=response.headers,
                        )
                    ctype = response.headers.get("content-type", "").split(";")[0].strip()
                    if ctype == "application/json":
                        await response.aread()
                        raise BadOutput(
                            "the AIML API answered the speech with JSON instead of audio",
                            maybe_processed=True,
                        )
                    size = 0
                    with open(out, "wb") as handle:
                        async for chunk in response.aiter_bytes(256 * 1024):
                            size += len(chunk)
                            if size > AUDIO_LIMIT_BYTES:
                                raise BadOutput("the speech from the AIML API is too large")
                            handle.write(chunk)

        await job.creating({"route": TTS_ROUTE})
        job.progress("speaking", running=True)
        try:
            await send_create(once, self.service.policy, service=AIML)
            stored = (
                await self.service.downloads.store_path(out, job, AssetKind.AUDIO, service=AIML)
            ).asset
        except OutcomeUnknown as exc:
            raise await settle_lost_create(job, estimate, AIML, unconfirmed(AIML, exc)) from exc
        except BadOutput:  # it answered, so it was done (and billed): the quote's max
            await charge_lost(job, None, "possibly charged: speech unreadable (estimated)")
            raise
        finally:
            out.unlink(missing_ok=True)
        # AIML reports no charge for speech: booked at the quote's max, as an estimate
        return GeneratedOutput(
            [stored],
            None,
            usage={"characters": len(call.prompt), "duration_s": stored.duration_s},
        )

    # -- music ----------------------------------------------------------------------------
    async def music(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        client = self._client()
        generation_id, first = await self.generations.resume_or_create(
            job, self._estimate(call), lambda: self._create_music(client, call, job)
        )
        state = await self.generations.poll(client, job, generation_id, first)
        # Eleven Music reports its charge in the completed poll (universal-audio-fetch)
        cost, said = self.generations.reported_usd(job, state, first)
        try:
            sound = await self.generations.download(
                client,
                generation_id,
                state,
                lambda known: self.service.downloads.fetch(
                    _audio_url(known), job, AssetKind.AUDIO, service=AIML
                ),
            )
        except OutputsExpired:
            raise
        except BadOutput:
            await charge_lost(job, cost, "music not delivered")
            raise
        return GeneratedOutput(
            [sound.asset],
            cost,
            "provider_credits" if cost is not None else None,
            job_id=generation_id,
            usage={"reported": said, "duration_s": sound.duration_s},
        )

    async def _create_music(
        self, client: httpx.AsyncClient, call: ModelCall, job: JobControl
    ) -> tuple[str, dict[str, Any]]:
        if not call.prompt.strip():
            raise Rejected(f"{call.model.label} needs a prompt describing the music")
        body: dict[str, Any] = {
            "model": call.model.id,
            "prompt": call.prompt,
            **call.model.wire_params(call.params),
        }

        return await self.generations.create(client, body, job, self._estimate(call))

    def _estimate(self, call: ModelCall) -> float:
        return self.service.prices.estimate(
            call.model, call.params, prompt_chars=len(call.prompt)
        ).high


def _audio_url(state: dict[str, Any]) -> str:
    audio = state.get("audio_file")
    url = audio.get("url") if isinstance(audio, dict) else None
    if not isinstance(url, str) or not url:
        raise OutputsExpired("the music was made but the AIML API gave no link to download it")
    return url
