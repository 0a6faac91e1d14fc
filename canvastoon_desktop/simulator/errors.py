"""Error answers in each provider's own shape.

AIML:      ``{"message", "path", "requestId", "statusCode", "timestamp"}`` — no ``error`` key.
Replicate: RFC 7807 problem details ``{"type", "title", "status", "detail", ...}``.
Outputs:   plain text, like a CDN.
Handlers raise :class:`SimError`; the pipeline renders it for the route's provider.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from aiohttp import web

__all__ = ["SimError", "error_response"]

_REPLICATE_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    402: "Insufficient credit",
    404: "Not found",
    413: "Content too large",
    422: "Input validation failed",
    429: "Request was throttled",
    500: "Internal server error",
    503: "Service unavailable",
}


class SimError(Exception):
    """An HTTP error with a client-facing message (the AIML ``message`` / Replicate ``detail``)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        title: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title
        self.extra = extra or {}
        self.headers = headers or {}


def _iso_now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def error_response(provider: str, err: SimError, path: str) -> web.Response:
    if provider == "aiml":
        body: dict[str, Any] = {
            "message": err.message,
            "path": path,
            "requestId": str(uuid.uuid4()),
            "statusCode": err.status,
            "timestamp": _iso_now(),
            **err.extra,
        }
        return web.Response(
            status=err.status,
            text=json.dumps(body),
            content_type="application/json",
            headers=err.headers,
        )
    if provider == "replicate":
        body = {
            "type": "about:blank",
            "title": err.title or _REPLICATE_TITLES.get(err.status, "Error"),
            "status": err.status,
            "detail": err.message,
            **err.extra,
        }
        return web.Response(
            status=err.status,
            text=json.dumps(body),
            content_type="application/problem+json",
            headers=err.headers,
        )
    return web.Response(status=err.status, text=err.message, headers=err.headers)
