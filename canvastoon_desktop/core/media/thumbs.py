"""Small previews for the asset library and node cards."""

from __future__ import annotations

import os

from PIL import Image

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.image import decode_image, encode_png, file_label, read_head
from canvastoon_desktop.core.media.sniff import IMAGE_MIMES, VIDEO_MIMES, describe_head, sniff_mime
from canvastoon_desktop.core.media.types import VideoInfo
from canvastoon_desktop.core.media.video import grab_frame_png


def _representative_time(info: VideoInfo) -> float:
    return min(1.0, info.duration_s * 0.2)


def thumbnail_png(path: str | os.PathLike[str], max_side: int = 256) -> bytes:
    """PNG preview of an image or video file, aspect kept, longest side at most ``max_side``.

    Videos show a frame a little after the start (1 s, or a fifth of a short clip), since
    first frames are often black fade-ins.
    """
    label = file_label(path)
    if max_side < 1:
        raise MediaError(f"{label}: thumbnail size must be at least 1 pixel")
    head = read_head(path, 4096, label=label)
    mime = sniff_mime(head)
    if mime in VIDEO_MIMES:
        return grab_frame_png(path, _representative_time, max_side, compress_level=1)
    if mime not in IMAGE_MIMES:
        raise MediaError(f"{label}: cannot make a preview, it is {describe_head(head)}")
    im = decode_image(path, draft=(max_side, max_side), label=label)
    if max(im.size) > max_side:
        im.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return encode_png(im, compress_level=1)
