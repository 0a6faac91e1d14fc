"""Offline "text to image": a 9:16 storyboard card for a shot, drawn without any model.

The card reads like a page from a storyboard pad: a title and shot label, a framed panel
with a prompt-derived sketch, the prompt itself on ruled lines (cut with an ellipsis when it
does not fit), and a row of the character/style references the shot will use.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence

from PIL import Image, ImageDraw

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import decode_image
from canvastoon_desktop.core.media.fonts import Font, get_font, needs_cjk
from canvastoon_desktop.core.media.image import encode_png
from canvastoon_desktop.providers.local.sketch import render_scene

PAPER = (245, 241, 232)
INK = (34, 33, 38)
MUTED = (128, 122, 112)
RULE = (222, 215, 201)
MAX_REFERENCES = 5
_MAX_PROMPT_CHARS = 2000  # more could never fit; keeps layout time bounded
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
ELLIPSIS = "…"


def _clean(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"[ \u00a0]+", " ", text).strip()


def _fit_line(text: str, font: Font, max_w: float) -> int:
    """Longest prefix length of ``text`` that fits in ``max_w`` (at least one character)."""
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.getlength(text[:mid]) <= max_w:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _ellipsize(line: str, font: Font, max_w: float) -> str:
    line = line.rstrip()
    while line and font.getlength(line + ELLIPSIS) > max_w:
        line = line[:-1].rstrip()
    return line + ELLIPSIS


def wrap_text(text: str, font: Font, max_w: float, max_lines: int) -> list[str]:
    """Word-wrap ``text`` (character-wrap words too long for a line, e.g. unspaced CJK) into
    at most ``max_lines`` lines; the last one ends in an ellipsis if anything was cut."""
    if max_lines <= 0:
        return []
    cut = len(text) > _MAX_PROMPT_CHARS
    lines: list[str] = []
    for paragraph in text[:_MAX_PROMPT_CHARS].split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= max_w:
                line = candidate
                continue
            if line:
                lines.append(line)
            while word and font.getlength(word) > max_w:
                n = _fit_line(word, font, max_w)
                lines.append(word[:n])
                word = word[n:]
            line = word
            if len(lines) > max_lines:
                break
        lines.append(line)
        if len(lines) > max_lines:
            break
    while lines and not lines[-1].strip() and len(lines) > 1:
        lines.pop()
    if len(lines) > max_lines or cut:
        lines = lines[:max_lines]
        lines[-1] = _ellipsize(lines[-1], font, max_w)
    return lines


def _single_line(text: str, font: Font, max_w: float) -> str:
    text = " ".join(_clean(text).split())
    return text if font.getlength(text) <= max_w else _ellipsize(text, font, max_w)


def _reference_tile(data: bytes, size: int) -> Image.Image | None:
    """Square thumbnail of a reference, cropped from the upper middle (where faces are)."""
    try:
        im = decode_image(data, draft=(size * 2, size * 2), label="a reference image")
    except MediaError:
        return None
    if im.mode == "RGBA":
        back = Image.new("RGBA", im.size, (*PAPER, 255))
        im = Image.alpha_composite(back, im)
    im = im.convert("RGB")
    w, h = im.size
    side = min(w, h)
    x = (w - side) // 2
    y = round((h - side) * 0.3)
    return im.resize(
        (size, size), Image.Resampling.BICUBIC, box=(x, y, x + side, y + side), reducing_gap=2.0
    )


def _draw_references(
    card: Image.Image,
    draw: ImageDraw.ImageDraw,
    refs: Sequence[bytes],
    x0: int,
    y0: int,
    cell: int,
    gap: int,
    s: float,
) -> None:
    shown = list(refs[:MAX_REFERENCES])
    extra = len(refs) - len(shown)
    mat = max(2, round(3 * s))
    for i, data in enumerate(shown):
        x = x0 + i * (cell + gap)
        draw.rectangle([x + 3, y0 + 3, x + cell + 3, y0 + cell + 3], fill=(0, 0, 0, 28))
        draw.rectangle([x, y0, x + cell, y0 + cell], fill=(255, 255, 255))
        inner = cell - 2 * mat
        tile = _reference_tile(data, inner)
        if tile is None:  # shown, not hidden: a broken reference is worth noticing
            draw.rectangle([x + mat, y0 + mat, x + cell - mat, y0 + cell - mat], fill=RULE)
            draw.line([x + mat, y0 + mat, x + cell - mat, y0 + cell - mat], fill=MUTED, width=2)
            draw.line([x + mat, y0 + cell - mat, x + cell - mat, y0 + mat], fill=MUTED, width=2)
        else:
            card.paste(tile, (x + mat, y0 + mat))
        draw.rectangle([x, y0, x + cell, y0 + cell], outline=INK, width=max(1, round(1.5 * s)))
        if i == len(shown) - 1 and extra > 0:
            draw.rectangle([x + mat, y0 + mat, x + cell - mat, y0 + cell - mat], fill=(*INK, 150))
            font = get_font(round(cell * 0.28), bold=True)
            draw.text(
                (x + cell / 2, y0 + cell / 2),
                f"+{extra}",
                font=font,
                fill=(255, 255, 255),
                anchor="mm",
            )


def render_storyboard_card(
    prompt: str,
    *,
    width: int = 720,
    height: int = 1280,
    title: str | None = None,
    shot_label: str | None = None,
    references: Sequence[bytes] = (),
    seed: int = 0,
) -> bytes:
    """PNG of a storyboard card; the same arguments always give the same picture.

    Up to five references are shown (a sixth and more are counted as "+N"); a reference that
    cannot be decoded is drawn as a crossed-out tile rather than failing the card.
    """
    if not (200 <= width <= 4096 and 200 <= height <= 4096):
        raise MediaError(f"card size {width} × {height} must be between 200 and 4096 pixels")
    prompt = _clean(prompt or "")
    digest = hashlib.sha256(f"{seed}\0{prompt}".encode("utf-8", "replace")).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    s = min(width / 720, height / 1280)
    cjk = needs_cjk(f"{prompt}{title or ''}{shot_label or ''}")
    margin = round(36 * s)
    inner_w = width - 2 * margin

    card = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(card, "RGBA")

    # Header: a small caption, then the title.
    small = get_font(round(15 * s), bold=True, cjk=cjk)
    y = round(margin * 0.8)
    draw.text((margin, y), "STORYBOARD", font=small, fill=MUTED)
    y += round(24 * s)
    title_font = get_font(round(34 * s), bold=True, cjk=cjk)
    title_text = _single_line(title or "Untitled shot", title_font, inner_w)
    draw.text((margin, y), title_text, font=title_font, fill=INK if title else MUTED)
    y += round(50 * s)

    # Vertical budget: footer, references, at least three lines of text, then the panel.
    body_font = get_font(round(22 * s), cjk=cjk)
    line_h = round(31 * s)
    footer_h = round(34 * s)
    cell_gap = round(14 * s)
    cell = min(round(112 * s), (inner_w - (MAX_REFERENCES - 1) * cell_gap) // MAX_REFERENCES)
    refs_h = cell + round(34 * s) if references else 0
    text_min = round(28 * s) + 3 * line_h
    gap = round(22 * s)
    panel_h = min(round(inner_w * 1.2), height - y - gap - text_min - refs_h - footer_h)
    panel_h = max(panel_h, round(height * 0.25))

    # The panel: shadow, scene, ink frame, shot badge.
    px, py = margin, y
    shadow = max(3, round(7 * s))
    draw.rectangle(
        [px + shadow, py + shadow, px + inner_w + shadow, py + panel_h + shadow], fill=(0, 0, 0, 34)
    )
    card.paste(render_scene(prompt, rng, inner_w, panel_h), (px, py))
    draw.rectangle([px, py, px + inner_w, py + panel_h], outline=INK, width=max(2, round(4 * s)))
    if shot_label:
        badge_font = get_font(round(19 * s), bold=True, cjk=cjk)
        text = _single_line(shot_label, badge_font, inner_w * 0.8)
        pad = round(10 * s)
        tw = badge_font.getlength(text)
        bx, by = px + round(16 * s), py + round(16 * s)
        bh = round(34 * s)
        draw.rounded_rectangle(
            [bx, by, bx + tw + 2 * pad, by + bh], radius=bh // 2, fill=(*INK, 225)
        )
        draw.text((bx + pad, by + bh / 2), text, font=badge_font, fill=(255, 255, 255), anchor="lm")
    y = py + panel_h + gap

    # The prompt on ruled lines.
    draw.text((margin, y), "PROMPT", font=small, fill=MUTED)
    y += round(28 * s)
    text_bottom = height - footer_h - refs_h - round(8 * s)
    max_lines = max(1, (text_bottom - y) // line_h)
    lines = wrap_text(prompt or "(no prompt)", body_font, inner_w, max_lines)
    for i in range(max_lines):
        base = y + i * line_h + round(24 * s)
        draw.line(
            [(margin, base + round(4 * s)), (margin + inner_w, base + round(4 * s))],
            fill=RULE,
            width=1,
        )
        if i < len(lines):
            draw.text(
                (margin, base), lines[i], font=body_font, fill=INK if prompt else MUTED, anchor="ls"
            )

    if references:
        ry = height - footer_h - refs_h
        draw.text((margin, ry), "REFERENCES", font=small, fill=MUTED)
        _draw_references(card, draw, references, margin, ry + round(26 * s), cell, cell_gap, s)

    foot = get_font(round(14 * s))
    fy = height - round(footer_h * 0.55)
    draw.text((margin, fy), "CanvasToon · offline storyboard", font=foot, fill=MUTED, anchor="lm")
    draw.text((width - margin, fy), f"seed {seed}", font=foot, fill=MUTED, anchor="rm")
    return encode_png(card, compress_level=1)
