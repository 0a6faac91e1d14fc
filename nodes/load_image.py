"""Load Image: an image file from disk (a character sheet, a reference, a mask)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    Asset,
    AssetKind,
    MediaError,
    NodeContext,
    NodeError,
    NodeType,
    ParamKind,
    ParamSpec,
    Port,
    PortType,
    PortValues,
    SourceContext,
    Value,
    probe_image_file,
    sniff_mime,
)

from ._files import FileKind, checked_path, hash_file

WHAT = FileKind("image", 200 * 1024 * 1024)


class LoadImage(NodeType):
    type_id = "load_image"
    title = "Load Image"
    category = "input"
    description = "An image file from disk. Drop images on the canvas to make these."
    outputs = (Port("image", PortType.IMAGE),)
    params = (ParamSpec("path", ParamKind.FILE, "", label="Image file"),)
    is_source = True

    def source_outputs(self, ctx: SourceContext) -> Mapping[str, Value]:
        path = checked_path(
            ctx.resolve_path(ctx.params.get("path", "")), ctx.params.get("path", ""), WHAT
        )
        stat = path.stat()
        sha, head = hash_file(str(path), stat.st_mtime_ns, stat.st_size, WHAT)
        mime = sniff_mime(head) or "application/octet-stream"
        if not mime.startswith("image/"):
            raise NodeError(f"{path.name} is not an image file (PNG, JPEG, WebP or GIF)")
        return {"image": Asset(sha, AssetKind.IMAGE, mime, stat.st_size, path)}

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        raw = ctx.params.get("path", "")
        path = checked_path(ctx.resolve_path(raw), raw, WHAT)
        try:
            info = await ctx.in_thread(probe_image_file, path)
        except MediaError as exc:
            raise NodeError(f"{path.name}: {exc}") from None
        asset = await ctx.store_file(
            path, AssetKind.IMAGE, info.mime, move=False, width=info.width, height=info.height
        )
        return {"image": asset}
