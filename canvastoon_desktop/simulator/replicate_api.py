"""Replicate HTTP API routes: predictions, files, models and versions.

Decisions where the documents leave room (all follow ``replicate/openapi.yaml`` first):

- Top-level create bodies are closed (``additionalProperties: false`` in the OpenAPI):
  an unknown key is a 422. ``webhook_completed`` is accepted because the official
  client sends it; webhooks are recorded but never called.
- Unknown *input* keys are ignored, as Cog models do, with a warning in ``logs``.
- Data-URI file inputs larger than 1 MB (decoded; ``replicate_data_uri_max_bytes``)
  are a 422: the docs' "< 1 MB" limit; the OpenAPI's 256 KB is advice, not a limit.
- A file input that cannot be downloaded or decoded fails the prediction when it
  starts (the model fails, not the API), with the reason in ``error``.
- Official models report ``version: "hidden"``; ``latest_version`` still has an id,
  which ``POST /v1/predictions`` accepts.
- ``Cancel-After`` before the job starts gives ``aborted`` (as documented, even though
  the official client cannot parse that status); during the run, ``canceled``.
- ``urls.get`` of an uploaded file is the file resource (JSON), as documented; its bytes
  are at ``/v1/files/{id}/download`` (auth required) and are resolved in-process when
  the URL is passed as a model input.
- Output URLs (``/outputs/...``) need no auth, like ``replicate.delivery`` in practice.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from .billing import Bill, replicate_bill
from .catalog import REPLICATE_MODELS, VERSION_TO_MODEL, Aspect, ReplicateModel
from .context import CTX_KEY, SimContext
from .errors import SimError
from .inputs import DecodedImage, InputError, data_uri_size, decode_image
from .job_faults import apply_job_fault
from .jobs import Job, RenderedFile
from .middleware import call_of, route
from .render import parse_aspect
from .schemas import replicate_input_schema, replicate_model_schema, with_input_defaults
from .uploads import MAX_FILE_BYTES, iso, new_id
from .validation import problems

__all__ = ["add_routes", "resolve_version"]

_TOP_LEVEL = frozenset({"input", "webhook", "webhook_completed", "webhook_events_filter", "stream"})
_WEBHOOK_EVENTS = frozenset({"start", "output", "logs", "completed"})
_PAGE_SIZE = 100
_MAX_WAIT_S = 60
_PREFER_RE = re.compile(r"^\s*wait(?:\s*=\s*(\d+))?\s*$")
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)([hms]?)")


def resolve_version(value: str) -> tuple[ReplicateModel, str] | None:
    """``owner/name`` (official only), ``owner/name:id`` or ``id`` → (model, version field)."""
    if ":" in value:
        name, vid = value.split(":", 1)
        m = REPLICATE_MODELS.get(name)
        return (m, vid) if m and m.version == vid else None
    if "/" in value:
        m = REPLICATE_MODELS.get(value)
        return (m, "hidden") if m and m.official else None
    m = VERSION_TO_MODEL.get(value)
    return (m, value) if m else None


# -- model lookups for the log and fault rules -------------------------------------------
def _path_model(request: web.Request, body: Any, ctx: SimContext) -> str | None:
    return f"{request.match_info['owner']}/{request.match_info['name']}"


def _version_model(request: web.Request, body: Any, ctx: SimContext) -> str | None:
    found = resolve_version(body["version"]) if isinstance(body, dict) else None
    return found[0].name if found else None


def _prediction_model(request: web.Request, body: Any, ctx: SimContext) -> str | None:
    return ctx.job_model(request.match_info["id"])


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


# -- prediction JSON -----------------------------------------------------------------------
def _progress_line(job: Job, now: float) -> str:
    total = (
        int(job.input.get("num_inference_steps") or 0) if job.model.endswith("z-image-turbo") else 0
    )
    total = total or 50
    frac = job.progress(now)
    cur = int(frac * total)
    filled = int(frac * 10)
    return f"{int(frac * 100):3d}%|{'█' * filled}{' ' * (10 - filled)}| {cur}/{total}"


def prediction_json(job: Job, ctx: SimContext, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    state = job.state(now)
    status, completed_at = state.status, state.completed_at
    if status == "succeeded" and job.outputs is None and job.render is not None:
        status, completed_at = "processing", None  # done by the clock, still rendering
    terminal = status in ("succeeded", "failed", "canceled", "aborted")
    removed = terminal and job.data_removed(now)
    output: Any = None
    if status == "succeeded" and job.outputs and not removed:
        urls = [ctx.url(o.path) for o in job.outputs]
        output = urls if REPLICATE_MODELS[job.model].output == "images" else urls[0]
    logs = list(job.logs_prefix)
    if state.started_at is not None:
        logs.append(_progress_line(job, now))
    if status == "failed":
        logs.append(f"Traceback (most recent call last):\nRuntimeError: {job.error}")
    metrics: dict[str, float] = {}
    if terminal and completed_at is not None:
        if state.started_at is not None:
            metrics["predict_time"] = round(completed_at - state.started_at, 6)
        metrics["total_time"] = round(completed_at - job.created, 6)
    if terminal and not (status == "succeeded" and job.outputs is None):
        _bill(
            ctx,
            job,
            metrics.get("predict_time"),
            len(job.outputs or ()) if status == "succeeded" else 0,
        )
    base = ctx.url(f"/v1/predictions/{job.id}")
    data: dict[str, Any] = {
        "id": job.id,
        "model": job.model,
        "version": job.version,
        "input": {} if removed else job.echoed_input or job.input,
        "output": output,
        "error": job.error if status == "failed" else None,
        "logs": "" if removed else "\n".join(logs),
        "status": status,
        "source": "api",
        "created_at": iso(job.created),
        "started_at": iso(state.started_at) if state.started_at is not None else None,
        "completed_at": iso(completed_at) if completed_at is not None else None,
        "data_removed": removed,
        "metrics": metrics,
        "urls": {"get": base, "cancel": f"{base}/cancel", "web": ctx.url(f"/p/{job.id}")},
    }
    if job.deadline is not None:
        data["deadline"] = iso(job.deadline)
    return data


def _bill(ctx: SimContext, job: Job, predict_s: float | None, outputs: int) -> None:
    """Log what the finished prediction costs (once: the log ignores repeats)."""
    inputs = with_input_defaults(job.model, job.input)
    usd, what = replicate_bill(job.model, inputs, outputs=outputs, predict_s=predict_s)
    if usd > 0:
        ctx.bills.add(Bill("replicate", job.model, usd, job.id, what, time.time()))


def echoed_input(
    model: ReplicateModel, inp: dict[str, Any], files: dict[str, str]
) -> dict[str, Any]:
    """The input as Replicate shows it back: re-serialised JSON (a whole float becomes an
    integer, as JavaScript writes it) and file inputs as URLs of its delivery host (its
    examples show ``replicate.delivery/...`` even for uploaded or data-URI inputs)."""
    out: dict[str, Any] = {}
    for key, value in inp.items():
        if key in files:
            out[key] = files[key]
        elif isinstance(value, float) and value.is_integer():
            out[key] = int(value)
        else:
            out[key] = value
    return out


# -- create ---------------------------------------------------------------------------------
def _parse_prefer(header: str | None) -> float | None:
    if not header:
        return None
    m = _PREFER_RE.match(header)
    if m is None:
        return None
    return float(min(max(int(m.group(1)), 1), _MAX_WAIT_S)) if m.group(1) else float(_MAX_WAIT_S)


def _parse_cancel_after(header: str | None) -> float | None:
    if header is None:
        return None
    text = header.strip().lower()
    parts = _DURATION_RE.findall(text)
    if not text or not parts or "".join(n + u for n, u in parts) != text:
        raise SimError(400, f"Invalid Cancel-After duration {header!r} (e.g. 30s, 5m, 1h30m)")
    scale = {"h": 3600, "m": 60, "s": 1, "": 1}
    seconds = sum(float(n) * scale[u] for n, u in parts)
    if seconds < 5:
        raise SimError(400, "Cancel-After must be at least 5 seconds")
    return seconds


def _invalid(found: list[tuple[str, str]]) -> SimError:
    return SimError(
        422,
        "\n".join(f"- {msg}" for _, msg in found),
        extra={
            "invalid_fields": [{"type": "invalid", "field": f, "description": m} for f, m in found]
        },
    )


def _check_body(body: Any, allow_version: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SimError(422, "Request body must be a JSON object")
    allowed = _TOP_LEVEL | {"version"} if allow_version else _TOP_LEVEL
    for key in body:
        if key not in allowed:
            raise _invalid([(key, f"Additional property {key} is not allowed")])
    if "input" not in body:
        raise _invalid([("input", "input is required")])
    if not isinstance(body["input"], dict):
        raise _invalid([("input", "input must be an object")])
    events = body.get("webhook_events_filter")
    if events is not None and (not isinstance(events, list) or not set(events) <= _WEBHOOK_EVENTS):
        raise _invalid(
            [
                (
                    "webhook_events_filter",
                    f"webhook_events_filter items must be among {sorted(_WEBHOOK_EVENTS)}",
                )
            ]
        )
    return body


def _check_input(model: ReplicateModel, inp: dict[str, Any], max_data_uri: int) -> list[str]:
    """422 for invalid input; returns warnings for ignored keys."""
    schema = replicate_model_schema(model.name)["Input"]
    found = problems(replicate_input_schema(model.name), inp, prefix="input")
    props: dict[str, Any] = schema["properties"]
    for key, prop in props.items():
        value = inp.get(key)
        if prop.get("format") != "uri" or not isinstance(value, str):
            continue
        if value.startswith("data:"):
            if "," not in value:
                found.append((f"input.{key}", f"input.{key}: is not a valid data URI"))
            elif data_uri_size(value) > max_data_uri:
                found.append(
                    (
                        f"input.{key}",
                        f"input.{key}: data URIs must be smaller than "
                        f"{max_data_uri // 1_000_000} MB; upload the file with POST /v1/files "
                        "and pass its URL instead",
                    )
                )
        elif not value.startswith(("http://", "https://")):
            found.append((f"input.{key}", f"input.{key}: Does not match format 'uri'"))
    if model.video is not None:
        filled = with_input_defaults(model.name, inp)
        for refusal in model.video.refusals:
            if refusal.applies(filled):
                field = f"input.{refusal.field}"
                found.append((field, f"{field}: {refusal.message}"))
    if found:
        raise _invalid(found)
    return [f"WARNING: unknown input '{k}' ignored" for k in inp if k not in props]


def _seed_of(inp: dict[str, Any]) -> int:
    if isinstance(inp.get("seed"), int):
        return int(inp["seed"])
    digest = json.dumps(inp, sort_keys=True, default=str).encode()
    return int.from_bytes(hashlib.sha256(digest).digest()[:3], "big")


def _renderer_for(
    ctx: SimContext, model: ReplicateModel, inp: dict[str, Any], images: dict[str, DecodedImage]
) -> Callable[[], list[RenderedFile]]:
    r = ctx.renderer
    seed = _seed_of(inp)
    prompt = str(inp.get("prompt", ""))
    if model.name == "prunaai/z-image-turbo":
        return lambda: r.z_image(
            prompt,
            int(inp.get("width", 1024)),
            int(inp.get("height", 1024)),
            seed,
            str(inp.get("output_format", "jpg")),
            int(inp.get("output_quality", 80)),
        )
    if model.name == "allenhooo/lama":
        return lambda: r.lama(images["image"], images["mask"])
    facts = model.video
    if facts is None:
        raise KeyError(f"the simulator does not render {model.name}")
    inp = with_input_defaults(model.name, inp)
    first = images.get(facts.first_frame)
    if facts.aspect is Aspect.INPUT or (facts.aspect is Aspect.FIRST_FRAME_OR_INPUT and not first):
        ratio = parse_aspect(str(inp["aspect_ratio"]))
    else:  # the video takes the first frame's aspect
        assert first is not None
        ratio = first.width / first.height
    short = facts.short_sides[str(inp["resolution"])]
    duration = int(inp["duration"])
    fps = int(inp[facts.fps_input]) if facts.fps_input else None
    return lambda: r.video(
        model.name,
        prompt,
        ratio=ratio,
        short_side=short,
        duration_s=duration,
        fps=fps,
        first=first,
        last=images.get("last_frame"),
    )


async def _load_images(
    ctx: SimContext, model: ReplicateModel, inp: dict[str, Any]
) -> dict[str, DecodedImage]:
    """Fetch and decode every file input; raises InputError naming the input."""
    props = replicate_model_schema(model.name)["Input"]["properties"]
    out: dict[str, DecodedImage] = {}
    assert ctx.resolver is not None
    for key, prop in props.items():
        value = inp.get(key)
        if prop.get("format") != "uri" or not isinstance(value, str):
            continue
        try:
            data = await ctx.resolver.fetch(value)
            out[key] = await ctx.run_blocking(decode_image, data, None)
        except InputError as exc:
            raise InputError(f"input '{key}' {exc}") from None
    return out


async def _wait(job: Job, seconds: float) -> None:
    """Hold a ``Prefer: wait`` request until the job ends or time is up."""
    limit = time.time() + seconds
    while not job.state().terminal:
        now = time.time()
        if now >= limit:
            return
        target = job.start if now < job.start else job.end
        await asyncio.sleep(min(max(target - now, 0.005), limit - now, 0.25))


async def _create(
    request: web.Request, model: ReplicateModel, version: str, allow_version: bool
) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    body = _check_body(call.body, allow_version)
    inp: dict[str, Any] = body["input"]
    warnings = _check_input(model, inp, ctx.config.replicate_data_uri_max_bytes)
    wait_s = _parse_prefer(request.headers.get("Prefer"))
    cancel_after = _parse_cancel_after(request.headers.get("Cancel-After"))
    lat = ctx.latencies.get(model.name)
    now = time.time()
    job = Job(
        id=new_id(),
        provider="replicate",
        model=model.name,
        version=version,
        input=inp,
        created=now,
        queue_s=lat.queue_s,
        run_s=lat.run_s,
        deadline=now + cancel_after if cancel_after is not None else None,
        logs_prefix=[*warnings, f"Using seed: {_seed_of(inp)}"],
    )
    try:
        images = await _load_images(ctx, model, inp)
        job.render = _renderer_for(ctx, model, inp, images)
    except InputError as exc:
        job.outcome, job.error, job.run_s = "failed", str(exc), 0.0
        images = {}
    delivered = {}
    for key, image in images.items():  # the inputs are kept, as Replicate keeps them
        kept = ctx.outputs.add(
            image.data, f"{key}.{image.format.lower()}", f"image/{image.format.lower()}"
        )
        delivered[key] = ctx.url(kept.path)
    if ctx.config.replicate_echo == "reserialized":
        job.echoed_input = echoed_input(model, inp, delivered)
    apply_job_fault(job, call.fault_kind, ctx.outputs, at_create=True)
    ctx.predictions.add(job)
    call.job_id = job.id
    if wait_s:
        await _wait(job, wait_s)
    await ctx.settle(job)
    return _json(prediction_json(job, ctx), status=201)


@route("replicate.predictions.create", "replicate", model=_path_model)
async def create_official(request: web.Request) -> web.Response:
    name = f"{request.match_info['owner']}/{request.match_info['name']}"
    model = REPLICATE_MODELS.get(name)
    if model is None:
        raise SimError(404, f"Model {name} not found")
    if not model.official:
        raise SimError(
            404,
            f"{name} is not an official model: create its predictions with "
            "POST /v1/predictions and a version id",
        )
    return await _create(request, model, "hidden", allow_version=False)


@route("replicate.predictions.create", "replicate", model=_version_model)
async def create_by_version(request: web.Request) -> web.Response:
    body = call_of(request).body
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(version, str) or not version:
        raise _invalid([("version", "version is required")])
    found = resolve_version(version)
    if found is None:
        raise SimError(422, "Invalid version or not permitted", title="Invalid version")
    return await _create(request, found[0], found[1], allow_version=True)


# -- get / cancel / list -----------------------------------------------------------------------
def _job_or_404(ctx: SimContext, job_id: str) -> Job:
    job = ctx.predictions.get(job_id)
    if job is None:
        raise SimError(404, "Not found.")
    return job


@route("replicate.predictions.get", "replicate", model=_prediction_model)
async def get_prediction(request: web.Request) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    job = _job_or_404(ctx, request.match_info["id"])
    call.job_id = job.id
    apply_job_fault(job, call.fault_kind, ctx.outputs, at_create=False)
    await ctx.settle(job)
    return _json(prediction_json(job, ctx))


@route("replicate.predictions.cancel", "replicate", model=_prediction_model)
async def cancel_prediction(request: web.Request) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    job = _job_or_404(ctx, request.match_info["id"])
    call.job_id = job.id
    now = time.time()
    if job.is_running(now):
        job.canceled_at = now
    await ctx.settle(job)
    return _json(prediction_json(job, ctx))


def _parse_time(value: str | None, name: str) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise SimError(400, f"{name} must be an ISO 8601 date-time") from None


@route("replicate.predictions.list", "replicate")
async def list_predictions(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    after = _parse_time(request.query.get("created_after"), "created_after")
    before = _parse_time(request.query.get("created_before"), "created_before")
    cursor = request.query.get("cursor")
    try:
        offset = int(base64.urlsafe_b64decode(cursor.encode()).decode()) if cursor else 0
    except ValueError:
        raise SimError(400, "Invalid cursor") from None
    jobs = [
        j
        for j in ctx.predictions.newest_first()
        if (after is None or j.created >= after) and (before is None or j.created < before)
    ]
    page = jobs[offset : offset + _PAGE_SIZE]
    for job in page:  # start renders for finished jobs; they show "processing" until done
        if job.outputs is None and job.render is not None and job.state().status == "succeeded":
            ctx.start_render(job)

    def link(off: int) -> str:
        token = base64.urlsafe_b64encode(str(off).encode()).decode()
        query = f"cursor={token}"
        for key in ("created_after", "created_before"):
            if request.query.get(key):
                query += f"&{key}={request.query[key]}"
        return ctx.url(f"/v1/predictions?{query}")

    return _json(
        {
            "previous": link(max(0, offset - _PAGE_SIZE)) if offset > 0 else None,
            "next": link(offset + _PAGE_SIZE) if offset + _PAGE_SIZE < len(jobs) else None,
            "results": [prediction_json(j, ctx) for j in page],
        }
    )


# -- files -----------------------------------------------------------------------------------
@route("replicate.files.create", "replicate", json_body=False)
async def create_file(request: web.Request) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    if not request.content_type.startswith("multipart/"):
        raise SimError(400, "Expected a multipart/form-data body with a 'content' field")
    form = await request.post()
    content = form.get("content")
    if content is None or isinstance(content, str):
        raise _invalid([("content", "content is required (a file part)")])
    data = content.file.read()
    if len(data) > MAX_FILE_BYTES:
        raise SimError(413, "Files must be less than 100MB in size")
    filename = str(form.get("filename") or content.filename or "file")
    if len(filename.encode()) > 255:
        raise _invalid([("filename", "filename must be at most 255 bytes")])
    ctype = str(form.get("type") or content.content_type or "application/octet-stream")
    raw_meta = form.get("metadata")
    metadata: dict[str, Any] = {}
    if raw_meta is not None:
        text = raw_meta if isinstance(raw_meta, str) else raw_meta.file.read().decode()
        try:
            metadata = json.loads(text)
        except ValueError:
            raise _invalid([("metadata", "metadata must be valid JSON")]) from None
    f = ctx.files.add(filename, ctype, data, metadata)
    call.job_id = f.id
    call.log_body = {"filename": filename, "content_type": ctype, "size": len(data)}
    return _json(f.to_json(ctx.base_url), status=201)


def _file_or_404(ctx: SimContext, file_id: str) -> Any:
    f = ctx.files.get(file_id)
    if f is None:
        raise SimError(404, "File not found")
    return f


@route("replicate.files.get", "replicate")
async def get_file(request: web.Request) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    f = _file_or_404(ctx, request.match_info["id"])
    call.job_id = f.id
    return _json(f.to_json(ctx.base_url))


@route("replicate.files.download", "replicate")
async def download_file(request: web.Request) -> web.Response:
    ctx, call = request.app[CTX_KEY], call_of(request)
    f = _file_or_404(ctx, request.match_info["id"])
    call.job_id = f.id
    return web.Response(body=f.data, content_type=f.content_type.split(";")[0])


@route("replicate.files.list", "replicate")
async def list_files(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    files = [f.to_json(ctx.base_url) for f in ctx.files.all()]
    return _json({"next": None, "previous": None, "results": files})


@route("replicate.files.delete", "replicate")
async def delete_file(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    if not ctx.files.delete(request.match_info["id"]):
        raise SimError(404, "File not found")
    return web.Response(status=204)


# -- models / versions -----------------------------------------------------------------------
def _model_or_404(request: web.Request) -> ReplicateModel:
    name = f"{request.match_info['owner']}/{request.match_info['name']}"
    model = REPLICATE_MODELS.get(name)
    if model is None:
        raise SimError(404, f"Model {name} not found")
    return model


def version_json(model: ReplicateModel) -> dict[str, Any]:
    schema = replicate_model_schema(model.name)
    return {
        "id": model.version,
        "created_at": "2025-01-01T00:00:00.000000Z",
        "cog_version": model.cog_version,
        "openapi_schema": {
            "openapi": "3.0.2",
            "info": {"title": "Cog", "version": "0.1.0"},
            "paths": {},
            "components": {"schemas": {"Input": schema["Input"], "Output": schema["Output"]}},
        },
    }


@route("replicate.models.get", "replicate", model=_path_model)
async def get_model(request: web.Request) -> web.Response:
    ctx = request.app[CTX_KEY]
    model = _model_or_404(request)
    runs = sum(1 for j in ctx.predictions.snapshot().values() if j.model == model.name)
    return _json(
        {
            "url": f"https://replicate.com/{model.name}",
            "owner": model.owner,
            "name": model.short_name,
            "description": model.description,
            "visibility": "public",
            "github_url": None,
            "paper_url": None,
            "license_url": None,
            "run_count": runs,
            "cover_image_url": None,
            "default_example": None,
            "latest_version": version_json(model),
            "is_official": model.official,
        }
    )


@route("replicate.versions.get", "replicate", model=_path_model)
async def get_version(request: web.Request) -> web.Response:
    model = _model_or_404(request)
    if request.match_info["version"] != model.version:
        raise SimError(404, "Version not found")
    return _json(version_json(model))


@route("replicate.versions.list", "replicate", model=_path_model)
async def list_versions(request: web.Request) -> web.Response:
    model = _model_or_404(request)
    return _json({"next": None, "previous": None, "results": [version_json(model)]})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/v1/models/{owner}/{name}/predictions", create_official)
    r.add_post("/v1/predictions", create_by_version)
    r.add_get("/v1/predictions", list_predictions)
    r.add_get("/v1/predictions/{id}", get_prediction)
    r.add_post("/v1/predictions/{id}/cancel", cancel_prediction)
    r.add_post("/v1/files", create_file)
    r.add_get("/v1/files", list_files)
    r.add_get("/v1/files/{id}", get_file)
    r.add_delete("/v1/files/{id}", delete_file)
    r.add_get("/v1/files/{id}/download", download_file)
    r.add_get("/v1/models/{owner}/{name}", get_model)
    r.add_get("/v1/models/{owner}/{name}/versions", list_versions)
    r.add_get("/v1/models/{owner}/{name}/versions/{version}", get_version)
