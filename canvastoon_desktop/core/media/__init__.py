"""Probing, checking, converting and assembling the media that providers and users hand us.

Everything here is a plain blocking function (callers run them in a thread pool) that either
returns a sound result or raises MediaError with a message fit to show a user.
"""

from canvastoon_desktop.core.media.assemble import assemble_clips
from canvastoon_desktop.core.media.image import (
    decode_image,
    image_to_png_bytes,
    probe_image_bytes,
    probe_image_file,
)
from canvastoon_desktop.core.media.mp4meta import read_mp4_metadata, write_mp4_metadata
from canvastoon_desktop.core.media.pngtext import read_png_text_chunks, write_png_text_chunks
from canvastoon_desktop.core.media.sniff import sniff_mime
from canvastoon_desktop.core.media.thumbs import thumbnail_png
from canvastoon_desktop.core.media.types import (
    Clip,
    ClipError,
    ImageInfo,
    MediaCancelled,
    VideoInfo,
)
from canvastoon_desktop.core.media.video import probe_video_file, video_frame_png

__all__ = [
    "Clip",
    "ClipError",
    "ImageInfo",
    "MediaCancelled",
    "VideoInfo",
    "assemble_clips",
    "decode_image",
    "image_to_png_bytes",
    "probe_image_bytes",
    "probe_image_file",
    "probe_video_file",
    "read_mp4_metadata",
    "read_png_text_chunks",
    "sniff_mime",
    "thumbnail_png",
    "video_frame_png",
    "write_mp4_metadata",
    "write_png_text_chunks",
]
