"""File inputs: data URIs, this server's own URLs, and (optionally) other hosts.

Clients pass images as ``https://…`` URLs, as ``data:image/png;base64,…`` URIs, or as
URLs this simulator handed out (outputs, uploaded files). Our own URLs are looked up
in-process — fetching them over HTTP from inside a handler would be pointless.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes, urlsplit

import aiohttp
from PIL import Image, UnidentifiedImageError

__all__ = ["DecodedImage", "InputError", "InputResolver", "decode_image", "parse_data_uri"]

MAX_REMOTE_BYTES = 100 * 1024 * 1024


class InputError(ValueError):
    """A file input that cannot be used; the message is safe to show to the client."""


@dataclass(frozen=True)
class DecodedImage:
    data: bytes = field(repr=False)
    format: str  # Pillow's name: PNG, JPEG, WEBP, ...
    width: int
    height: int

    def open(self) -> Image.Image:
        img = Image.open(io.BytesIO(self.data))
        img.load()
        return img.convert("RGB")


def parse_data_uri(uri: str) -> tuple[str, bytes]:
    """``(mime, bytes)`` of a ``data:`` URI (base64 or percent-encoded)."""
    if not uri.startswith("data:") or "," not in uri:
        raise InputError("is not a valid data URI")
    header, payload = uri[5:].split(",", 1)
    parts = header.split(";")
    mime = parts[0] or "text/plain"
    if "base64" in parts[1:]:
        try:
            return mime, base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError):
            raise InputError("is a data URI whose base64 payload does not decode") from None
    return mime, unquote_to_bytes(payload)


def data_uri_size(uri: str) -> int:
    """Decoded size of a base64 data URI without decoding it."""
    payload = uri.split(",", 1)[1] if "," in uri else ""
    return len(payload) * 3 // 4


def decode_image(data: bytes, allowed: tuple[str, ...] | None = None) -> DecodedImage:
    """Check that ``data`` is a whole image (optionally of an ``allowed`` format)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            fmt = (img.format or "").upper()
            size = img.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"is not a readable image ({exc.__class__.__name__})") from None
    if allowed and fmt not in allowed:
        raise InputError(f"is a {fmt or 'unknown'} image; allowed formats: {', '.join(allowed)}")
    return DecodedImage(data, fmt, size[0], size[1])


LocalLookup = Callable[[str], bytes | None]


class InputResolver:
    """Turn a URL or data URI into bytes."""

    def __init__(
        self,
        own_netlocs: set[str],
        local_lookup: LocalLookup,
        *,
        fetch_remote: bool,
        timeout_s: float,
    ) -> None:
        self.own_netlocs = own_netlocs
        self.local_lookup = local_lookup
        self.fetch_remote = fetch_remote
        self.timeout_s = timeout_s

    async def fetch(self, value: str) -> bytes:
        if value.startswith("data:"):
            return parse_data_uri(value)[1]
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError("must be an http(s) URL or a data URI")
        if parts.netloc in self.own_netlocs:
            data = self.local_lookup(parts.path)
            if data is None:
                raise InputError(f"could not be fetched: {value} answered 404 (expired or unknown)")
            return data
        if not self.fetch_remote:
            raise InputError(f"could not be fetched: remote fetching is disabled ({parts.netloc})")
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(value) as resp,
            ):
                if resp.status != 200:
                    raise InputError(f"could not be fetched: {value} answered {resp.status}")
                data = await resp.content.read(MAX_REMOTE_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise InputError(f"could not be fetched: {exc.__class__.__name__}") from None
        if len(data) > MAX_REMOTE_BYTES:
            raise InputError("is larger than 100 MB")
        return data
