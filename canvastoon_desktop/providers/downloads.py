"""Downloading outputs into the library the moment they exist (provider URLs expire).

A download streams to a scratch file on the library's disk, refusing a wrong content type
or a file over the size limit as it goes, then the bytes are sniffed and fully decoded as
the kind expected (in a worker thread) before the library takes the file — by hash, so the
same output downloaded twice is stored once. Transient failures are retried from scratch;
a 404 / 410 (or a signed URL that stopped working: 403) means the output expired.

Downloads use their own client, without any provider's key: output hosts are CDNs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

import httpx

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.generation import JobControl
from canvastoon_desktop.core.media.sniff import IMAGE_MIMES, VIDEO_MIMES, describe_head

from .clients import LoopLocal
from .errormap import httpx_errors, status_error
from .errors import BadOutput, OutputsExpired, the
from .retry import RetryPolicy, retry_transient

__all__ = ["IMAGE_LIMIT_BYTES", "VIDEO_LIMIT_BYTES", "Downloaded", "Downloader"]

IMAGE_LIMIT_BYTES = 50 * 1024 * 1024
VIDEO_LIMIT_BYTES = 1024 * 1024 * 1024
_CHUNK = 256 * 1024
#: content types a CDN may use for any file; the bytes are sniffed anyway
_GENERIC_TYPES = ("application/octet-stream", "binary/octet-stream", "")


@dataclass(frozen=True)
class Downloaded:
    asset: Asset
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


class Downloader:
    """Fetches output URLs (or ``data:`` URIs) into the library, checked."""

    def __init__(self, policy: RetryPolicy, timeout_s: float = 120.0) -> None:
        self._policy = policy
        self._timeout = httpx.Timeout(timeout_s, connect=15.0)
        self._clients: LoopLocal[httpx.AsyncClient] = LoopLocal(
            lambda _key: httpx.AsyncClient(timeout=self._timeout, follow_redirects=True),
            lambda client: client.aclose(),
            "download",
        )

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def fetch(
        self, url: str, job: JobControl, kind: AssetKind, *, service: str
    ) -> Downloaded:
        """Download ``url`` as an image or video into the library and describe it."""
        if kind not in (AssetKind.IMAGE, AssetKind.VIDEO):
            raise ValueError(f"cannot download a {kind.value} output")
        limit = IMAGE_LIMIT_BYTES if kind is AssetKind.IMAGE else VIDEO_LIMIT_BYTES
        path = job.temp_path(".download")
        try:
            if url.startswith("data:"):
                await asyncio.to_thread(_write_data_uri, url, path, limit, service)
            elif url.startswith(("http://", "https://")):
                await retry_transient(
                    lambda: self._get(url, path, kind, limit, service),
                    self._policy,
                    what=f"downloading from {service}",
                )
            else:
                raise BadOutput(f"{the(service)} gave an output address that is not a URL")
            return await self._store(path, job, kind, service)
        finally:
            path.unlink(missing_ok=True)  # moved into the library on success

    async def store_bytes(
        self, data: bytes, job: JobControl, kind: AssetKind, *, service: str
    ) -> Downloaded:
        """Check and store an output that came inline (``b64_json``)."""
        path = job.temp_path(".download")
        try:
            await asyncio.to_thread(path.write_bytes, data)
            return await self._store(path, job, kind, service)
        finally:
            path.unlink(missing_ok=True)

    async def _get(self, url: str, path: Path, kind: AssetKind, limit: int, service: str) -> None:
        client = self._clients.get()
        with httpx_errors(service):
            async with client.stream("GET", url) as response:
                if response.status_code in (403, 404, 410):
                    raise OutputsExpired(
                        f"the outputs at {the(service)} expired before they could be downloaded",
                        status=response.status_code,
                    )
                if response.status_code >= 400:
                    raise status_error(
                        service, response.status_code, None, headers=response.headers
                    )
                _check_type(response.headers.get("content-type", ""), kind, service)
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise _too_large(service, kind, limit)
                size = 0
                with open(path, "wb") as handle:  # small sequential writes: no thread hop
                    async for chunk in response.aiter_bytes(_CHUNK):
                        size += len(chunk)
                        if size > limit:
                            raise _too_large(service, kind, limit)
                        handle.write(chunk)

    async def _store(
        self, path: Path, job: JobControl, kind: AssetKind, service: str
    ) -> Downloaded:
        mime, info = await asyncio.to_thread(_probe, path, kind, service)
        if kind is AssetKind.IMAGE:
            asset = await job.store_file(path, kind, mime, width=info.width, height=info.height)
            return Downloaded(asset, info.width, info.height)
        asset = await job.store_file(
            path, kind, mime, width=info.width, height=info.height, duration_s=info.duration_s
        )
        return Downloaded(asset, info.width, info.height, info.duration_s)


def _check_type(content_type: str, kind: AssetKind, service: str) -> None:
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in _GENERIC_TYPES or ctype.startswith(f"{kind.value}/"):
        return
    raise BadOutput(
        f"{the(service)} sent {ctype} instead of the {kind.value} it made", maybe_processed=True
    )


def _too_large(service: str, kind: AssetKind, limit: int) -> BadOutput:
    return BadOutput(
        f"the {kind.value} from {the(service)} is larger than the "
        f"{limit // (1024 * 1024)} MB allowed; it was not downloaded"
    )


def _write_data_uri(uri: str, path: Path, limit: int, service: str) -> None:
    header, _, payload = uri.partition(",")
    try:
        data = (
            base64.b64decode(payload, validate=False)
            if ";base64" in header
            else payload.encode("latin-1")
        )
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise BadOutput(f"{the(service)} sent an output data URI that does not decode") from None
    if len(data) > limit:
        raise BadOutput(
            f"an output from {the(service)} is larger than the {limit // (1024 * 1024)} MB allowed"
        )
    path.write_bytes(data)


def _probe(
    path: Path, kind: AssetKind, service: str
) -> tuple[str, media.ImageInfo | media.VideoInfo]:
    """Sniff and fully decode the file; the MIME comes from its bytes, never the server."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    mime = media.sniff_mime(head)
    wanted = IMAGE_MIMES if kind is AssetKind.IMAGE else VIDEO_MIMES
    if mime not in wanted:
        raise BadOutput(f"{the(service)} was to send {_a(kind)} but sent {describe_head(head)}")
    try:
        if kind is AssetKind.IMAGE:
            return mime, media.probe_image_file(path)
        return mime, media.probe_video_file(path)
    except MediaError as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise BadOutput(f"the {kind.value} from {the(service)} {reason}") from None


def _a(kind: AssetKind) -> str:
    return "an image" if kind is AssetKind.IMAGE else "a video"
