"""Decode images that providers and users hand us, refusing anything broken or hostile.

Only PNG, JPEG, WebP and GIF are opened (Pillow's other plugins are never consulted), the
claimed size is checked before any pixel is decoded, and every image is fully decoded, not
just ``verify()``-ed, so truncated files fail here rather than later in a node.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, ImageOps

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.sniff import IMAGE_MIMES, describe_head, sniff_mime
from canvastoon_desktop.core.media.types import ImageFormat, ImageInfo

DEFAULT_MAX_PIXELS = 80_000_000  # a tall webtoon strip (800 × 60 000) still fits
MAX_IMAGE_FILE_BYTES = 512 * 1024 * 1024
_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "GIF": "gif"}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_FRAME_BUDGET = 4  # animated images: decode frames up to 4 × max_pixels in total


def file_label(path: str | os.PathLike[str]) -> str:
    return Path(path).name or str(path)


def read_head(path: str | os.PathLike[str], n: int = 64, *, label: str | None = None) -> bytes:
    """First bytes of a file, with a plain message for missing / unreadable files."""
    label = label or file_label(path)
    try:
        with open(path, "rb") as fp:
            return fp.read(n)
    except FileNotFoundError:
        raise MediaError(f"{label}: file not found") from None
    except IsADirectoryError:
        raise MediaError(f"{label}: is a folder, not a file") from None
    except PermissionError:
        raise MediaError(f"{label}: permission denied") from None
    except OSError as exc:
        raise MediaError(f"{label}: cannot be read ({exc.strerror or exc})") from None


def read_file(path: str | os.PathLike[str], *, limit: int, label: str | None = None) -> bytes:
    """A whole file's bytes, refusing files larger than ``limit`` before reading them."""
    label = label or file_label(path)
    read_head(path, 0, label=label)  # plain messages for missing / unreadable files
    try:
        size = os.path.getsize(path)
        if size > limit:
            raise MediaError(f"{label}: refused, {size:,} bytes is more than {limit:,} allowed")
        with open(path, "rb") as fp:
            return fp.read(limit + 1)
    except OSError as exc:
        raise MediaError(f"{label}: cannot be read ({exc.strerror or exc})") from None


def _opener_for(
    source: bytes | str | os.PathLike[str], label: str
) -> tuple[Callable[[], IO[bytes]], bytes]:
    data = (
        bytes(source)
        if isinstance(source, bytes | bytearray | memoryview)
        else read_file(source, limit=MAX_IMAGE_FILE_BYTES, label=label)
    )
    return (lambda: io.BytesIO(data)), data[:64]


def _open(fp: IO[bytes], label: str, max_pixels: int) -> Image.Image:
    try:
        im = Image.open(fp, formats=list(_FORMATS))
    except Image.DecompressionBombError:
        raise MediaError(
            f"{label}: refused, it claims to be far larger than {max_pixels:,} pixels "
            "(a 'decompression bomb')"
        ) from None
    w, h = im.size
    if w <= 0 or h <= 0:
        raise MediaError(f"{label}: has no pixels ({w} × {h})")
    if w * h > max_pixels:
        raise MediaError(
            f"{label}: refused, {w:,} × {h:,} pixels is more than the {max_pixels:,} allowed"
        )
    return im


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return "is truncated (the file ends early, perhaps an interrupted download)"
    return f"is damaged and cannot be decoded ({text[:120]})"


