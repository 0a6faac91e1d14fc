"""Pixels: draw a still from a prompt, inpaint with a mask, encode a real H.264 MP4.

Everything is deterministic: colours and layout come from a hash of the prompt (and a
variant string), so equal requests give equal bytes and different prompts differ.
These functions are CPU work; the server calls them from a thread pool.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from collections.abc import Iterator

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "cover_fit",
    "encode_image",
    "inpaint",
    "render_still",
    "render_video",
]


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()


def _palette(
    seed: bytes,
) -> tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]:
    def colour(offset: int, lo: int, hi: int) -> tuple[int, int, int]:
        r, g, b = seed[offset : offset + 3]
        span = hi - lo
        return (lo + r * span // 255, lo + g * span // 255, lo + b * span // 255)

    return colour(0, 20, 140), colour(3, 90, 235), colour(6, 150, 255)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: fixed-size bitmap font
        return ImageFont.load_default()


def cover_fit(img: Image.Image, width: int, height: int) -> Image.Image:
    """Scale and centre-crop ``img`` to exactly ``width`` × ``height``."""
    img = img.convert("RGB")
    scale = max(width / img.width, height / img.height)
    size = (max(width, round(img.width * scale)), max(height, round(img.height * scale)))
    img = img.resize(size, Image.Resampling.LANCZOS)
    left = (img.width - width) // 2
    top = (img.height - height) // 2
    return img.crop((left, top, left + width, top + height))


def render_still(
    prompt: str,
    model: str,
    width: int,
    height: int,
    *,
    variant: str = "",
    references: list[Image.Image] | None = None,
) -> Image.Image:
    """A poster for ``prompt``: hashed gradient and shapes, the prompt text, the model name.

    With ``references`` (image edit), the first reference becomes the background and all
    of them appear as a thumbnail strip, so the output visibly depends on the inputs.
    """
    seed = _digest(model, prompt, variant)
    c0, c1, c2 = _palette(seed)
    # diagonal two-colour gradient
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = ((xx / max(width - 1, 1)) * 0.35 + (yy / max(height - 1, 1)) * 0.65)[..., None]
    base = (np.array(c0, np.float32) * (1 - t) + np.array(c1, np.float32) * t).astype(np.uint8)
    img = Image.fromarray(base, "RGB")
    if references:
        bg = cover_fit(references[0], width, height)
        img = Image.blend(bg, img, 0.35)
    draw = ImageDraw.Draw(img, "RGBA")
    unit = min(width, height)
    for i in range(5):  # a few soft discs placed by the hash
        cx = seed[10 + i] * width // 255
        cy = seed[15 + i] * height // 255
        r = unit * (6 + seed[20 + i] % 18) // 100
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*c2, 70 + seed[25 + i] % 80))
    if references:
        thumb = max(16, unit // 6)
        for i, ref in enumerate(references[:5]):
            x = unit // 20 + i * (thumb + unit // 40)
            draw.rectangle(
                (x - 2, unit // 20 - 2, x + thumb + 1, unit // 20 + thumb + 1),
                fill=(255, 255, 255, 220),
            )
            img.paste(cover_fit(ref, thumb, thumb), (x, unit // 20))
    # the prompt, wrapped, on a translucent band
    size = max(10, unit // 22)
    font = _font(size)
    chars = max(8, int(width / (size * 0.55)))
    lines = textwrap.wrap(prompt, chars)[:8] or [" "]
    line_h = int(size * 1.3)
    top = height - line_h * (len(lines) + 2) - unit // 20
    draw.rectangle((0, top - line_h // 2, width, height), fill=(0, 0, 0, 120))
    for i, line in enumerate(lines):
        draw.text((unit // 25, top + i * line_h), line, fill=(255, 255, 255, 255), font=font)
    draw.text(
        (unit // 25, height - line_h - unit // 40),
        f"{model} · simulated",
        fill=(*c2, 255),
        font=_font(max(8, size * 3 // 4)),
    )
    return img


def encode_image(img: Image.Image, fmt: str = "png", quality: int = 80) -> tuple[bytes, str]:
    """``(bytes, content_type)`` for ``png`` / ``jpg`` / ``webp``."""
    buf = io.BytesIO()
    fmt = fmt.lower()
    if fmt in ("jpg", "jpeg"):
        img.convert("RGB").save(buf, "JPEG", quality=max(1, min(quality, 95)))
        return buf.getvalue(), "image/jpeg"
    if fmt == "webp":
        img.save(buf, "WEBP", quality=max(1, min(quality, 100)))
        return buf.getvalue(), "image/webp"
    img.save(buf, "PNG", optimize=False, compress_level=3)
    return buf.getvalue(), "image/png"


def inpaint(image: Image.Image, mask: Image.Image, max_side: int | None = None) -> Image.Image:
    """Fill the white area of ``mask`` from its surroundings (OpenCV Telea)."""
    img = image.convert("RGB")
    if max_side and max(img.size) > max_side:
        scale = max_side / max(img.size)
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))))
    m = mask.convert("L").resize(img.size, Image.Resampling.NEAREST)
    m_arr = (np.asarray(m) > 127).astype(np.uint8) * 255
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    filled = cv2.inpaint(bgr, m_arr, 5, cv2.INPAINT_TELEA)
    return Image.fromarray(cv2.cvtColor(filled, cv2.COLOR_BGR2RGB))


def _frames(
    first: np.ndarray, last: np.ndarray | None, count: int, zoom: float
) -> Iterator[np.ndarray]:
    """A slow push-in over ``first`` (Ken Burns), cross-fading to ``last`` if given."""
    h, w = first.shape[:2]
    bar_h = max(2, h // 120)
    for i in range(count):
        t = i / max(count - 1, 1)
        scale = 1.0 + zoom * t
        dx = (w * 0.03) * t
        m = np.array(
            [[scale, 0, (1 - scale) * w / 2 - dx], [0, scale, (1 - scale) * h / 2]],
            dtype=np.float32,
        )
        frame = cv2.warpAffine(
            first, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        if last is not None and t > 0.5:
            frame = cv2.addWeighted(frame, 1 - (t - 0.5) * 2, last, (t - 0.5) * 2, 0)
        frame[h - bar_h :, : int(w * t)] = (255, 255, 255)  # a progress line: frames differ
        yield frame


def render_video(
    prompt: str,
    model: str,
    width: int,
    height: int,
    duration_s: float,
    fps: int,
    *,
    first: Image.Image | None = None,
    last: Image.Image | None = None,
) -> bytes:
    """A real H.264/yuv420p MP4 of ``duration_s`` seconds at ``fps``.

    The first frame is ``first`` fitted to the frame (or a still drawn from the prompt);
    the camera then pushes in slowly.
    """
    width -= width % 2
    height -= height % 2
    still = (
        cover_fit(first, width, height)
        if first is not None
        else render_still(prompt, model, width, height)
    )
    first_arr = np.ascontiguousarray(np.asarray(still.convert("RGB")))
    last_arr = (
        np.ascontiguousarray(np.asarray(cover_fit(last, width, height)))
        if last is not None
        else None
    )
    count = max(1, round(duration_s * fps))
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "30"}
        for arr in _frames(first_arr, last_arr, count, zoom=0.12):
            frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()
