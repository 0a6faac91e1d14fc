"""Real sounds and pictures in a library, for the viewers' tests: a sound whose loudness has
a shape you can see (quiet, then loud), a webtoon strip made by the strip renderer, and an
ordinary 9:16 picture."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.media.audio import write_wav
from canvastoon_desktop.core.media.strip import Lettering, compose_strip, jpeg_under
from tests.support.library_factory import png_bytes

RATE = 48_000


def quiet_then_loud_wav(path: Path, seconds: float = 2.5) -> Path:
    """A 440 Hz tone, its first half at a tenth of the level of its second."""
    t = np.arange(round(seconds * RATE)) / RATE
    level = np.where(t < seconds / 2, 0.05, 0.5)
    mono = (level * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return write_wav(path, np.stack([mono, mono]))


def sound_asset(library: Library, root: Path, seconds: float = 2.5) -> Asset:
    path = quiet_then_loud_wav(root / "line.wav", seconds)
    return library.put_file(path, AssetKind.AUDIO, "audio/wav", duration_s=seconds)


def strip_asset(library: Library, panels: int = 4) -> Asset:
    """A lettered strip of ``panels`` 9:16 panels, 800 px wide (about 1,500 px a panel)."""
    pictures = [Image.open(io.BytesIO(png_bytes(i, 360, 640))) for i in range(panels)]
    lettering = [Lettering(balloons=(("Mina", f"Line {i + 1}!"),)) for i in range(panels)]
    strip = compose_strip(pictures, lettering).image
    data = jpeg_under(strip)
    return library.put_bytes(
        data, AssetKind.IMAGE, "image/jpeg", width=strip.width, height=strip.height
    )


def portrait_asset(library: Library) -> Asset:
    return library.put_bytes(
        png_bytes(9, 720, 1280), AssetKind.IMAGE, "image/png", width=720, height=1280
    )