def _decode(
    source: bytes | str | os.PathLike[str],
    label: str,
    max_pixels: int,
    *,
    all_frames: bool,
    draft: tuple[int, int] | None = None,
) -> tuple[Image.Image, ImageInfo]:
    opener, head = _opener_for(source, label)
    mime = sniff_mime(head)
    if mime not in IMAGE_MIMES:
        raise MediaError(f"{label}: not an image, it is {describe_head(head)}")
    try:
        if draft is None:  # verify() checks PNG CRCs; it needs a fresh image afterwards
            with opener() as fp, _open(fp, label, max_pixels) as probe:
                probe.verify()
        fp = opener()
        im = _open(fp, label, max_pixels)
        fmt: ImageFormat = _FORMATS[im.format or ""]  # type: ignore[assignment]
        frames = int(getattr(im, "n_frames", 1) or 1)
        if draft is not None and fmt == "jpeg":
            im.draft("RGB", draft)
        im.load()
        if all_frames and frames > 1:
            budget = _FRAME_BUDGET * max_pixels - im.width * im.height
            for index in range(1, frames):
                budget -= im.width * im.height
                if budget < 0:
                    break
                im.seek(index)
                im.load()
            im.seek(0)
            im.load()
        mode = im.mode
        has_alpha = mode in _ALPHA_MODES or "transparency" in im.info
        orientation = im.getexif().get(0x0112, 1) if fmt in ("jpeg", "webp", "png") else 1
    except MediaError:
        raise
    except MemoryError:
        raise MediaError(f"{label}: too large to decode in the memory available") from None
    except Exception as exc:  # Pillow raises many types for hostile input; all mean "broken"
        raise MediaError(f"{label}: {_reason(exc)}") from None
    w, h = im.size
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    info = ImageInfo(w, h, fmt, mime, mode, has_alpha, frames)
    return im, info


def probe_image_bytes(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageInfo:
    """Fully decode image bytes and describe them; MediaError if they are not a sound image."""
    im, info = _decode(data, "the image", max_pixels, all_frames=True)
    im.close()
    return info


def probe_image_file(
    path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ImageInfo:
    """Fully decode an image file and describe it; MediaError names the file when it is bad."""
    im, info = _decode(path, file_label(path), max_pixels, all_frames=True)
    im.close()
    return info


def decode_image(
    source: bytes | str | os.PathLike[str],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    draft: tuple[int, int] | None = None,
    label: str | None = None,
) -> Image.Image:
    """Safely decode the first frame as an RGB or RGBA image, EXIF rotation applied.

    ``draft`` lets JPEG decode at a reduced scale (at least that size) when only a small
    version is needed, which is several times faster.
    """
    if label is None:
        label = "the image" if isinstance(source, bytes | bytearray) else file_label(source)
    im, _info = _decode(source, label, max_pixels, all_frames=False, draft=draft)
    try:
        rgb = to_rgb(im)
        return ImageOps.exif_transpose(rgb) or rgb
    except Exception as exc:
        raise MediaError(f"{label}: {_reason(exc)}") from None


def to_rgb(im: Image.Image) -> Image.Image:
    """Convert any decoded mode to RGB, or RGBA when the image has transparency."""
    if im.mode in ("RGB", "RGBA"):
        return im
    if im.mode in _ALPHA_MODES or "transparency" in im.info:
        return im.convert("RGBA")
    if im.mode.startswith("I"):  # 16-bit greyscale PNG: keep the top 8 bits
        arr = np.asarray(im.convert("I"), dtype=np.int64)
        arr = np.clip(arr >> 8 if np.max(arr) > 255 else arr, 0, 255).astype(np.uint8)
        return Image.fromarray(arr).convert("RGB")
    return im.convert("RGB")


def encode_png(im: Image.Image, *, compress_level: int = 6, icc: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs = {"icc_profile": icc} if icc else {}
    im.save(buf, format="PNG", compress_level=compress_level, **kwargs)
    return buf.getvalue()


def rgb_icc_profile(im: Image.Image) -> bytes | None:
    """The image's ICC profile if it describes RGB data (a CMYK or grey profile would be
    wrong on the converted RGB pixels, so it is dropped)."""
    icc = im.info.get("icc_profile")
    return icc if isinstance(icc, bytes) and icc[16:20] == b"RGB " else None


def image_to_png_bytes(data: bytes) -> bytes:
    """Normalise a supported image to an RGB/RGBA PNG of its first frame.

    EXIF rotation is baked in and EXIF itself dropped (it may carry GPS positions); an RGB
    ICC colour profile is kept so colours do not shift.
    """
    im = decode_image(data)
    return encode_png(im, icc=rgb_icc_profile(im))
