"""Captions from the script: timed cues, their SRT sidecar, and burned-in caption boxes that
stay inside the platforms' safe zone.

The safe zone is what Shorts, Reels and TikTok leave uncovered by their own buttons and
text: at 1080 × 1920, clear of about 150 px at the top, 300 px at the bottom and 150 px on
the right (the action buttons); other sizes are scaled from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from canvastoon_desktop.core.media.fonts import get_font, needs_cjk

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


def wrap_text(draw: ImageDraw.ImageDraw, text: str, font: object, width: int) -> list[str]:
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


def blend(frame: np.ndarray, overlay: Overlay) -> np.ndarray:
    """``frame`` (H×W×3 uint8) with the overlay composited on it (a new array)."""
    out = frame.copy()
    box = overlay.box
    region = out[box.top : box.bottom, box.left : box.right].astype(np.float32)
    rgba = overlay.rgba.astype(np.float32)
    alpha = rgba[..., 3:4] / 255.0
    region = region * (1 - alpha) + rgba[..., :3] * alpha
    out[box.top : box.bottom, box.left : box.right] = region.round().astype(np.uint8)
    return out
