"""Downloading outputs into the library the moment they exist (provider URLs expire).

A download streams to a scratch file on the library's disk, refusing a wrong content type
or a file over the size limit as it goes, then the bytes are sniffed and fully decoded as
the kind expected (in a worker thread) before the library takes the file — by hash, so the
same output downloaded twice is stored once. Transient failures are retried from scratch;
a 404 / 410 (or a signed URL that stopped working: 403) means the output expired.

Downloads use their own client, without any provider's key: output hosts are CDNs. An
output URL is a stranger's word too: each download has an overall deadline (a server that
sends a byte every ten seconds never trips a read timeout), at most a few run at once (an
answer may list thousands of URLs), and no URL — nor any redirect — may lead to a loopback,
link-local or private address (this machine, the router, a cloud's metadata service)
unless a provider's own base URL is there (the loopback simulator).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.generation import JobControl
from canvastoon_desktop.core.media.audio import AudioInfo, probe_audio_file
from canvastoon_desktop.core.media.sniff import AUDIO_MIMES, IMAGE_MIMES, VIDEO_MIMES, describe_head

from .clients import LoopLocal
from .errormap import httpx_errors, status_error
from .errors import BadOutput, OutputsExpired, Timeout, the
from .retry import RetryPolicy, retry_transient
from .tls import tls_context

__all__ = [
    "AUDIO_LIMIT_BYTES",
    "IMAGE_LIMIT_BYTES",
    "VIDEO_LIMIT_BYTES",
    "AddressGuard",
    "Downloaded",
    "Downloader",
    "private_origins",
]

IMAGE_LIMIT_BYTES = 50 * 1024 * 1024
VIDEO_LIMIT_BYTES = 1024 * 1024 * 1024
AUDIO_LIMIT_BYTES = 200 * 1024 * 1024
_LIMITS = {
    AssetKind.IMAGE: IMAGE_LIMIT_BYTES,
    AssetKind.VIDEO: VIDEO_LIMIT_BYTES,
    AssetKind.AUDIO: AUDIO_LIMIT_BYTES,
}
#: the longest one download may take, all retries included
IMAGE_DEADLINE_S = 300.0
VIDEO_DEADLINE_S = 1800.0
AUDIO_DEADLINE_S = 600.0
#: downloads running at once per downloader (per provider)
MAX_PARALLEL = 4
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

    def __init__(
        self,
        policy: RetryPolicy,
        timeout_s: float = 120.0,
        *,
        trusted_origins: Iterable[str] = (),
        deadlines_s: Mapping[AssetKind, float] | None = None,
        parallel: int = MAX_PARALLEL,
    ) -> None:
        self._policy = policy
        self._timeout = httpx.Timeout(timeout_s, connect=15.0)
        self._deadlines = {
            AssetKind.IMAGE: IMAGE_DEADLINE_S,
            AssetKind.VIDEO: VIDEO_DEADLINE_S,
            AssetKind.AUDIO: AUDIO_DEADLINE_S,
            **dict(deadlines_s or {}),
        }
        self._guard = AddressGuard(trusted_origins)
        self._clients: LoopLocal[httpx.AsyncClient] = LoopLocal(
            lambda _key: httpx.AsyncClient(
                verify=tls_context(httpx),
                timeout=self._timeout,
                follow_redirects=True,
                event_hooks={"request": [self._guard.check]},  # every hop, redirects too
            ),
            lambda client: client.aclose(),
            "download",
        )
        self._parallel = parallel
        self._slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slot = self._slots.get(loop)
        if slot is None:
            for old in [lp for lp in self._slots if lp.is_closed()]:
                del self._slots[old]
            slot = self._slots[loop] = asyncio.Semaphore(self._parallel)
        return slot

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def fetch(
        self, url: str, job: JobControl, kind: AssetKind, *, service: str
    ) -> Downloaded:
        """Download ``url`` as an image, video or sound into the library and describe it."""
        if kind not in _LIMITS:
            raise ValueError(f"cannot download a {kind.value} output")
        limit = _LIMITS[kind]
        if not isinstance(url, str):
            raise BadOutput(f"{the(service)} gave an output address that is not a URL")
        async with self._slot():
            path = job.temp_path(".download")
            try:
                if url.startswith("data:"):
                    await asyncio.to_thread(_write_data_uri, url, path, limit, service)
                elif url.startswith(("http://", "https://")):
                    await self._get_within_deadline(url, path, kind, limit, service)
                else:
                    raise BadOutput(f"{the(service)} gave an output address that is not a URL")
                return await self._store(path, job, kind, service)
            finally:
                path.unlink(missing_ok=True)  # moved into the library on success

    async def _get_within_deadline(
        self, url: str, path: Path, kind: AssetKind, limit: int, service: str
    ) -> None:
        deadline = self._deadlines[kind]
        try:
            async with asyncio.timeout(deadline):
                await retry_transient(
                    lambda: self._get(url, path, kind, limit, service),
                    self._policy,
                    what=f"downloading from {service}",
                )
        except TimeoutError:
            raise Timeout(
                f"the {kind.value} from {the(service)} did not finish downloading within "
                f"{deadline:.0f} s; it was given up"
            ) from None

    async def store_bytes(
        self, data: bytes, job: JobControl, kind: AssetKind, *, service: str
    ) -> Downloaded:
        """Check and store an output that came inline (``b64_json``)."""
        limit = _LIMITS[kind]
        if len(data) > limit:
            raise _too_large(service, kind, limit)
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

    async def store_path(
        self, path: Path, job: JobControl, kind: AssetKind, *, service: str
    ) -> Downloaded:
        """Check and store an output the adapter streamed to ``path`` itself (a speech
        answer's body); the caller removes ``path``."""
        return await self._store(path, job, kind, service)

    async def _store(
        self, path: Path, job: JobControl, kind: AssetKind, service: str
    ) -> Downloaded:
        mime, info = await asyncio.to_thread(_probe, path, kind, service)
        if isinstance(info, AudioInfo):
            asset = await job.store_file(path, kind, mime, duration_s=info.duration_s)
            return Downloaded(asset, duration_s=info.duration_s)
        if isinstance(info, media.ImageInfo):
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
    if len(payload) * 3 // 4 > limit + 3:  # refused before it is decoded into memory
        raise BadOutput(
            f"an output from {the(service)} is larger than the {limit // (1024 * 1024)} MB allowed"
        )
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


_Decode = Callable[[Path], media.ImageInfo | media.VideoInfo | AudioInfo]

#: per kind: the formats it may be, how it is decoded whole, and what it is called
_CHECKS: dict[AssetKind, tuple[tuple[str, ...], _Decode, str]] = {
    AssetKind.IMAGE: (IMAGE_MIMES, media.probe_image_file, "an image"),
    AssetKind.VIDEO: (VIDEO_MIMES, media.probe_video_file, "a video"),
    AssetKind.AUDIO: (AUDIO_MIMES, probe_audio_file, "a sound"),
}


def _probe(
    path: Path, kind: AssetKind, service: str
) -> tuple[str, media.ImageInfo | media.VideoInfo | AudioInfo]:
    """Sniff and fully decode the file; the MIME comes from its bytes, never the server."""
    wanted, decode, noun = _CHECKS[kind]
    with open(path, "rb") as handle:
        head = handle.read(64)
    mime = media.sniff_mime(head)
    if mime not in wanted:
        raise BadOutput(f"{the(service)} was to send {noun} but sent {describe_head(head)}")
    try:
        return mime, decode(path)
    except MediaError as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise BadOutput(f"the {kind.value} from {the(service)} {reason}") from None


class AddressGuard:
    """Refuses requests to loopback, link-local, private or otherwise special addresses,
    except to the origins (``scheme://host:port``) of providers that are really there."""

    def __init__(self, trusted_origins: Iterable[str] = ()) -> None:
        self._trusted = {_origin(httpx.URL(o)) for o in trusted_origins if o}

    async def check(self, request: httpx.Request) -> None:
        url = request.url
        if _origin(url) in self._trusted:
            return
        host = url.host
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:  # a name: what does it resolve to (now)?
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port)
            except OSError:
                return  # unresolvable: the connection fails on its own, cleanly
            addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise BadOutput(
                    f"an output address points at {_kind_of(address)} ({host}); it was not fetched"
                )


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))


def _kind_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        return "this computer"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private network address"
    return "a reserved address"


def private_origins(*base_urls: str) -> list[str]:
    """The provider base URLs that are on this machine or a private network (a simulator):
    outputs from exactly there are allowed."""
    found = []
    for base in base_urls:
        try:
            url = httpx.URL(base)
            if not ipaddress.ip_address(url.host).is_global:
                found.append(base)
        except ValueError:
            if httpx.URL(base).host in ("localhost",):
                found.append(base)
    return found
