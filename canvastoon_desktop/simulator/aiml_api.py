"""AIML API routes: chat, images (generate and edit), async video (create, poll),
text-to-speech (the audio in the answer's body) and async music (create, poll).

Request bodies are validated against AIML's own OpenAPI schemas (``schemas/aiml``).
Those schemas do not set ``additionalProperties: false``, so unknown fields such as
``size``, ``response_format`` or ``n`` on images, or ``aspect_ratio`` on video, are
ignored, as a server built from these schemas would; only the listed fields are checked.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from aiohttp import web

from . import sound
from .billing import (
    CREDITS_PER_USD,
    aiml_video_credits,
    chat_credits,
    image_credits,
    music_credits,
    speech_credits,
)
from .catalog import (
    AIML_EDIT_MODELS,
    AIML_IMAGE_MODELS,
    AIML_MUSIC_MODELS,
    AIML_SPEECH_MODELS,
    AIML_VIDEO_MODELS,
)
from .context import CTX_KEY, SimContext
from .errors import SimError
from .inputs import DecodedImage, InputError, decode_image
from .job_faults import apply_job_fault
from .jobs import Job, RenderedFile, aiml_status
from .jsonschema_gen import generate
from .log import shorten
from .middleware import Call, call_of, route
from .render import parse_aspect
from .schemas import aiml_request_schema
from .textgen import Topic, chat_reply
from .validation import problems

__all__ = ["add_routes"]

ROLES = ("system", "developer", "user", "assistant", "tool")
VIDEO_IMAGE_MAX_BYTES = 20 * 1024 * 1024
_DATA_IMAGE_RE = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)

#: ``json_object`` mode has no schema; answer with a small shot list.
_JSON_OBJECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "shots": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"index": {"type": "integer"}, "prompt": {"type": "string"}},
            },
        },
    },
}


def _body_model(request: web.Request, body: Any, ctx: SimContext) -> str | None:
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


def _poll_model(request: web.Request, body: Any, ctx: SimContext) -> str | None:
    gid = request.query.get("generation_id")
    return ctx.job_model(gid) if gid else None


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SimError(400, "Request body must be a JSON object")
    return body


def _validate(schema: dict[str, Any], body: dict[str, Any]) -> None:
    found = problems(schema, body)
    if found:
        raise SimError(400, found[0][1])


def _require_model(body: dict[str, Any], allowed: tuple[str, ...]) -> str:
    model = body.get("model")
    if model is None:
        raise SimError(400, "model is required")
    if model not in allowed:
        raise SimError(400, f"model must be one of: {', '.join(allowed)} (got {model!r})")
    return str(model)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


def _out_of_credits() -> SimError:
    return SimError(
        403,
        "Insufficient credits: your balance is too low for this request. "
        "Top up at https://aimlapi.com/app/billing",
    )


def _check_balance(ctx: SimContext, credits: int) -> None:
    """403 before doing the work if the balance cannot cover it."""
    if not ctx.aiml_can_afford(credits):
        raise _out_of_credits()


def _charge(
    ctx: SimContext, credits: int, model: str, *, job_id: str | None = None, what: str = ""
) -> None:
    if not ctx.aiml_charge(credits, model, job_id=job_id, what=what):
        raise _out_of_credits()


async def _image_input(
    ctx: SimContext,
    value: Any,
    field: str,
    *,
    allowed: tuple[str, ...] | None = None,
    max_bytes: int | None = None,
) -> DecodedImage:
    """An image from an http(s) URL or a ``data:image/...;base64,`` URI, or a 400."""
    if not isinstance(value, str):
        raise SimError(400, f"{field} must be a string")
    if value.startswith("data:"):
        if not _DATA_IMAGE_RE.match(value):
            raise SimError(
                400, f"{field} must be a base64 image data URI (data:image/...;base64,...)"
            )
    elif not value.startswith(("http://", "https://")):
        raise SimError(400, f"{field} must be an http(s) URL or a base64 image data URI")
    assert ctx.resolver is not None
    try:
        data = await ctx.resolver.fetch(value)
    except InputError as exc:
        raise SimError(400, f"{field} {exc}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise SimError(400, f"{field} must not exceed {max_bytes // (1024 * 1024)} MB")
    try:
        return await ctx.run_blocking(decode_image, data, allowed)
    except InputError as exc:
        raise SimError(400, f"{field} {exc}") from None


# -- chat ------------------------------------------------------------------------------
def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _broken_json(schema: dict[str, Any], value: Any) -> str:
    """Content that does NOT satisfy ``schema`` (for the ``bad_structured_output`` fault)."""
    candidates: list[str] = []
    if isinstance(value, dict) and value:
        required = [k for k in schema.get("required", []) if k in value] or list(value)
        candidates.append(json.dumps({k: v for k, v in value.items() if k != required[0]}))
        candidates.append(json.dumps(list(value.values())))
    text = json.dumps(value)
    candidates.append(text[: len(text) // 2])
    for c in candidates:
        try:
            instance = json.loads(c)
        except ValueError:
            return c
        if problems(schema, instance):
            return c
    return "Sorry, I can't help with formatting that as JSON."


def _chat_content(body: dict[str, Any], index: int, bad: bool) -> str:
    messages = body["messages"]
    user = [_text_of(m.get("content")) for m in messages if m.get("role") == "user"]
    system = [
        _text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer")
    ]
    prompt = user[-1] if user else (system[-1] if system else "")
    salt = f"{body.get('model')}:{body.get('seed')}:{index}"
    rf = body.get("response_format") or {}
    kind = rf.get("type") if isinstance(rf, dict) else None
    if kind in ("json_schema", "json_object"):
        schema = _JSON_OBJECT_SCHEMA
        if kind == "json_schema":
            schema = rf.get("json_schema", {}).get("schema") or {"type": "object"}
        value = generate(schema, Topic(prompt, salt=salt))
        return _broken_json(schema, value) if bad else json.dumps(value, ensure_ascii=False)
    return chat_reply(prompt, "\n".join(system), salt=salt)


@route("aiml.chat", "aiml", model=_body_model)
async def chat(request: web.Request) -> web.StreamResponse:
    ctx, call = request.app[CTX_KEY], call_of(request)
    body = _object(call.body)
    schema = aiml_request_schema("gpt-4o.json", "/v1/chat/completions")
    known = (*schema["properties"]["model"]["enum"], *ctx.config.extra_chat_models)
    model = _require_model(body, known)
    messages = body.get("messages")
    if messages is None:
        raise SimError(400, "messages is required")
    if not isinstance(messages, list) or not messages:
        raise SimError(400, "messages must be a non-empty array")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise SimError(400, f"messages[{i}].role must be one of: {', '.join(ROLES)}")
    _validate(schema, {**body, "model": "gpt-4o"})
    n = int(body.get("n") or 1)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    bad = call.fault_kind == "bad_structured_output"
    choices, completion_tokens = [], 0
    for i in range(n):
        content = _chat_content(body, i, bad)
        finish = "stop"
        if limit is not None and _tokens(content) > int(limit):
            content, finish = content[: int(limit) * 4], "length"
        completion_tokens += _tokens(content)
        choices.append(
            {
                "index": i,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": finish,
            }
        )
    prompt_tokens = sum(_tokens(_text_of(m.get("content"))) + 3 for m in messages)
    credits = chat_credits(prompt_tokens, completion_tokens)
    _check_balance(ctx, credits)
    await asyncio.sleep(ctx.latencies.get(model).total_s)
    if call.fault_kind == "fail":
        raise SimError(500, "The model failed to generate a response")
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    _charge(
        ctx,
        credits,
        model,
        job_id=completion_id,
        what=f"{prompt_tokens} + {completion_tokens} tokens",
    )
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if body.get("stream") is True:
        return await _stream(request, completion_id, model, choices, usage, body)
    return _json(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": usage,
            "system_fingerprint": "fp_simulated",
            # as in AIML's chat answers (and its gpt-4o schema): credits and dollars
            "meta": {"usage": {"credits_used": credits, "usd_spent": credits / CREDITS_PER_USD}},
        }
    )


async def _stream(
    request: web.Request,
    completion_id: str,
    model: str,
    choices: list[dict[str, Any]],
    usage: dict[str, int],
    body: dict[str, Any],
) -> web.StreamResponse:
    """Server-sent events in OpenAI's ``chat.completion.chunk`` format."""
    resp = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await resp.prepare(request)
    created = int(time.time())

    async def send(choice_list: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> None:
        chunk = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": choice_list,
            **(extra or {}),
        }
        await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())

    for choice in choices:
        i, text = choice["index"], choice["message"]["content"]
        await send(
            [{"index": i, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]
        )
        for start in range(0, len(text), 24):
            piece = text[start : start + 24]
            await send([{"index": i, "delta": {"content": piece}, "finish_reason": None}])
        await send([{"index": i, "delta": {}, "finish_reason": choice["finish_reason"]}])
    options = body.get("stream_options") or {}
    if isinstance(options, dict) and options.get("include_usage"):
        await send([], {"usage": usage})
    await resp.write(b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp


# -- images ----------------------------------------------------------------------------
def _nearest_aspect(img: DecodedImage, options: tuple[str, ...]) -> str:
    ratio = img.width / img.height
    return min(options, key=lambda a: abs(math.log(parse_aspect(a)) - math.log(ratio)))


@route("aiml.images", "aiml", model=_body_model)
async def images(request: web.Request) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    body = _object(call.body)
    model = _require_model(body, (*AIML_IMAGE_MODELS, *AIML_EDIT_MODELS))
    edit = model in AIML_EDIT_MODELS
    schema_file = (
        "gemini-3-pro-image-preview-edit.json" if edit else "gemini-3-pro-image-preview.json"
    )
    schema = aiml_request_schema(schema_file, "/v1/images/generations")
    _validate(schema, body)
    count = body.get("num_images", 1)
    if count != int(count) or not 1 <= count <= 4:
        raise SimError(400, f"num_images must be an integer between 1 and 4 (got {count!r})")
    count = int(count)
    resolution = body.get("resolution", "1K")
    refs: list[DecodedImage] = []
    if edit:
        for i, url in enumerate(body.get("image_urls") or []):
            refs.append(await _image_input(ctx, url, f"image_urls[{i}]"))
    aspect = body.get("aspect_ratio")
    if aspect is None:
        options = tuple(schema["properties"]["aspect_ratio"]["enum"])
        aspect = _nearest_aspect(refs[0], options) if refs else ("16:9" if edit else "1:1")
    credits = image_credits(resolution) * count
    _check_balance(ctx, credits)
    await asyncio.sleep(ctx.latencies.get(model).total_s)
    if call.fault_kind == "fail":
        raise SimError(500, "Image generation failed: the upstream provider returned no image")
    _charge(ctx, credits, model, what=f"{count} image(s) at {resolution}")
    files = await ctx.run_blocking(
        ctx.renderer.aiml_images, model, body["prompt"], aspect, resolution, count, refs
    )
    data = []
    for f in files:
        out = ctx.outputs.add(f.data, f.filename, f.content_type, model=model)
        if call.fault_kind == "expired":
            ctx.outputs.expire([out.token])
        # the shape of AIML's example answer: no b64_json, and the sizes left null
        data.append(
            {
                "url": ctx.url(out.path),
                "content_type": f.content_type,
                "width": None,
                "height": None,
                "file_name": f.filename,
            }
        )
    # AIML's image examples report the credits as ``tokens_used`` (not credits_used)
    return _json({"description": "", "data": data, "meta": {"usage": {"tokens_used": credits}}})


# -- video -----------------------------------------------------------------------------
@route("aiml.video.create", "aiml", model=_body_model)
async def video_create(request: web.Request) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    body = _object(call.body)
    model = _require_model(body, AIML_VIDEO_MODELS)
    _validate(aiml_request_schema("hailuo-2.3-fast.json", "/v2/video/generations"), body)
    image = await _image_input(
        ctx,
        body["image_url"],
        "image_url",
        allowed=("PNG", "JPEG"),
        max_bytes=VIDEO_IMAGE_MAX_BYTES,
    )
    ratio = image.width / image.height
    if not 0.4 < ratio < 2.5:
        raise SimError(
            400,
            "image_url aspect ratio must be between 2:5 and 5:2 "
            f"(got {image.width}x{image.height})",
        )
    if min(image.width, image.height) <= 300:
        raise SimError(
            400, f"image_url shorter side must exceed 300 pixels (got {image.width}x{image.height})"
        )
    duration = int(body.get("duration", 6))
    resolution = body.get("resolution", "768P")
    credits = aiml_video_credits(resolution, duration)
    if credits is None:  # MiniMax: "1080p supports only 6-second duration"
        raise SimError(400, f"duration {duration} is not available at {resolution} (1080P: 6 s)")
    job_id = str(uuid.uuid4())
    render = partial(
        ctx.renderer.video,
        model,
        body["prompt"],
        ratio=ratio,
        short_side=1080 if resolution == "1080P" else 768,
        duration_s=duration,
        fps=None,
        first=image,
        filename=f"{int(time.time() * 1000)}-{job_id}.mp4",
    )
    what = f"{duration} s at {resolution}"
    job = _start_generation(ctx, call, job_id, model, body, credits, render, what)
    # AIML reports the charge here, in the create answer (its Hailuo example); the
    # completed poll has no meta
    return _json(
        {
            "id": job.id,
            "generation_id": job.id,
            "status": "queued",
            "meta": {"usage": {"credits_used": credits}},
        }
    )


def _start_generation(
    ctx: SimContext,
    call: Call,
    job_id: str,
    model: str,
    body: dict[str, Any],
    credits: int,
    render: Callable[[], list[RenderedFile]],
    what: str,
) -> Job:
    """A queued AIML generation (video or music), billed now and polled by its id."""
    lat = ctx.latencies.get(model)
    job = Job(
        id=job_id,
        provider="aiml",
        model=model,
        version="",
        input=shorten(body),
        created=time.time(),
        queue_s=lat.queue_s,
        run_s=lat.run_s,
        credits=credits,
    )
    job.render = render
    _charge(ctx, credits, model, job_id=job.id, what=what)
    apply_job_fault(job, call.fault_kind, ctx.outputs, at_create=True)
    ctx.video_jobs.add(job)
    call.job_id = job.id
    return job


@route("aiml.video.poll", "aiml", model=_poll_model)
async def video_poll(request: web.Request) -> web.Response:
    return await _generation_poll(request, "video")


async def _generation_poll(
    request: web.Request,
    output: str,
    models: frozenset[str] | None = None,
    *,
    reports_charge: bool = False,
) -> web.Response:
    """``GET …?generation_id=ID`` (AIML's universal video and audio fetch): the job's
    status, once completed its file under ``output`` (and, with ``reports_charge``, its
    charge in ``meta.usage``), or its error. With ``models``, a generation of another model
    is unknown here (404)."""
    ctx, call = request.app[CTX_KEY], call_of(request)
    gid = request.query.get("generation_id")
    if not gid:
        raise SimError(400, "generation_id is required")
    job = ctx.video_jobs.get(gid)
    if job is None or (models is not None and job.model not in models):
        raise SimError(404, f"Generation {gid} not found")
    call.job_id = job.id
    apply_job_fault(job, call.fault_kind, ctx.outputs, at_create=False)
    await ctx.settle(job)
    state = job.state()
    status = aiml_status(state.status)
    made = None
    if status == "completed" and job.outputs:
        made = {"url": ctx.url(job.outputs[0].path)}
    error = None
    if state.status == "failed":
        error = {"name": "GenerationError", "message": job.error or "Generation failed"}
    elif state.status in ("canceled", "aborted"):
        error = {"name": "GenerationCanceled", "message": "The generation was canceled"}
    answer: dict[str, Any] = {"id": job.id, "status": status, output: made, "error": error}
    if reports_charge:
        answer["meta"] = {"usage": {"credits_used": job.credits}} if status == "completed" else None
    return _json(answer)


@route("aiml.tts", "aiml", model=_body_model)
async def tts(request: web.Request) -> web.Response:
    """``POST /v1/tts``: 201 with the spoken audio as the body (as the docs' examples save
    it); MP3 for the ``mp3_*`` formats and WAV otherwise (the default, as the docs'
    example names its file ``audio.wav``)."""
    ctx, call = request.app[CTX_KEY], call_of(request)
    body = _object(call.body)
    model = _require_model(body, AIML_SPEECH_MODELS)
    _validate(aiml_request_schema("eleven-multilingual-v2.json", "/v1/tts"), body)
    text = str(body["text"])
    if not text.strip():
        raise SimError(400, "text must not be empty")
    # AIML's answer is the audio alone: the charge is billed, never reported
    _charge(ctx, speech_credits(len(text)), model, what=f"{len(text)} characters")
    samples = sound.speech_samples(text, str(body.get("voice") or "Rachel"))
    fmt = "mp3" if str(body.get("output_format") or "").startswith("mp3") else "wav"
    data, ctype = await ctx.run_blocking(lambda: sound.encode(samples, fmt))
    return web.Response(status=201, body=data, content_type=ctype)


@route("aiml.music.create", "aiml", model=_body_model)
async def music_create(request: web.Request) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    body = _object(call.body)
    model = _require_model(body, AIML_MUSIC_MODELS)
    _validate(aiml_request_schema("eleven-music.json", "/v2/generate/audio"), body)
    length_ms = int(body.get("music_length_ms", 10_000))
    credits = music_credits(length_ms)
    prompt = str(body["prompt"])

    def render() -> list[RenderedFile]:
        data, ctype = sound.encode(sound.music_samples(prompt, length_ms / 1000), "mp3")
        return [RenderedFile(data, f"{int(time.time() * 1000)}-{uuid.uuid4()}.mp3", ctype)]

    job_id = f"{uuid.uuid4()}:{model}"
    what = f"{length_ms / 1000:g} s of music"
    job = _start_generation(ctx, call, job_id, model, body, credits, render, what)
    # eleven_music's create answer is the id and status only: the charge comes with the
    # completed poll (universal-audio-fetch: meta.usage.credits_used)
    return _json({"id": job.id, "status": "queued"})


@route("aiml.music.poll", "aiml", model=_poll_model)
async def music_poll(request: web.Request) -> web.Response:
    return await _generation_poll(request, "audio_file", AIML_MUSIC_MODELS, reports_charge=True)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/tts", tts)
    app.router.add_post("/v2/generate/audio", music_create)
    app.router.add_get("/v2/generate/audio", music_poll)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/chat/completions", chat)
    app.router.add_post("/v1/images/generations", images)
    app.router.add_post("/v2/video/generations", video_create)
    app.router.add_get("/v2/video/generations", video_poll)
