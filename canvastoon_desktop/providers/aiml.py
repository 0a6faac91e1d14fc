"""The AIML API adapter: chat (gpt-4o) and images (Nano Banana Pro, and its edit variant with
reference images) through the ``openai`` SDK; video (Hailuo) in :mod:`.aiml_video`; speech
and music (ElevenLabs) in :mod:`.aiml_audio`.

Chat and images answer synchronously, and the AIML API has no way to look a request up
afterwards. A create whose answer was lost — the connection dropped, or the app crashed
while it was on the wire — is reported once as :class:`OutcomeUnknown`, with the estimate
recorded in the ledger as possibly charged, and the journal row ends: it is not sent again
in silence, and the next run sends it (no re-roll needed). When the answer had come back
before the crash, the executor adopts what it delivered. An answer of the wrong shape
(``[]``, ``null``, an HTML page with 200) is a :class:`BadOutput` of this node, estimated
as charged. The SDK is built with retries off — only :func:`send_create` decides what may
be sent twice.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

import httpx2
import jsonschema
import openai

# (the resources called here: the SDK would import each at its first call, on the loop's
# thread, which in the editor is the GUI's)
import openai.resources.chat
import openai.resources.images
from openai.types import ImagesResponse
from openai.types.chat import ChatCompletion

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.catalog import Task
from canvastoon_desktop.core.generation import (
    ErrorKind,
    GeneratedOutput,
    GenerationError,
    JobControl,
    ModelCall,
)
from canvastoon_desktop.core.pricing import PriceTable

from .aiml_audio import AimlSound
from .aiml_video import AimlVideo
from .capped import capped_transport
from .clients import LoopLocal
from .errormap import AIML, openai_errors
from .errors import BadOutput, OutcomeUnknown, ProviderError, Rejected
from .inputs import data_uri, read_image
from .reported import aiml_credits
from .retry import send_create
from .service import Service, charge_lost, settle_lost_create, unconfirmed
from .setup import ProviderSetup

__all__ = ["AimlAdapter"]

MAX_REFERENCES = 5
#: an answer with more images than this was not asked for (num_images is 1 to 4)
MAX_IMAGES = 8
#: a synchronous call (chat, an image) may take this long before it is given up on
SYNC_TIMEOUT_S = 600.0


class AimlAdapter:
    provider = "aiml"

    def __init__(self, setup: ProviderSetup, prices: PriceTable) -> None:
        self.service = Service(setup, prices, "aiml", AIML)
        timeout = min(SYNC_TIMEOUT_S, max(30.0, setup.timeout_s))
        self._clients: LoopLocal[openai.AsyncOpenAI] = LoopLocal(
            lambda key: openai.AsyncOpenAI(
                api_key=key,
                base_url=setup.aiml_base_url,
                max_retries=0,
                timeout=openai.Timeout(timeout, connect=15.0),
                # answers are read with a size cap, as they stream in
                http_client=openai.DefaultAsyncHttpxClient(
                    transport=capped_transport(httpx2, AIML)
                ),
            ),
            lambda client: client.close(),
            "aiml",
        )
        self.video = AimlVideo(self.service)
        self.sound = AimlSound(self.service)

    async def aclose(self) -> None:
        await self._clients.aclose()
        await self.video.aclose()
        await self.sound.aclose()
        await self.service.downloads.aclose()

    async def generate(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        task = call.model.task
        if task is Task.VIDEO:
            return await self.video.generate(call, job)
        if task is Task.MUSIC:
            return await self.sound.music(call, job)
        if task is Task.SPEECH:
            return await self.sound.speech(call, job)
        if job.previous is not None:  # an earlier run's create: nothing to look it up by
            raise await settle_lost_create(
                job,
                self._estimate(call),
                AIML,
                "an earlier run sent this request and stopped before its answer came back",
            )
        if task is Task.CHAT:
            return await self._chat(call, job)
        if task in (Task.IMAGE, Task.IMAGE_EDIT):
            return await self._image(call, job)
        raise GenerationError(
            f"the AIML API adapter cannot run {call.model.label}", kind=ErrorKind.INTERNAL
        )

    def _client(self) -> openai.AsyncOpenAI:
        return self._clients.get(self.service.key())

    def _estimate(self, call: ModelCall) -> float:
        return self.service.prices.estimate(
            call.model, call.params, prompt_chars=len(call.prompt)
        ).high

    async def _send(
        self, call: ModelCall, job: JobControl, info: Mapping[str, Any], fn: Any, expected: type
    ) -> Any:
        """Journal, then send one create under the no-double-spend rules; the answer must
        be the SDK's ``expected`` type (not a list, ``null`` or a page of HTML)."""
        client = self._client()

        async def once() -> Any:
            with openai_errors(AIML):
                return await fn(client)

        await job.creating(info)
        job.progress("generating", running=True)
        try:
            answer = await send_create(once, self.service.policy, service=AIML)
            if not isinstance(answer, expected):
                raise BadOutput(f"the AIML API answered with {_shape(answer)}")
            return answer
        except OutcomeUnknown as exc:
            raise await settle_lost_create(
                job, self._estimate(call), AIML, unconfirmed(AIML, exc)
            ) from exc
        except BadOutput:  # it answered, so it was done (and billed): book the quote's max
            await charge_lost(job, None, "possibly charged: answer unreadable (estimated)")
            raise

    # -- chat ---------------------------------------------------------------------------
    async def _chat(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        messages = [{"role": "system", "content": call.system}] if call.system else []
        messages.append({"role": "user", "content": call.prompt})
        body: dict[str, Any] = {
            "model": call.model.id,
            "messages": messages,
            **call.model.wire_params(call.params),
        }
        if call.response_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": _schema_name(call.response_schema),
                    "schema": dict(call.response_schema),
                    "strict": True,
                },
            }
        answer = await self._send(
            call,
            job,
            {"route": "chat"},
            lambda c: c.chat.completions.create(**body),
            ChatCompletion,
        )
        usage = answer.usage
        prompt_tokens = _count(getattr(usage, "prompt_tokens", 0))
        completion_tokens = _count(getattr(usage, "completion_tokens", 0))
        credits, said = _credits(answer)
        prices = self.service.prices
        cost: float | None
        if credits is not None:
            cost, source = prices.credits_to_usd(credits), "provider_credits"
        elif usage is not None:  # the tokens it reported, at the table's rate
            cost = prices.tokens_usd(call.model.id, prompt_tokens, completion_tokens)
            source = "tokens"
        else:
            cost, source = None, None
        try:
            try:
                data, kind, mime = _chat_content(answer, call.response_schema)
            except (AttributeError, TypeError, ValueError):  # fields of the wrong kind
                raise BadOutput(
                    "the AIML API answered with a chat answer of the wrong shape"
                ) from None
        except ProviderError:
            await charge_lost(job, cost, "chat answer unusable")
            raise
        asset = await job.store_bytes(data, kind, mime)
        return GeneratedOutput(
            [asset],
            cost,
            source,
            job_id=getattr(answer, "id", None),
            usage={
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "credits_used": credits,
                "reported": said,
            },
        )

    # -- images -------------------------------------------------------------------------
    async def _image(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        extra = call.model.wire_params(call.params)
        references = tuple(call.files.get("references", ()))[:MAX_REFERENCES]
        if call.model.task is Task.IMAGE_EDIT or references:
            images = await asyncio.gather(
                *(asyncio.to_thread(read_image, a, "reference") for a in references)
            )
            extra["image_urls"] = [data_uri(i.data, i.mime) for i in images]
        answer = await self._send(
            call,
            job,
            {"route": "images"},
            lambda c: c.images.generate(model=call.model.id, prompt=call.prompt, extra_body=extra),
            ImagesResponse,
        )
        credits, said = _credits(answer)
        cost = self.service.prices.credits_to_usd(credits) if credits is not None else None
        try:
            assets = await self._collect_images(answer, job)
        except ProviderError:
            if cost is None:  # it answered 200 without saying what it charged
                await charge_lost(job, None, "possibly charged: images unusable (estimated)")
            else:
                await charge_lost(job, cost, "images not delivered")
            raise
        return GeneratedOutput(
            assets,
            cost,
            "provider_credits" if cost is not None else None,
            usage={"credits_used": credits, "images": len(assets), "reported": said},
        )

    async def _collect_images(self, answer: Any, job: JobControl) -> list[Any]:
        items = getattr(answer, "data", None)
        if not isinstance(items, list) or not items:
            raise BadOutput("the AIML API answered without any image", maybe_processed=True)
        if len(items) > MAX_IMAGES:
            raise BadOutput(f"the AIML API answered with {len(items)} images (at most 4 asked)")
        downloads = self.service.downloads
        fetches = []
        for item in items:
            url, b64 = getattr(item, "url", None), getattr(item, "b64_json", None)
            if isinstance(url, str) and url:
                fetches.append(downloads.fetch(url, job, AssetKind.IMAGE, service=AIML))
            elif isinstance(b64, str) and b64:
                fetches.append(downloads.store_bytes(_b64(b64), job, AssetKind.IMAGE, service=AIML))
            else:
                raise BadOutput("the AIML API answered with an image that has no URL")
        results = await asyncio.gather(*fetches)
        return [r.asset for r in results]


def _credits(answer: Any) -> tuple[float | None, str | None]:
    """The credits an SDK answer reports (the SDK keeps AIML's ``meta`` as an extra)."""
    return aiml_credits(getattr(answer, "model_extra", None))


def _chat_content(answer: Any, schema: Mapping[str, Any] | None) -> tuple[bytes, AssetKind, str]:
    choices = list(getattr(answer, "choices", None) or [])
    if not choices:
        raise BadOutput("the AIML API answered without any text", maybe_processed=True)
    choice = choices[0]
    message = choice.message
    if getattr(message, "refusal", None):
        raise Rejected(f"the model refused: {message.refusal}")
    if choice.finish_reason == "content_filter":
        raise Rejected("the AIML API withheld the answer (content filter)")
    text = message.content or ""
    if not text.strip():
        raise BadOutput("the model answered with empty text", maybe_processed=True)
    if schema is None:
        return text.encode("utf-8"), AssetKind.TEXT, "text/plain"
    try:
        value = json.loads(text)
        jsonschema.validate(value, dict(schema))
    except (ValueError, jsonschema.ValidationError, jsonschema.SchemaError) as exc:
        why = (
            "is not JSON"
            if isinstance(exc, ValueError)
            else "does not match the structure asked for"
        )
        cut = " (it was cut off at the length limit)" if choice.finish_reason == "length" else ""
        raise BadOutput(f"the model's structured answer {why}{cut}") from None
    return text.encode("utf-8"), AssetKind.JSON, "application/json"


def _schema_name(schema: Mapping[str, Any]) -> str:
    title = str(schema.get("title") or "output")
    return re.sub(r"[^A-Za-z0-9_-]+", "_", title)[:64] or "output"


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        raise BadOutput("the AIML API sent an image that does not decode") from None


def _count(value: Any) -> int:
    """A token count from the answer; anything but a whole number counts as none."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _shape(answer: Any) -> str:
    if answer is None:
        return "null instead of an answer"
    if isinstance(answer, str):
        looks_html = answer.lstrip()[:15].lower().startswith(("<!doctype", "<html"))
        return "a web page instead of an answer" if looks_html else "text instead of an answer"
    if isinstance(answer, list):
        return "a list instead of an answer"
    return f"an unexpected {type(answer).__name__}"
