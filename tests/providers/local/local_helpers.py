"""Helpers for the offline-model tests: build inputs, decode outputs."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from PIL import Image


def png(arr: np.ndarray, mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr, mode).save(buf, format="PNG")
    return buf.getvalue()


def load(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth, varied RGB image: a gradient with soft blobs (like a photo background)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 120 + 80 * np.sin(x / 23 + seed)
    g = 100 + 60 * np.cos(y / 31 - seed)
    b = 90 + 70 * np.sin((x + y) / 47)
    return np.stack([r, g, b], axis=-1).clip(0, 255).astype(np.uint8)


def decode_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def centroid(mask: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(mask)
    return float(xs.mean()), float(ys.mean())
