"""File inputs for hosted models: library assets as data URIs, in the form a model accepts.

Plain blocking functions (callers run them in a thread): reading, re-encoding and resizing.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import Asset
from canvastoon_desktop.core.generation import ErrorKind, GenerationError
from canvastoon_desktop.core.media.sniff import IMAGE_MIMES

__all__ = ["FileBytes", "data_uri", "read_image", "scale_mask_to", "to_png_or_jpeg"]

#: the largest input image read into memory
MAX_INPUT_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class FileBytes:
    data: bytes
    mime: str
    name: str
    width: int
    height: int


def read_image(asset: Asset, role: str) -> FileBytes:
    """An input image's bytes and size (the library checked it when it was stored)."""
    try:
        data = asset.path.read_bytes()
    except OSError:
        raise GenerationError(
            f"the {role} image is missing from the library ({asset.short})", kind=ErrorKind.NODE
        ) from None
    if len(data) > MAX_INPUT_BYTES:
        raise GenerationError(
            f"the {role} image is too large to send ({len(data) // (1024 * 1024)} MB)",
            kind=ErrorKind.NODE,
        )
    mime = media.sniff_mime(data[:64])
    if mime not in IMAGE_MIMES:
        raise GenerationError(
            f"the {role} image is not an image the model can take", kind=ErrorKind.NODE
        )
    width, height = asset.width, asset.height
    if not width or not height:  # stored before sizes were recorded: read the header only
        try:
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
        except Exception:
            raise GenerationError(f"the {role} image cannot be read", kind=ErrorKind.NODE) from None
    ext = {"image/jpeg": "jpg"}.get(mime, mime.split("/")[1])
    return FileBytes(data, mime, f"{role}.{ext}", int(width), int(height))


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def to_png_or_jpeg(image: FileBytes) -> FileBytes:
    """The image as PNG or JPEG (what AIML's video model takes), converting others to PNG."""
    if image.mime in ("image/png", "image/jpeg"):
        return image
    with Image.open(io.BytesIO(image.data)) as im:
        im.seek(0)
        converted = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    out = io.BytesIO()
    converted.save(out, "PNG")
    name = image.name.rsplit(".", 1)[0] + ".png"
    return FileBytes(out.getvalue(), "image/png", name, image.width, image.height)


def scale_mask_to(mask: FileBytes, width: int, height: int) -> FileBytes:
    """The mask at the image's size (nearest neighbour keeps it black and white): LaMa
    needs the two to be the same size."""
    if (mask.width, mask.height) == (width, height):
        return mask
    with Image.open(io.BytesIO(mask.data)) as im:
        im.seek(0)
        gray = im.convert("L")
    scaled = gray.resize((width, height), Image.Resampling.NEAREST)
    out = io.BytesIO()
    scaled.save(out, "PNG")
    return FileBytes(out.getvalue(), "image/png", "mask.png", width, height)
