"""Load Audio: a sound file from disk (a music bed, a recorded line), fully decoded to prove
it plays before it is used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canvastoon_desktop.core.api import (
    AUDIO_MIMES,
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
    probe_audio_file,
    sniff_mime,
)

from ._files import FileKind, checked_path, hash_file

WHAT = FileKind("audio", 200 * 1024 * 1024, "a sound")
FORMATS = "WAV, MP3, M4A (AAC), FLAC or Ogg"


class LoadAudio(NodeType):
    type_id = "load_audio"
    title = "Load Audio"
    category = "input"
    description = f"A sound file from disk ({FORMATS}): your music bed or a recorded line."
    outputs = (Port("audio", PortType.AUDIO),)
    params = (ParamSpec("path", ParamKind.FILE, "", label="Audio file"),)
    is_source = True

    def source_outputs(self, ctx: SourceContext) -> Mapping[str, Value]:
        raw = ctx.params.get("path", "")
        path = checked_path(ctx.resolve_path(raw), raw, WHAT)
        stat = path.stat()
        sha, head = hash_file(str(path), stat.st_mtime_ns, stat.st_size, WHAT)
        mime = sniff_mime(head)
        if mime not in AUDIO_MIMES:
            raise NodeError(f"{path.name} is not a sound file ({FORMATS})")
        return {"audio": Asset(sha, AssetKind.AUDIO, mime, stat.st_size, path)}

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        raw = ctx.params.get("path", "")
        path = checked_path(ctx.resolve_path(raw), raw, WHAT)
        try:
            info = await ctx.in_thread(probe_audio_file, path)
        except MediaError as exc:
            raise NodeError(str(exc)) from None
        asset = await ctx.store_file(
            path, AssetKind.AUDIO, info.mime, move=False, duration_s=info.duration_s
        )
        ctx.note = f"{info.duration_s:.1f} s, {info.sample_rate // 1000} kHz {info.codec}"
        return {"audio": asset}
