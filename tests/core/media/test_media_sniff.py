"""sniff_mime trusts only magic bytes: names and Content-Types lie."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from media_factory import image_bytes

from canvastoon_desktop.core.media import sniff_mime


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\0\0\2\0" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\0\0\0\x08free"


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (image_bytes(fmt="PNG"), "image/png"),
        (image_bytes(fmt="JPEG"), "image/jpeg"),
        (image_bytes(fmt="WEBP"), "image/webp"),
        (image_bytes(fmt="GIF"), "image/gif"),
        (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4"),
        (ftyp(b"mp42", b"mp42", b"isom"), "video/mp4"),
        (ftyp(b"avc1"), "video/mp4"),
        (ftyp(b"qt  ", b"qt  "), "video/mp4"),
        (ftyp(b"XAVC", b"mp42"), "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "video/x-matroska"),
        (ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), "audio/mp4"),  # AAC sound, no picture
        (b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00", "audio/wav"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio/mpeg"),  # an MP3 frame, no tag
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
    ],
)
def test_recognises_supported_formats_by_magic_bytes(head: bytes, mime: str) -> None:
    assert sniff_mime(head) == mime
    assert sniff_mime(head[:64]) == mime


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
        b'{"error": "rate limited"}',
        b"%PDF-1.7",
        b"#EXTM3U\n#EXT-X-VERSION:3\nfile:///etc/passwd",
        ftyp(b"heic", b"mif1", b"heic"),  # an HEIC photo: same box, not a video
        ftyp(b"avif", b"avif", b"mif1"),
        b"\xff\xf1\x50\x80",  # frame sync, but layer 0 (an AAC ADTS stream, not MP3)
        b"RIFF\x24\x08\x00\x00AVI LIST",  # a RIFF that is neither WAVE nor WEBP
        b"\x89PNG\r\n",  # too short to be sure
    ],
)
def test_refuses_everything_else(head: bytes) -> None:
    assert sniff_mime(head) is None


@given(st.binary(max_size=256))
def test_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    assert sniff_mime(data) in {
        None,
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/gif",
        "video/mp4",
        "video/webm",
        "video/x-matroska",
        "audio/wav",
        "audio/mpeg",
        "audio/mp4",
        "audio/flac",
        "audio/ogg",
    }
