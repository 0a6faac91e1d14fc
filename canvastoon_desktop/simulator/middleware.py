"""The request pipeline every route goes through: body, auth, faults, handler, log.

Routes declare themselves with :func:`route` (name, provider, how to find the model a
request is about). The pipeline then, in order: parses the JSON body, checks the bearer
token, draws a fault, applies the faults that replace the work (drop, slow, 429/5xx,
out of credits), runs the handler, applies the faults that come after the work
(``drop_after_create``, ``malformed``), renders :class:`SimError` in the provider's
shape, and appends one entry to the request log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .context import CTX_KEY, SimContext
from .errors import SimError, error_response
from .faults import HOSTILE_ANSWERS, FaultRule
from .log import LogEntry, shorten

__all__ = ["Call", "RouteInfo", "call_of", "pipeline", "route"]

_log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ModelOf = Callable[[web.Request, Any, SimContext], "str | None"]

_REPLICATE_PREFIXES = (
    "/v1/predictions",
    "/v1/models",
    "/v1/files",
    "/v1/account",
    "/v1/collections",
    "/v1/deployments",
    "/v1/hardware",
    "/v1/trainings",
)


@dataclass(frozen=True)
class RouteInfo:
    name: str
    provider: str  # "aiml" | "replicate" | "output"
    auth: bool = True
    model: ModelOf | None = None
    json_body: bool = True


@dataclass
class Call:
    """What the pipeline learned about a request; handlers read and annotate it."""

    info: RouteInfo
    body: Any
    model: str | None
    fault: FaultRule | None = None
    job_id: str | None = None
    log_body: Any = None

    @property
    def fault_kind(self) -> str | None:
        return self.fault.kind if self.fault else None


CALL_KEY: Any = web.RequestKey("sim.call", Call) if hasattr(web, "RequestKey") else "sim.call"


def route(
    name: str,
    provider: str,
    *,
    auth: bool = True,
    model: ModelOf | None = None,
    json_body: bool = True,
) -> Callable[[Handler], Handler]:
    """Declare a handler's route name, provider and model lookup for the pipeline."""
    info = RouteInfo(name, provider, auth, model, json_body)

    def deco(fn: Handler) -> Handler:
        fn.sim_route = info  # type: ignore[attr-defined]
        return fn

    return deco


def call_of(request: web.Request) -> Call:
    call: Call = request[CALL_KEY]
    return call


def _unknown_route(path: str) -> RouteInfo:
    if path.startswith("/outputs"):
        provider = "output"
    elif path.startswith(_REPLICATE_PREFIXES):
        provider = "replicate"
    else:
        provider = "aiml"
    return RouteInfo("unknown", provider, auth=False)


def _auth_ok(header: str | None, provider: str, ctx: SimContext) -> bool:
    if not header:
        return False
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    schemes = ("bearer",) if provider == "aiml" else ("bearer", "token")
    if scheme.lower() not in schemes or not token:
        return False
    allowed = ctx.config.aiml_keys if provider == "aiml" else ctx.config.replicate_tokens
    return allowed is None or token in allowed


def _auth_error(provider: str) -> SimError:
    if provider == "aiml":
        return SimError(
            401, "Unauthorized: missing or invalid API key (Authorization: Bearer <key>)"
        )
    return SimError(401, "You did not pass a valid authentication token")


def _fault_error(kind: str, provider: str, fault: FaultRule) -> SimError:
    headers: dict[str, str] = {}
    if fault.retry_after is not None and fault.header:
        headers["Retry-After"] = str(math.ceil(fault.retry_after))
    aiml = provider == "aiml"
    if kind == "429":
        reset = math.ceil(fault.retry_after) if fault.retry_after is not None else 30
        msg = (
            "ThrottlerException: Too Many Requests"
            if aiml
            else f"Request was throttled. Your rate limit resets in ~{reset}s."
        )
        return SimError(429, msg, headers=headers)
    if kind == "500":
        return SimError(
            500,
            "Internal server error"
            if aiml or provider == "output"
            else "An unexpected error occurred. Please try again.",
        )
    if kind == "503":
        return SimError(503, "Service temporarily unavailable", headers=headers)
    # out_of_credits
    if aiml:
        return SimError(
            403,
            "Insufficient credits: your balance is too low for this request. "
            "Top up at https://aimlapi.com/app/billing",
        )
    if provider == "replicate":
        return SimError(
            402,
            "You have insufficient credit to run this model. Go to "
            "https://replicate.com/account/billing#billing to purchase credit. Once you "
            "purchase credit, please wait a few minutes before retrying.",
        )
    return SimError(403, "Forbidden")


