"""Thumbnails: aspect kept, longest side bounded, fast enough for a library grid."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from media_factory import image_bytes
from PIL import Image

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import thumbnail_png


def size_of(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(png)).size


@pytest.mark.slow
def test_png_thumbnail_keeps_aspect_and_shows_the_picture(tmp_path: Path) -> None:
    # A photo-like 1080 × 1920 frame (about 5 MB of PNG: grain does not compress).
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, 1080, dtype=np.float32)[None, :, None]
    arr = (ramp + rng.normal(0, 12, (1920, 1080, 3))).clip(0, 255).astype(np.uint8)
    path = tmp_path / "frame.png"
    Image.fromarray(arr).save(path)
    png = thumbnail_png(path)  # its speed is a benchmark figure, not a timed test
    assert size_of(png) == (144, 256)
    # It is a picture of the source, not a blank: dark on the left, bright on the right.
    thumb = np.asarray(Image.open(io.BytesIO(png)))
    assert thumb[:, :10].mean() < 30 and thumb[:, -10:].mean() > 225


def test_jpeg_thumbnail(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(image_bytes(size=(3000, 2000), fmt="JPEG"))
    assert size_of(thumbnail_png(path, max_side=300)) == (300, 200)


def test_small_image_is_not_enlarged_and_alpha_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "icon.png"
    path.write_bytes(image_bytes("RGBA", size=(40, 20), color=(0, 0, 0, 0)))
    png = thumbnail_png(path)
    assert size_of(png) == (40, 20)
    assert Image.open(io.BytesIO(png)).mode == "RGBA"


def test_video_thumbnail_keeps_aspect(make_video: Callable[..., Path]) -> None:
    path = make_video(width=320, height=176, seconds=2.0)
    assert size_of(thumbnail_png(path, max_side=128)) == (128, 70)


def test_thumbnail_of_non_media_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(MediaError, match=r"notes\.png: cannot make a preview"):
        thumbnail_png(path)


def test_thumbnail_of_bad_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(image_bytes())
    with pytest.raises(MediaError, match="at least 1 pixel"):
        thumbnail_png(path, max_side=0)


def test_a_sounds_thumbnail_is_its_waveform(tmp_path: Path) -> None:
    from tests.support.media_assets import quiet_then_loud_wav

    png = thumbnail_png(quiet_then_loud_wav(tmp_path / "line.wav"), max_side=256)
    assert size_of(png) == (256, 128)  # wide: sound runs in time
    alpha = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))[..., 3] > 0
    heights = alpha.sum(axis=0)  # how tall the bars stand, column by column
    quiet, loud = heights[10:118].mean(), heights[138:246].mean()
    assert loud > 100 and quiet < loud / 5  # a tenth of the level: a bar a tenth as tall
    assert not alpha[:40, 10:118].any()  # over the quiet bars, the card shows through
    assert alpha[60:68, 10:118].all()  # the bars stand on the middle line
