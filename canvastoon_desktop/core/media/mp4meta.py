"""Read and write MP4 container tags, used to embed provenance in exported videos.

Writing remuxes (copies the compressed packets into a new file) so nothing is re-encoded.
Tags are stored as QuickTime metadata keys (``use_metadata_tags``), so any key survives.
"""

from __future__ import annotations

import os

import av

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.image import file_label
from canvastoon_desktop.core.media.output import media_output
from canvastoon_desktop.core.media.video import describe, open_video, probe_video_file, short

_TECHNICAL = {"major_brand", "minor_version", "compatible_brands", "encoder"}


def _check_tags(tags: dict[str, str]) -> None:
    for key, value in tags.items():
        if not isinstance(key, str) or not key or "\0" in key or key != key.strip():
            raise MediaError(f"video tag name {key!r} is not allowed")
        if not isinstance(value, str) or "\0" in value:
            raise MediaError(f"video tag {key!r} must be text without NUL characters")


def read_mp4_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """Container tags of a video, without the muxer's own bookkeeping entries."""
    label = file_label(path)
    with open_video(path, label) as container:
        return {k: str(v) for k, v in container.metadata.items() if k not in _TECHNICAL}


def write_mp4_metadata(
    src_path: str | os.PathLike[str], dst_path: str | os.PathLike[str], tags: dict[str, str]
) -> None:
    """Copy ``src_path`` to ``dst_path`` (may be the same file) with ``tags`` added.

    Existing tags are kept unless ``tags`` overrides them. Only video and audio tracks are
    copied.
    """
    _check_tags(tags)
    label = file_label(src_path)
    # The source is closed before the rename, so dst may be src even on Windows.
    with media_output(dst_path) as tmp:
        with open_video(src_path, label) as src:
            describe(src, label)  # refuses broken input before anything is written
            src.seek(0)
            merged = {k: v for k, v in src.metadata.items() if k not in _TECHNICAL}
            merged.update(tags)
            try:
                _remux(src, str(tmp), merged)
            except Exception as exc:
                raise MediaError(
                    f"{label}: cannot be copied with new tags ({short(exc)})"
                ) from None
        probe_video_file(tmp)


def _remux(src: av.container.InputContainer, tmp: str, metadata: dict[str, str]) -> None:
    options = {"movflags": "+faststart+use_metadata_tags"}
    with av.open(tmp, "w", format="mp4", options=options) as out:
        out.metadata.update(metadata)
        mapping = {}
        for stream in src.streams:
            if stream.type in ("video", "audio"):
                copy = out.add_stream_from_template(stream)
                copy.metadata.update(
                    {k: v for k, v in stream.metadata.items() if k != "handler_name"}
                )
                mapping[stream.index] = copy
        for packet in src.demux(*[src.streams[i] for i in mapping]):
            if packet.dts is None:
                continue
            packet.stream = mapping[packet.stream.index]
            out.mux(packet)
