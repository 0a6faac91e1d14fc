"""Images are fully decoded; anything broken, hostile or not an image is a MediaError."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from media_factory import gradient_png, image_bytes
from PIL import Image

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import (
    ImageInfo,
    image_to_png_bytes,
    probe_image_bytes,
    probe_image_file,
)


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I4s", len(data), ctype)
        + data
        + struct.pack(">I", zlib.crc32(ctype + data) & 0xFFFFFFFF)
    )


def bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming a huge canvas, followed by a tiny compressed stream."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("fmt", "mode", "expected"),
    [
        ("PNG", "RGB", ImageInfo(64, 48, "png", "image/png", "RGB", False)),
        ("PNG", "RGBA", ImageInfo(64, 48, "png", "image/png", "RGBA", True)),
        ("JPEG", "RGB", ImageInfo(64, 48, "jpeg", "image/jpeg", "RGB", False)),
        ("WEBP", "RGBA", ImageInfo(64, 48, "webp", "image/webp", "RGBA", True)),
        ("GIF", "P", ImageInfo(64, 48, "gif", "image/gif", "P", False)),
    ],
)
def test_probe_describes_supported_images(fmt: str, mode: str, expected: ImageInfo) -> None:
    color = 3 if mode == "P" else (200, 30, 40, 128)[: len(mode)]
    assert probe_image_bytes(image_bytes(mode, fmt=fmt, color=color)) == expected


def test_palette_png_with_transparency_has_alpha() -> None:
    data = image_bytes("P", color=0, transparency=0)
    assert probe_image_bytes(data).has_alpha


def test_animated_gif_counts_frames() -> None:
    frames = [Image.new("RGB", (20, 20), (60 * i, 0, 0)) for i in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    assert probe_image_bytes(buf.getvalue()).frames == 4


def test_probe_reports_the_displayed_size_of_rotated_jpeg() -> None:
    im = Image.new("RGB", (80, 40), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, "rotate 90° clockwise to display"
    buf = io.BytesIO()
    im.save(buf, format="JPEG", exif=exif.tobytes())
    info = probe_image_bytes(buf.getvalue())
    assert (info.width, info.height) == (40, 80)
    png = image_to_png_bytes(buf.getvalue())
    assert Image.open(io.BytesIO(png)).size == (40, 80)


def test_probe_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "portrait.webp"
    path.write_bytes(image_bytes(fmt="WEBP"))
    assert probe_image_file(path).format == "webp"
    (tmp_path / "broken.png").write_bytes(image_bytes()[:-30])
    with pytest.raises(MediaError, match=r"^broken\.png: "):
        probe_image_file(tmp_path / "broken.png")


def test_truncated_png_is_refused() -> None:
    data = gradient_png(200, 200)
    with pytest.raises(MediaError, match=r"is truncated \(the file ends early"):
        probe_image_bytes(data[: len(data) // 2])


def test_truncated_jpeg_is_refused() -> None:
    im = Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=90)
    with pytest.raises(MediaError, match="truncated"):
        probe_image_bytes(buf.getvalue()[:3000])


def test_png_with_corrupted_pixel_data_is_refused() -> None:
    data = bytearray(gradient_png(64, 64))
    idat = data.index(b"IDAT")
    data[idat + 40 : idat + 48] = b"\xff" * 8  # CRC no longer matches
    with pytest.raises(MediaError, match="damaged"):
        probe_image_bytes(bytes(data))


def test_html_saved_as_png_is_refused_with_a_helpful_message(tmp_path: Path) -> None:
    path = tmp_path / "generated.png"
    path.write_bytes(b"<!DOCTYPE html>\n<html><body><h1>503 Service Unavailable</h1></body></html>")
    with pytest.raises(
        MediaError, match=r"generated\.png: not an image, it is a web page \(HTML\)"
    ):
        probe_image_file(path)


def test_zero_byte_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(MediaError, match=r"empty\.png: not an image, it is empty \(0 bytes\)"):
        probe_image_file(path)


def test_missing_file_is_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="file not found"):
        probe_image_file(tmp_path / "nope.png")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(
        MediaError, match=r"refused, it claims to be far larger than 80,000,000 pixels"
    ):
        probe_image_bytes(bomb_png(100_000, 100_000))


def test_image_above_max_pixels_is_refused_with_its_size() -> None:
    with pytest.raises(
        MediaError,
        match=r"refused, 5,000 × 5,000 pixels is more than the "
        r"1,000,000 allowed",
    ):
        probe_image_bytes(bomb_png(5000, 5000), max_pixels=1_000_000)


@pytest.mark.slow
def test_tall_webtoon_strip_is_accepted() -> None:
    info = probe_image_bytes(image_bytes(size=(800, 20_000)))
    assert (info.width, info.height) == (800, 20_000)


@pytest.mark.parametrize(
    ("mode", "color", "out_mode"),
    [
        ("RGB", (1, 2, 3), "RGB"),
        ("RGBA", (1, 2, 3, 4), "RGBA"),
        ("L", 77, "RGB"),
        ("LA", (77, 100), "RGBA"),
        ("P", 5, "RGB"),
        ("CMYK", (0, 255, 0, 0), "RGB"),
    ],
)
def test_image_to_png_normalises_to_rgb_or_rgba(mode: str, color: object, out_mode: str) -> None:
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = image_to_png_bytes(image_bytes(mode, color=color, fmt=fmt))
    assert out.startswith(b"\x89PNG")
    im = Image.open(io.BytesIO(out))
    assert im.mode == out_mode and im.size == (64, 48)


def test_image_to_png_keeps_pixels_exactly() -> None:
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 255, (30, 40, 4), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr, "RGBA").save(buf, format="WEBP", lossless=True, exact=True)
    out = Image.open(io.BytesIO(image_to_png_bytes(buf.getvalue())))
    assert np.array_equal(np.asarray(out), arr)


def test_rgb_colour_profile_is_kept_and_exif_dropped() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x8825] = {2: (35.0, 41.0, 0.0)}  # GPS latitude: private, must not leak
    src = image_bytes(fmt="JPEG", icc_profile=srgb, exif=exif.tobytes())
    out = Image.open(io.BytesIO(image_to_png_bytes(src)))
    assert out.info.get("icc_profile") == srgb
    assert "exif" not in out.info and not out.getexif()


def test_16_bit_greyscale_png_becomes_8_bit_rgb() -> None:
    arr = (np.arange(64 * 16, dtype=np.uint16).reshape(16, 64) * 64).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    out = np.asarray(Image.open(io.BytesIO(image_to_png_bytes(buf.getvalue()))))
    assert out.shape == (16, 64, 3)
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == (arr[-1, -1] >> 8)


def test_image_to_png_refuses_non_images() -> None:
    with pytest.raises(MediaError, match="not an image"):
        image_to_png_bytes(b'{"error": "quota"}')


_VALID = gradient_png(24, 24)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=512),
        st.binary(max_size=512).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
        st.binary(max_size=512).map(lambda b: b"\xff\xd8\xff" + b),
        st.binary(max_size=512).map(lambda b: b"GIF89a" + b),
        st.binary(max_size=512).map(lambda b: b"RIFF\0\0\0\0WEBP" + b),
        st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)).map(
            lambda p: _VALID[: p[0]] + bytes([p[1]]) + _VALID[p[0] + 1 :]
        ),
    )
)
def test_arbitrary_bytes_give_media_error_or_a_sound_image(data: bytes) -> None:
    try:
        info = probe_image_bytes(data)
    except MediaError as err:
        assert str(err) and "Traceback" not in str(err)
    else:
        assert info.width > 0 and info.height > 0
