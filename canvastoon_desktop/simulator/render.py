"""What each model's output looks like: sizes, file names, formats — and a render cache.

By default outputs are small (images 384 px on the short side, videos 360 px on the
short side at 8 fps) so tests stay fast, while aspect ratio and duration stay honest;
``full_size`` renders the real dimensions. 384 px keeps a small image usable as a
hailuo first frame, which needs a short side over 300 px. Identical requests hit an
LRU cache.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from . import media
from .inputs import DecodedImage
from .jobs import RenderedFile

__all__ = ["RenderCache", "Renderer", "aspect_size", "parse_aspect"]

SMALL_IMAGE_SHORT_SIDE = 384
SMALL_INPAINT_LONG_SIDE = 1024
SMALL_VIDEO_SHORT_SIDE = 360
SMALL_VIDEO_FPS = 8
FULL_VIDEO_FPS = 24


def parse_aspect(aspect: str) -> float:
    """``"9:16"`` → width / height."""
    w, h = aspect.split(":")
    return float(w) / float(h)


def aspect_size(ratio: float, long_side: int) -> tuple[int, int]:
    """Width and height (multiples of 8) with the given ratio and long side."""
    if ratio >= 1:
        w, h = long_side, long_side / ratio
    else:
        w, h = long_side * ratio, long_side
    return max(8, round(w / 8) * 8), max(8, round(h / 8) * 8)


def small_size(width: int, height: int) -> tuple[int, int]:
    """Shrink (never grow) so the short side is 384 px, keeping the aspect ratio."""
    short = min(width, height)
    if short <= SMALL_IMAGE_SHORT_SIDE:
        return width, height
    scale = SMALL_IMAGE_SHORT_SIDE / short
    return max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8)


def video_size(ratio: float, short_side: int) -> tuple[int, int]:
    """Even width and height with the given ratio and short side."""
    if ratio >= 1:
        w, h = short_side * ratio, short_side
    else:
        w, h = short_side, short_side / ratio
    return max(2, round(w / 2) * 2), max(2, round(h / 2) * 2)


def _key_hash(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else repr(p).encode())
        h.update(b"\x1f")
    return h.hexdigest()


class RenderCache:
    """LRU of rendered files, bounded by total bytes; thread-safe."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[str, list[RenderedFile]] = OrderedDict()
        self._size = 0
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: str, make: Callable[[], list[RenderedFile]]) -> list[RenderedFile]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        files = make()
        size = sum(len(f.data) for f in files)
        with self._lock:
            if key not in self._items:
                self._items[key] = files
                self._size += size
            while self._size > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._size -= sum(len(f.data) for f in old)
        return files


def _aiml_name(ext: str) -> str:
    return f"{int(time.time() * 1000)}-{uuid.uuid4()}.{ext}"


@dataclass
class Renderer:
    full_size: bool
    cache: RenderCache

    # -- AIML -------------------------------------------------------------------------
    def aiml_images(
        self,
        model: str,
        prompt: str,
        aspect_ratio: str,
        resolution: str,
        count: int,
        references: list[DecodedImage],
    ) -> list[RenderedFile]:
        long_side = {"1K": 1024, "2K": 2048, "4K": 4096}[resolution]
        w, h = aspect_size(parse_aspect(aspect_ratio), long_side)
        if not self.full_size:
            w, h = small_size(w, h)
        refs_key = [r.data for r in references]
        files: list[RenderedFile] = []
        for i in range(count):
            key = _key_hash("aiml-image", model, prompt, w, h, i, *refs_key)

            def make(i: int = i) -> list[RenderedFile]:
                img = media.render_still(
                    prompt, model, w, h, variant=str(i), references=[r.open() for r in references]
                )
                data, ctype = media.encode_image(img, "png")
                return [RenderedFile(data, "", ctype, w, h)]

            cached = self.cache.get_or_make(key, make)[0]
            files.append(RenderedFile(cached.data, _aiml_name("png"), cached.content_type, w, h))
        return files

    # -- Replicate --------------------------------------------------------------------
    def z_image(
        self, prompt: str, width: int, height: int, seed: int, fmt: str, quality: int
    ) -> list[RenderedFile]:
        w, h = (width, height) if self.full_size else small_size(width, height)
        key = _key_hash("z-image", prompt, w, h, seed, fmt, quality)

        def make() -> list[RenderedFile]:
            img = media.render_still(prompt, "prunaai/z-image-turbo", w, h, variant=str(seed))
            data, ctype = media.encode_image(img, fmt, quality)
            ext = "jpg" if fmt in ("jpg", "jpeg") else fmt
            return [RenderedFile(data, f"out-0.{ext}", ctype, w, h)]

        return self.cache.get_or_make(key, make)

    def lama(self, image: DecodedImage, mask: DecodedImage) -> list[RenderedFile]:
        key = _key_hash("lama", image.data, mask.data, self.full_size)

        def make() -> list[RenderedFile]:
            max_side = None if self.full_size else SMALL_INPAINT_LONG_SIDE
            out = media.inpaint(image.open(), mask.open(), max_side=max_side)
            data, ctype = media.encode_image(out, "png")
            return [RenderedFile(data, "output.png", ctype, out.width, out.height)]

        return self.cache.get_or_make(key, make)

    def video(
        self,
        model: str,
        prompt: str,
        *,
        ratio: float,
        short_side: int,
        duration_s: int,
        fps: int | None,
        first: DecodedImage | None,
        last: DecodedImage | None = None,
        filename: str = "output.mp4",
    ) -> list[RenderedFile]:
        if self.full_size:
            fps = fps or FULL_VIDEO_FPS
        else:
            short_side, fps = SMALL_VIDEO_SHORT_SIDE, SMALL_VIDEO_FPS
        w, h = video_size(ratio, short_side)
        key = _key_hash(
            "video",
            model,
            prompt,
            w,
            h,
            duration_s,
            fps,
            first.data if first else b"",
            last.data if last else b"",
        )

        def make() -> list[RenderedFile]:
            first_img: Image.Image | None = first.open() if first else None
            last_img: Image.Image | None = last.open() if last else None
            data = media.render_video(
                prompt, model, w, h, duration_s, fps, first=first_img, last=last_img
            )
            return [RenderedFile(data, filename, "video/mp4", w, h)]

        return self.cache.get_or_make(key, make)
