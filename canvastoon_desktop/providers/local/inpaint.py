"""Offline inpainting: fill a masked area from its surroundings (OpenCV Telea or Navier-Stokes).

Good for removing small things (a logo, a stray hand, text); it does not invent new content.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from PIL import Image

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import decode_image
from canvastoon_desktop.core.media.image import encode_png, rgb_icc_profile

_METHODS = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}


def mask_to_binary(mask: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """Mask image → H×W bool array at ``size`` (True = fill).

    White means fill, thresholded at 50% grey; where the mask has an alpha channel,
    transparent counts as black (so a brush layer on a transparent background works). A mask
    of another size is stretched to the image with nearest-neighbour sampling, so its edges
    stay hard.
    """
    value: np.ndarray
    if mask.mode in ("RGBA", "LA"):
        alpha = np.asarray(mask.getchannel("A"), dtype=np.uint16)
        grey = np.asarray(mask.convert("L"), dtype=np.uint16)
        value = (grey * alpha // 255).astype(np.uint8)
    else:
        value = np.asarray(mask.convert("L"))
    if (value.shape[1], value.shape[0]) != size:
        value = cv2.resize(value, size, interpolation=cv2.INTER_NEAREST)
    return value >= 128


def inpaint_image(
    image: bytes,
    mask: bytes,
    *,
    method: Literal["telea", "ns"] = "telea",
    radius: int = 5,
) -> bytes:
    """Fill the white parts of ``mask`` in ``image``; returns a PNG of the image's size.

    Pixels outside the mask are returned unchanged; an all-black mask returns the image as
    is. The image's alpha channel, if any, is kept as it was.
    """
    if method not in _METHODS:
        raise MediaError(f"inpaint method must be 'telea' or 'ns', not {method!r}")
    if not (isinstance(radius, int) and 1 <= radius <= 100):
        raise MediaError(f"inpaint radius must be a whole number from 1 to 100, not {radius!r}")
    im = decode_image(image, label="the image")
    mk = decode_image(mask, label="the mask")
    fill = mask_to_binary(mk, im.size)
    icc = rgb_icc_profile(im)
    if not fill.any():
        return encode_png(im, icc=icc)
    arr = np.asarray(im)
    rgb = np.ascontiguousarray(arr[..., :3])
    filled = cv2.inpaint(rgb, fill.astype(np.uint8) * 255, float(radius), _METHODS[method])
    if arr.shape[2] == 4:
        filled = np.dstack([filled, arr[..., 3]])
    return encode_png(Image.fromarray(filled), icc=icc)
