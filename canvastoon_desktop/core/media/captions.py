"""Captions from the script: timed cues, their SRT sidecar, and burned-in caption boxes that
stay inside the platforms' safe zone (rendered once per cue, burned into the frames in their
own Y'CbCr, over the box alone).

The safe zone is what Shorts, Reels and TikTok leave uncovered by their own buttons and
text: at 1080 × 1920, clear of about 150 px at the top, 300 px at the bottom and 150 px on
the right (the action buttons); other sizes are scaled from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw

from canvastoon_desktop.core.media.fonts import Font, get_font, needs_cjk

#: (top, right, bottom, left) margins at the 1080 × 1920 reference size
SAFE_MARGINS_1080 = (150, 150, 300, 60)


@dataclass(frozen=True, slots=True)
class Cue:
    start_s: float
    end_s: float
    text: str
    #: narration is set in italics in the SRT and on screen it has no speaker
    narration: bool = False


@dataclass(frozen=True, slots=True)
class Box:
    left: int
    top: int
    right: int  # exclusive
    bottom: int  # exclusive

    @property
    def width(self) -> int:
        return self.right - self.left

    def contains(self, other: Box) -> bool:
        return (
            other.left >= self.left
            and other.top >= self.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


def safe_zone(width: int, height: int) -> Box:
    """Where captions may go in a ``width`` × ``height`` frame."""
    top, right, bottom, left = SAFE_MARGINS_1080
    sx, sy = width / 1080, height / 1920
    return Box(
        round(left * sx), round(top * sy), width - round(right * sx), height - round(bottom * sy)
    )


def _stamp(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip text: numbered cues with ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` times."""
    blocks = []
    for n, cue in enumerate(cues, start=1):
        text = " ".join(cue.text.split())
        if cue.narration:
            text = f"<i>{text}</i>"
        blocks.append(f"{n}\n{_stamp(cue.start_s)} --> {_stamp(cue.end_s)}\n{text}\n")
    return "\n".join(blocks)


def wrap_text(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> list[str]:
    """Lines that fit ``width`` pixels: by words, and by characters for words (or scripts
    without spaces) that are wider than a line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if draw.textlength(current + char, font=font) > width and current:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class Overlay:
    """A caption box: RGBA pixels and where they go in the frame."""

    rgba: np.ndarray
    left: int
    top: int

    @property
    def box(self) -> Box:
        h, w = self.rgba.shape[:2]
        return Box(self.left, self.top, self.left + w, self.top + h)

    @cached_property
    def yuv(self) -> YuvPatch:
        """The box as the video frames hold pictures (made once per caption)."""
        return YuvPatch.of(self)


@dataclass(frozen=True)
class YuvPatch:
    """A caption box in the frames' own form — BT.709 limited-range Y'CbCr 4:2:0, on even
    coordinates — premultiplied by its opacity, so burning it in is one multiply-add per
    sample of the box and no colour conversion of the frame."""

    left: int  # even
    top: int  # even
    luma: np.ndarray  # Y' × alpha, full size
    alpha: np.ndarray  # full size, 0-1
    chroma: tuple[np.ndarray, np.ndarray]  # Cb, Cr × alpha, averaged over 2 × 2
    chroma_alpha: np.ndarray  # alpha averaged over 2 × 2

    @classmethod
    def of(cls, overlay: Overlay) -> YuvPatch:
        left, top = overlay.left - overlay.left % 2, overlay.top - overlay.top % 2
        h, w = overlay.rgba.shape[:2]
        dx, dy = overlay.left - left, overlay.top - top
        rgba = np.zeros(((h + dy + 1) // 2 * 2, (w + dx + 1) // 2 * 2, 4), np.uint8)
        rgba[dy : dy + h, dx : dx + w] = overlay.rgba
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba[..., :3]), format="rgb24")
        full = picture.reformat(format="yuv444p", dst_colorspace="ITU709", dst_color_range="MPEG")
        y, cb, cr = (_plane(full, i).astype(np.float32) for i in range(3))
        alpha = rgba[..., 3].astype(np.float32) / 255.0

        def quads(values: np.ndarray) -> np.ndarray:
            return values.reshape(values.shape[0] // 2, 2, values.shape[1] // 2, 2).mean(
                axis=(1, 3)
            )

        return cls(
            left, top, y * alpha, alpha, (quads(cb * alpha), quads(cr * alpha)), quads(alpha)
        )


def _plane(frame: Any, index: int) -> np.ndarray:
    plane = frame.planes[index]
    rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def burn(frame: Any, overlay: Overlay) -> Any:
    """A yuv420p video frame with the caption composited on it, as a new frame (the decoded
    one is left alone): only the caption's box is blended."""
    patch = overlay.yuv
    out = av.VideoFrame(frame.width, frame.height, "yuv420p")
    out.colorspace, out.color_range = frame.colorspace, frame.color_range
    for i, scale in enumerate((1, 2, 2)):
        target = _plane(out, i)
        target[:] = _plane(frame, i)
        source = patch.luma if i == 0 else patch.chroma[i - 1]
        alpha = patch.alpha if i == 0 else patch.chroma_alpha
        top, left = patch.top // scale, patch.left // scale
        h = min(source.shape[0], target.shape[0] - top)
        w = min(source.shape[1], target.shape[1] - left)
        if h <= 0 or w <= 0:
            continue
        region = target[top : top + h, left : left + w]
        mixed = region * (1.0 - alpha[:h, :w]) + source[:h, :w]
        region[:] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    return out


def render_caption(text: str, width: int, height: int, *, narration: bool = False) -> Overlay:
    """A caption box for a ``width`` × ``height`` frame: white text on a translucent dark
    box, centred in the lower part of the safe zone; long lines wrap, and text that would
    need more than four lines is made smaller until it fits."""
    zone = safe_zone(width, height)
    scale = width / 1080
    pad_x, pad_y = round(28 * scale), round(18 * scale)
    size = round(54 * scale)
    scratch = ImageDraw.Draw(Image.new("L", (1, 1)))
    cjk = needs_cjk(text)
    while True:
        font = get_font(size, bold=True, cjk=cjk)
        lines = wrap_text(scratch, " ".join(text.split()), font, zone.width - 2 * pad_x)
        if len(lines) <= 4 or size <= 18:
            break
        size = round(size * 0.85)
    lines = lines[:4]
    ascent, descent = font.getmetrics() if hasattr(font, "getmetrics") else (size, size // 4)
    line_h = ascent + descent + round(6 * scale)
    text_w = max(round(scratch.textlength(line, font=font)) for line in lines) if lines else 0
    box_w = min(zone.width, text_w + 2 * pad_x)
    box_h = min(zone.bottom - zone.top, line_h * len(lines) + 2 * pad_y)
    image = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    radius = round(18 * scale)
    fill = (40, 24, 64, 200) if narration else (0, 0, 0, 178)
    draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=radius, fill=fill)
    for i, line in enumerate(lines):
        line_w = draw.textlength(line, font=font)
        x = (box_w - line_w) / 2
        y = pad_y + i * line_h
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
    left = zone.left + (zone.width - box_w) // 2
    top = zone.bottom - box_h
    return Overlay(np.asarray(image), left, top)
