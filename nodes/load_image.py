"""Load Image: an image file from disk (a character sheet, a reference, a mask)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import Asset, AssetKind, Value
from canvastoon_desktop.core.errors import MediaError, NodeFailed
from canvastoon_desktop.core.nodetype import NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.regular_files import FileRefused, open_regular
from canvastoon_desktop.core.runtime import NodeContext, PortValues, SourceContext

MAX_IMAGE_BYTES = 200 * 1024 * 1024


class LoadImage(NodeType):
    type_id = "load_image"
    title = "Load Image"
    category = "input"
    description = "An image file from disk. Drop images on the canvas to make these."
    outputs = (Port("image", PortType.IMAGE),)
    params = (ParamSpec("path", ParamKind.FILE, "", label="Image file"),)
    is_source = True

    def source_outputs(self, ctx: SourceContext) -> Mapping[str, Value]:
        path = _checked_path(
            ctx.resolve_path(ctx.params.get("path", "")), ctx.params.get("path", "")
        )
        stat = path.stat()
        sha, head = _hash_file(str(path), stat.st_mtime_ns, stat.st_size)
        mime = media.sniff_mime(head) or "application/octet-stream"
        if not mime.startswith("image/"):
            raise NodeFailed(f"{path.name} is not an image file (PNG, JPEG, WebP or GIF)")
        return {"image": Asset(sha, AssetKind.IMAGE, mime, stat.st_size, path)}

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        raw = ctx.params.get("path", "")
        path = _checked_path(ctx.resolve_path(raw), raw)
        try:
            info = await ctx.in_thread(media.probe_image_file, path)
        except MediaError as exc:
            raise NodeFailed(f"{path.name}: {exc}") from None
        asset = await ctx.store_file(
            path, AssetKind.IMAGE, info.mime, move=False, width=info.width, height=info.height
        )
        return {"image": asset}


def _checked_path(path: Path, raw: str) -> Path:
    if not raw:
        raise NodeFailed("no image file chosen")
    try:  # opened, not just looked at: a FIFO or a device fails here instead of hanging
        with open_regular(path, MAX_IMAGE_BYTES):
            pass
    except FileRefused as exc:
        if str(exc) == "file not found":
            raise NodeFailed(f"image file not found: {path}") from None
        if str(exc).startswith("the file is "):
            raise NodeFailed(f"{path.name} is too large ({exc})") from None
        raise NodeFailed(f"cannot use {path} as an image: {exc}") from None
    return path


@lru_cache(maxsize=512)
def _hash_file(path: str, mtime_ns: int, size: int) -> tuple[str, bytes]:
    """Content hash, memoised by (path, mtime, size): planning re-runs on every edit."""
    digest = hashlib.sha256()
    head = b""
    try:
        handle = open_regular(path, MAX_IMAGE_BYTES)
    except FileRefused as exc:
        raise NodeFailed(f"cannot use {path} as an image: {exc}") from None
    with handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            if not head:
                head = chunk[:64]
            digest.update(chunk)
    return digest.hexdigest(), head
