"""Small previews for the asset library and node cards: a picture's or a video frame's, and
a sound's waveform."""

from __future__ import annotations

import itertools
import os

import numpy as np
from PIL import Image, ImageDraw

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.audio import sound_envelope
from canvastoon_desktop.core.media.image import decode_image, encode_png, file_label, read_head
from canvastoon_desktop.core.media.sniff import (
    AUDIO_MIMES,
    IMAGE_MIMES,
    VIDEO_MIMES,
    describe_head,
    sniff_mime,
)
from canvastoon_desktop.core.media.types import VideoInfo
from canvastoon_desktop.core.media.video import grab_frame_png


def _representative_time(info: VideoInfo) -> float:
    return min(1.0, info.duration_s * 0.2)


def thumbnail_png(path: str | os.PathLike[str], max_side: int = 256) -> bytes:
    """PNG preview of an image or video file, aspect kept, longest side at most ``max_side``.

    Videos show a frame a little after the start (1 s, or a fifth of a short clip), since
    first frames are often black fade-ins. Sounds show their waveform, twice as wide as tall.
    """
    label = file_label(path)
    if max_side < 1:
        raise MediaError(f"{label}: thumbnail size must be at least 1 pixel")
    head = read_head(path, 4096, label=label)
    mime = sniff_mime(head)
    if mime in VIDEO_MIMES:
        return grab_frame_png(path, _representative_time, max_side, compress_level=1)
    if mime in AUDIO_MIMES:
        return waveform_png(path, max_side, max(1, max_side // 2))
    if mime not in IMAGE_MIMES:
        raise MediaError(f"{label}: cannot make a preview, it is {describe_head(head)}")
    im = decode_image(path, draft=(max_side, max_side), label=label)
    if max(im.size) > max_side:
        im.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return encode_png(im, compress_level=1)


#: the waveform's colour: the audio ports' green
WAVE_RGB = (95, 211, 106)


def waveform_png(path: str | os.PathLike[str], width: int, height: int) -> bytes:
    """A sound's waveform as a ``width`` × ``height`` PNG on a transparent ground: one bar
    per column, as tall as the loudest moment in it, scaled so the loudest fills the height
    (a quiet line still shows its shape)."""
    if width < 1 or height < 1:
        raise MediaError(f"{file_label(path)}: a waveform must be at least 1 × 1 pixel")
    envelope = sound_envelope(path)
    edges = np.linspace(0, envelope.shape[0], width + 1).astype(int)
    columns = np.array(
        [
            envelope[a:b].max() if b > a else envelope[min(a, envelope.shape[0] - 1)]
            for a, b in itertools.pairwise(edges)
        ]
    )
    loudest = float(columns.max())
    if loudest > 0:
        columns = columns / loudest
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    middle = (height - 1) / 2
    for x, level in enumerate(columns):
        half = max(0.5, float(level) * middle)
        draw.line([(x, middle - half), (x, middle + half)], fill=(*WAVE_RGB, 255))
    return encode_png(image, compress_level=1)
