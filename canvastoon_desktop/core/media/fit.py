"""Fit pictures of any shape into a fixed frame: cover (fill, crop the centre) or contain."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

Fit = Literal["cover", "contain"]


def scaled_size(src_w: int, src_h: int, dst_w: int, dst_h: int, fit: Fit) -> tuple[int, int]:
    """Size to scale a picture to before ``place``: covering or inside ``dst``, aspect kept."""
    if fit == "cover":
        scale = max(dst_w / src_w, dst_h / src_h)
        w, h = math.ceil(src_w * scale - 1e-6), math.ceil(src_h * scale - 1e-6)
        return max(dst_w, w), max(dst_h, h)
    scale = min(dst_w / src_w, dst_h / src_h)
    return min(dst_w, max(1, round(src_w * scale))), min(dst_h, max(1, round(src_h * scale)))


def place(rgb: np.ndarray, dst_w: int, dst_h: int) -> np.ndarray:
    """Centre ``rgb`` in a ``dst_w``×``dst_h`` frame: crop what sticks out, pad black gaps."""
    h, w = rgb.shape[:2]
    if (w, h) == (dst_w, dst_h):
        return rgb
    if w >= dst_w and h >= dst_h:
        x, y = (w - dst_w) // 2, (h - dst_h) // 2
        return np.ascontiguousarray(rgb[y : y + dst_h, x : x + dst_w])
    canvas = np.zeros((dst_h, dst_w, rgb.shape[2]), dtype=rgb.dtype)
    cw, ch = min(w, dst_w), min(h, dst_h)
    sx, sy = (w - cw) // 2, (h - ch) // 2
    dx, dy = (dst_w - cw) // 2, (dst_h - ch) // 2
    canvas[dy : dy + ch, dx : dx + cw] = rgb[sy : sy + ch, sx : sx + cw]
    return canvas
