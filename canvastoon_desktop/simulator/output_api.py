"""Downloads of generated files: the stand-in for AIML's CDN and ``replicate.delivery``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .context import CTX_KEY, SimContext
from .errors import SimError
from .middleware import call_of, route

__all__ = ["add_routes"]


def _output_model(request: web.Request, body: Any, ctx: SimContext) -> str | None:
    item = ctx.outputs.get(request.match_info["token"], include_expired=True)
    return item.model if item else None


@route("output", "output", auth=False, model=_output_model)
async def download(request: web.Request) -> web.Response:
    """The file's bytes, or 404 once it expired (TTL, ``expire_outputs()``, ``expired`` fault)."""
    ctx, call = request.app[CTX_KEY], call_of(request)
    item = ctx.outputs.get(request.match_info["token"], include_expired=True)
    if item is None or item.filename != request.match_info["name"]:
        raise SimError(404, "Not Found")
    call.job_id = item.job_id
    if call.fault_kind == "expired":
        ctx.outputs.expire([item.token])
    if item.expired():
        raise SimError(404, "Not Found: this URL has expired")
    return web.Response(body=item.data, content_type=item.content_type)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/outputs/{token}/{name}", download)
