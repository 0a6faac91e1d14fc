"""Replicate through its official client, minding the client's traps (providers.md).

Creates and file uploads use the client's public API. Polls, cancels and listings read the
prediction JSON as the API sends it (through the client's own transport, ``_async_request``,
so auth, base URL and its GET retries stay the client's): its pydantic ``Prediction`` drops
``data_removed`` and refuses the documented ``aborted`` status, and one such prediction in a
listing would make the whole page unreadable.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from replicate.client import Client as ReplicateClient

from .errormap import REPLICATE, REPLICATE_HEADERS, replicate_errors
from .errors import BadOutput
from .reported import number
from .tls import tls_context

__all__ = ["HeaderNotingTransport", "Prediction", "ReplicateWire", "input_sha256"]

TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
_PROGRESS = re.compile(r"(\d{1,3})%\|")
#: listing pages read at most when reconciling (100 predictions a page)
MAX_LIST_PAGES = 10
#: a file input read back when reconciling is at most this large (Replicate: 100 MB uploads)
MAX_INPUT_BYTES = 100 * 1024 * 1024


def input_sha256(value: Any) -> str:
    """A hash of a prediction's input, independent of key order (exact: the journal of
    older versions matched lost creates by it)."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def parse_time(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


@dataclass(frozen=True)
class Prediction:
    """The parts of a prediction JSON the adapter uses."""

    raw: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.raw.get("id") or "")

    @property
    def status(self) -> str:
        return str(self.raw.get("status") or "starting")

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @property
    def model(self) -> str:
        return str(self.raw.get("model") or "")

    @property
    def version(self) -> str:
        return str(self.raw.get("version") or "")

    @property
    def input(self) -> Any:
        return self.raw.get("input")

    @property
    def output(self) -> Any:
        return self.raw.get("output")

    @property
    def error(self) -> Any:
        return self.raw.get("error")

    @property
    def data_removed(self) -> bool:
        return bool(self.raw.get("data_removed"))

    @property
    def created_at(self) -> float | None:
        return parse_time(self.raw.get("created_at"))

    @property
    def predict_time(self) -> float | None:
        """Seconds billed for a community model: None when not reported, NaN when what was
        reported is not a number (the executor books neither as spend)."""
        metrics = self.raw.get("metrics")
        value = metrics.get("predict_time") if isinstance(metrics, dict) else None
        return None if value is None else number(value)

    @property
    def fraction(self) -> float | None:
        """Progress from the model's log (a tqdm bar), when it prints one."""
        logs = self.raw.get("logs")
        if not isinstance(logs, str) or not logs:
            return None
        found = _PROGRESS.findall(logs[-2000:])
        return min(1.0, int(found[-1]) / 100) if found else None


class HeaderNotingTransport(httpx.AsyncBaseTransport):
    """The client's transport, noting the headers of error answers for this task: the
    replicate client raises ReplicateError without them, and a 429's Retry-After says how
    long to wait before a create may be sent again."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if response.status_code >= 400:
            REPLICATE_HEADERS.set(dict(response.headers))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _prediction(value: Any) -> Prediction:
    if not isinstance(value, dict) or not value.get("id"):
        raise BadOutput(
            "Replicate answered with something that is not a prediction",
            transient=True,
            maybe_processed=True,
        )
    return Prediction(value)


class ReplicateWire:
    """The calls the adapter makes, each mapped to the provider error tree."""

    def __init__(self, client: ReplicateClient) -> None:
        self.client = client

    async def create(self, model: str, version: str | None, input: dict[str, Any]) -> Prediction:
        with replicate_errors(REPLICATE):
            try:
                if version:  # a community model: by version id
                    made = await self.client.predictions.async_create(version=version, input=input)
                else:
                    made = await self.client.models.predictions.async_create(
                        model=model, input=input
                    )
            except (TypeError, AttributeError):  # the client's ``Prediction(**answer)``
                raise BadOutput(  # on ``[]`` / ``null``: it answered, so it may have made one
                    "Replicate answered the create with something that is not a prediction",
                    transient=True,
                    maybe_processed=True,
                ) from None
            return _prediction(made.dict())

    async def get(self, prediction_id: str) -> Prediction:
        with replicate_errors(REPLICATE):
            response = await self.client._async_request("GET", f"/v1/predictions/{prediction_id}")
            return _prediction(response.json())

    async def cancel(self, prediction_id: str) -> Prediction:
        with replicate_errors(REPLICATE):
            response = await self.client._async_request(
                "POST", f"/v1/predictions/{prediction_id}/cancel"
            )
            return _prediction(response.json())

    async def list_since(self, since: float) -> list[Prediction]:
        """Predictions created at or after ``since`` (a Unix time), newest first."""
        after = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        found: list[Prediction] = []
        url: str | None = "/v1/predictions"
        params: dict[str, str] | None = {"created_after": after}
        with replicate_errors(REPLICATE):
            for _ in range(MAX_LIST_PAGES):
                if url is None:
                    break
                response = await self.client._async_request("GET", url, params=params)
                page = response.json()
                results = page.get("results") if isinstance(page, dict) else None
                if not isinstance(results, list):
                    raise BadOutput(
                        "Replicate's list of predictions could not be read", transient=True
                    )
                batch = [Prediction(r) for r in results if isinstance(r, dict)]
                found.extend(p for p in batch if (p.created_at or since) >= since)
                if batch and (batch[-1].created_at or since) < since:
                    break  # newest first: the rest is older
                url, params = page.get("next"), None
        return found

    async def upload(self, data: bytes, name: str, mime: str) -> str:
        with replicate_errors(REPLICATE):
            made = await self.client.files.async_create(
                io.BytesIO(data), filename=name, content_type=mime
            )
            url = (made.urls or {}).get("get")
        if not isinstance(url, str) or not url:
            raise BadOutput("Replicate accepted an upload but gave no URL for it", transient=True)
        return url


async def read_input(url: str) -> bytes | None:
    """A prediction's file input read back from the URL Replicate shows (no credentials are
    sent: the URL is whatever the answer said); None when it cannot be read."""
    if not url.startswith(("https://", "http://")):
        return None
    try:
        timeout = httpx.Timeout(30.0, connect=10.0)
        async with (
            httpx.AsyncClient(verify=tls_context(httpx), timeout=timeout) as client,
            client.stream("GET", url, follow_redirects=True) as response,
        ):
            if response.status_code != 200:
                return None
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_INPUT_BYTES:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError:
        return None
