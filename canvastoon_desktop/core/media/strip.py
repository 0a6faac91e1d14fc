"""Webtoon strips: panels stacked 800 px wide with gutters, lettered with speech balloons and
caption boxes, and cut into the JPG slices the platforms take (each at most 1280 px tall and
2 MB). Cuts fall in the gutters where they can, so a panel is split only when it is taller
than a slice.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.captions import wrap_text
from canvastoon_desktop.core.media.fonts import Font, bundled_font_path, get_font, needs_cjk

STRIP_WIDTH = 800
MAX_SLICE_HEIGHT = 1280
MAX_SLICE_BYTES = 2 * 1024 * 1024
MAX_PANELS = 60
_INK = (20, 20, 24)
_PAPER = (255, 255, 255)


#: a picture this many times taller than wide is read as a strip: at full width, scrolled
STRIP_RATIO = 2.5


def reads_as_strip(width: float, height: float) -> bool:
    """Whether a ``width`` × ``height`` picture is a strip (viewers show it at their width
    and scroll down it, instead of fitting all of it, unreadably small)."""
    return width > 0 and height > STRIP_RATIO * width


@dataclass(frozen=True)
class Lettering:
    """What is written on one panel: its narration box and its balloons, in order."""

    narration: str = ""
    balloons: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (speaker, words)


@dataclass(frozen=True)
class Strip:
    image: Image.Image
    #: y of each gutter's middle (where a slice may be cut cleanly)
    gutters: tuple[int, ...]


def _font(size: int, text: str) -> Font:
    """The bundled Hangul-capable face (the platform's, if it was removed)."""
    path = bundled_font_path()
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return get_font(size, cjk=needs_cjk(text))


def _text_block(
    draw: ImageDraw.ImageDraw, text: str, font: Font, width: int
) -> tuple[list[str], int, int, int]:
    lines = wrap_text(draw, " ".join(text.split()), font, width)
    # a TrueType face in practice; Pillow's bitmap fallback (a machine with no font at all)
    # has no metrics
    ascent, descent = font.getmetrics()  # type: ignore[union-attr]
    line_h = ascent + descent + 4
    widest = max((round(draw.textlength(line, font=font)) for line in lines), default=0)
    return lines, widest, line_h * len(lines), line_h


def letter_panel(panel: Image.Image, lettering: Lettering) -> Image.Image:
    """The panel with its narration box (top left) and speech balloons (down the panel,
    alternating sides, each with a tail pointing into the picture)."""
    out = panel.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    margin = 24
    y = margin
    if lettering.narration:
        font = _font(26, lettering.narration)
        lines, text_w, text_h, line_h = _text_block(draw, lettering.narration, font, int(w * 0.7))
        box = (margin, y, margin + text_w + 32, y + text_h + 24)
        draw.rectangle(box, fill=(255, 246, 214), outline=_INK, width=3)
        for i, line in enumerate(lines):
            draw.text((box[0] + 16, box[1] + 12 + i * line_h), line, font=font, fill=_INK)
        y = box[3] + 18
    for n, (_speaker, words) in enumerate(lettering.balloons):
        font = _font(30, words)
        lines, text_w, text_h, line_h = _text_block(draw, words, font, int(w * 0.55))
        bw, bh = text_w + 70, text_h + 50
        left = margin if n % 2 == 0 else w - margin - bw
        if y + bh + 40 > h - margin:  # no room left: the rest would cover the picture
            break
        box = (left, y, left + bw, y + bh)
        tail_x = left + bw * (0.3 if n % 2 == 0 else 0.7)
        tail = [(tail_x - 14, box[3] - 8), (tail_x + 14, box[3] - 8), (tail_x + 4, box[3] + 34)]
        draw.polygon(tail, fill=_PAPER, outline=_INK)
        draw.ellipse(box, fill=_PAPER, outline=_INK, width=3)
        draw.polygon(
            [(tail_x - 11, box[3] - 10), (tail_x + 11, box[3] - 10), (tail_x + 3, box[3] + 28)],
            fill=_PAPER,
        )
        for i, line in enumerate(lines):
            line_w = draw.textlength(line, font=font)
            draw.text((left + (bw - line_w) / 2, y + 25 + i * line_h), line, font=font, fill=_INK)
        y = box[3] + 44
    return out


def compose_strip(
    panels: Sequence[Image.Image], lettering: Sequence[Lettering] | None = None, *, gutter: int = 60
) -> Strip:
    """The panels scaled to the strip's width, lettered, stacked with ``gutter`` px of white
    between them (and half a gutter above the first and below the last)."""
    if not panels:
        raise MediaError("a strip needs at least one panel")
    if len(panels) > MAX_PANELS:
        raise MediaError(f"{len(panels)} panels; a strip holds at most {MAX_PANELS}")
    scaled = []
    for i, panel in enumerate(panels):
        w, h = panel.size
        height = max(1, round(h * STRIP_WIDTH / w))
        image = panel.convert("RGB").resize((STRIP_WIDTH, height), Image.Resampling.LANCZOS)
        if lettering is not None and i < len(lettering):
            image = letter_panel(image, lettering[i])
        scaled.append(image)
    half = gutter // 2
    total = sum(p.height for p in scaled) + gutter * (len(scaled) - 1) + 2 * half
    strip = Image.new("RGB", (STRIP_WIDTH, total), _PAPER)
    y, gutters = half, []
    for i, image in enumerate(scaled):
        strip.paste(image, (0, y))
        y += image.height
        if i < len(scaled) - 1:
            gutters.append(y + half)
            y += gutter
    return Strip(strip, tuple(gutters))


def slice_points(height: int, gutters: Sequence[int], limit: int = MAX_SLICE_HEIGHT) -> list[int]:
    """Where to cut a strip of ``height`` px: at the lowest gutter within ``limit`` of the
    last cut; a panel taller than a slice is cut into equal parts up to the next gutter."""
    cuts = [0]
    while height - cuts[-1] > limit:
        top = cuts[-1]
        fits = [g for g in gutters if top < g <= top + limit]
        if fits:
            cuts.append(max(fits))
            continue
        nxt = min((g for g in gutters if g > top), default=height)
        pieces = -(-(nxt - top) // limit)
        cuts.extend(top + round((nxt - top) * k / pieces) for k in range(1, pieces))
        if nxt < height:
            cuts.append(nxt)
    if cuts[-1] != height:
        cuts.append(height)
    return cuts


def jpeg_under(image: Image.Image, max_bytes: int = MAX_SLICE_BYTES) -> bytes:
    """The image as a JPEG of at most ``max_bytes``: the best quality that fits."""
    for quality in (92, 86, 80, 72, 64, 55, 45, 35):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue()
    raise MediaError("a strip slice does not fit in 2 MB even at low JPEG quality")


def slices(strip: Strip) -> list[bytes]:
    """The strip as JPG slices, top to bottom."""
    image = strip.image
    points = slice_points(image.height, strip.gutters)
    return [jpeg_under(image.crop((0, a, STRIP_WIDTH, b))) for a, b in itertools.pairwise(points)]