#: the numbers a provider reports a charge in (``hostile_charge`` replaces them)
_CHARGE_RE = re.compile(
    r'("(?:credits_used|tokens_used|usd_spent|predict_time)"\s*:\s*)-?[0-9][0-9.eE+-]*'
)


def _drop(request: web.Request) -> None:
    """Close the connection without an answer (the client sees a disconnect)."""
    transport = request.transport
    if transport is not None:
        transport.close()


@web.middleware
async def pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    ctx = request.app[CTX_KEY]
    info: RouteInfo = getattr(handler, "sim_route", None) or _unknown_route(request.path)
    started = time.time()
    body: Any = None
    body_error: SimError | None = None
    if info.json_body and request.body_exists:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge as exc:
            raw, body_error = b"", SimError(413, exc.text or "Request body too large")
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body_error = SimError(400, "Request body is not valid JSON")
    auth_ok = (
        _auth_ok(request.headers.get("Authorization"), info.provider, ctx) if info.auth else None
    )
    model: str | None = None
    if info.model is not None:
        try:
            model = info.model(request, body, ctx)
        except Exception:  # a malformed request; the handler will say what is wrong
            model = None
    call = Call(info, body, model)
    request[CALL_KEY] = call
    dropped = False
    resp: web.StreamResponse
    try:
        if auth_ok is False:
            raise _auth_error(info.provider)
        if body_error is not None:
            raise body_error
        fault = ctx.faults.draw(info.name, model) if info.name != "unknown" else None
        call.fault = fault
        kind = fault.kind if fault else None
        if kind == "drop":
            _drop(request)
            dropped = True
            resp = web.Response(status=499)
        else:
            if fault is not None and kind == "slow":
                await asyncio.sleep(fault.delay_s or 0.0)
            if fault is not None and kind in ("429", "500", "503", "out_of_credits"):
                raise _fault_error(kind, info.provider, fault)
            resp = await handler(request)
            if kind == "drop_after_create":
                _drop(request)
                dropped = True
            elif kind == "malformed" and isinstance(resp, web.Response) and resp.body:
                data = bytes(resp.body)  # type: ignore[arg-type]
                resp = web.Response(
                    status=200, body=data[: max(1, len(data) // 2)], content_type=resp.content_type
                )
            elif kind == "hostile_charge" and isinstance(resp, web.Response) and resp.body:
                assert fault is not None and fault.charge is not None
                data = _CHARGE_RE.sub(
                    lambda m: f"{m.group(1)}{fault.charge}",
                    bytes(resp.body).decode("utf-8"),  # type: ignore[arg-type]
                )
                resp = web.Response(
                    status=resp.status, body=data.encode(), content_type=resp.content_type
                )
            elif kind in HOSTILE_ANSWERS and isinstance(resp, web.Response):
                resp = _hostile_answer(kind, resp)
    except SimError as err:
        resp = error_response(info.provider, err, request.path)
    except web.HTTPException as exc:  # router 404 / 405
        resp = error_response(info.provider, SimError(exc.status, exc.reason), request.path)
    except Exception as exc:
        _log.exception("simulator handler crashed on %s %s", request.method, request.path)
        resp = error_response(info.provider, SimError(500, f"Internal error: {exc}"), request.path)
    ctx.log.append(
        LogEntry(
            time=started,
            method=request.method,
            path=request.path_qs,
            route=info.name,
            status=None if dropped else resp.status,
            body=call.log_body if call.log_body is not None else shorten(body),
            model=call.model,
            auth_ok=auth_ok,
            fault=call.fault_kind,
            job_id=call.job_id,
        )
    )
    return resp


_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in to the network</title></head>"
    b"<body><h1>Welcome</h1><p>Accept the terms to continue.</p></body></html>"
)


def _hostile_answer(kind: str, resp: web.Response) -> web.Response:
    """The work was done; the answer that comes back is not what the documents promise."""
    if kind == "answer_list":
        return web.json_response([])
    if kind == "answer_null":
        return web.json_response(None)
    if kind == "answer_html":
        return web.Response(status=200, body=_HTML_PAGE, content_type="text/html")
    try:
        doc = json.loads(bytes(resp.body or b"null"))  # type: ignore[arg-type]
    except ValueError:
        return resp
    return web.json_response(_numbers_as_strings(doc), status=resp.status)


def _numbers_as_strings(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return {k: _numbers_as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers_as_strings(v) for v in value]
    return value
