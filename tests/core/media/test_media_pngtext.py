"""PNG text chunks carry provenance: exact UTF-8 round trip, pixels untouched."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from media_factory import gradient_png
from PIL import Image, PngImagePlugin

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media import read_png_text_chunks, write_png_text_chunks

PNG = gradient_png(32, 24)


def test_round_trip_utf8_and_pixels_are_untouched() -> None:
    texts = {
        "canvastoon:graph": '{"nodes": 3, "prompt": "밤의 무대 ✨ — «encore»"}',
        "Software": "CanvasToon Desktop 0.1",
        "long": "가나다라 " * 2000,  # stored compressed
    }
    out = write_png_text_chunks(PNG, texts)
    assert read_png_text_chunks(out) == texts
    assert np.array_equal(
        np.asarray(Image.open(io.BytesIO(out))), np.asarray(Image.open(io.BytesIO(PNG)))
    )
    assert len(out) < len(PNG) + 2000  # the long value really is compressed
    # Other readers see the same text.
    im = Image.open(io.BytesIO(out))
    assert im.text["canvastoon:graph"] == texts["canvastoon:graph"]


def test_writing_a_key_again_replaces_it() -> None:
    once = write_png_text_chunks(PNG, {"a": "1", "b": "2"})
    twice = write_png_text_chunks(once, {"a": "3"})
    assert read_png_text_chunks(twice) == {"a": "3", "b": "2"}
    assert twice.count(b"iTXta\0") == 1


def test_reads_text_written_by_other_tools() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "plain latin-1 café")
    info.add_text("Comment", "x" * 5000, zip=True)
    info.add_itxt("Author", "작가", lang="ko")
    buf = io.BytesIO()
    Image.open(io.BytesIO(PNG)).save(buf, format="PNG", pnginfo=info)
    assert read_png_text_chunks(buf.getvalue()) == {
        "Title": "plain latin-1 café",
        "Comment": "x" * 5000,
        "Author": "작가",
    }


@pytest.mark.slow
def test_compressed_text_bomb_is_skipped() -> None:
    bomb = zlib.compress(b"A" * (64 * 1024 * 1024), 9)
    data = b"big\0\0" + bomb
    chunk = len(data).to_bytes(4, "big") + b"zTXt" + data
    chunk += (zlib.crc32(b"zTXt" + data) & 0xFFFFFFFF).to_bytes(4, "big")
    iend = PNG.rindex(b"IEND") - 4
    png = PNG[:iend] + chunk + PNG[iend:]
    assert read_png_text_chunks(write_png_text_chunks(png, {"ok": "yes"})) == {"ok": "yes"}


@pytest.mark.parametrize("key", ["", " lead", "trail ", "a  b", "x" * 80, "키", "nul\0"])
def test_invalid_keys_are_refused(key: str) -> None:
    with pytest.raises(MediaError, match="PNG text key"):
        write_png_text_chunks(PNG, {key: "v"})


def test_not_a_png_is_refused() -> None:
    with pytest.raises(MediaError, match="not a PNG"):
        read_png_text_chunks(b"GIF89a....")
    with pytest.raises(MediaError, match="truncated"):
        write_png_text_chunks(PNG[:-20], {"a": "b"})


_KEY = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=79)


@pytest.mark.slow
@given(st.dictionaries(_KEY, st.text(st.characters(exclude_categories=("Cs",))), max_size=5))
def test_any_text_round_trips(texts: dict[str, str]) -> None:
    assert read_png_text_chunks(write_png_text_chunks(PNG, texts)) == texts
