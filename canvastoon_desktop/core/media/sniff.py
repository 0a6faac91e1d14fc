"""Recognise media by magic bytes, so a file's name or a server's Content-Type is never trusted."""

from __future__ import annotations

# Major brands of ISO-BMFF files that hold video. HEIC/AVIF (images) and M4A (audio only)
# share the container but are deliberately absent.
_MP4_BRANDS = (
    "iso",
    "mp41",
    "mp42",
    "mp71",
    "avc1",
    "qt  ",
    "m4v ",
    "m4vh",
    "m4vp",
    "3gp",
    "3g2",
    "dash",
    "mmp4",
    "msnv",
    "f4v ",
    "xavc",
    "ndas",
    "ndxc",
    "mj2s",
    "cmfc",
)
_NOT_VIDEO_BRANDS = (
    "heic",
    "heix",
    "heim",
    "heis",
    "hevc",
    "hevx",
    "mif1",
    "msf1",
    "avif",
    "avis",
    "m4a ",
    "m4b ",
    "m4p ",
    "jp2 ",
    "crx ",
)

_AUDIO_MP4_BRANDS = ("m4a ", "m4b ")

IMAGE_MIMES = ("image/png", "image/jpeg", "image/webp", "image/gif")
VIDEO_MIMES = ("video/mp4", "video/webm", "video/x-matroska")
AUDIO_MIMES = ("audio/wav", "audio/mpeg", "audio/mp4", "audio/flac", "audio/ogg")


def sniff_mime(head: bytes) -> str | None:
    """Return the MIME type the first bytes (32 or more is plenty) prove, or None."""
    head = bytes(head[:4096])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        if head[8:12].decode("latin-1").lower() in _AUDIO_MP4_BRANDS:
            return "audio/mp4"
        return "video/mp4" if _is_video_brand(head) else None
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or _is_mpeg_audio_frame(head):
        return "audio/mpeg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # The EBML header names its DocType within the first few dozen bytes.
        if b"webm" in head[:64]:
            return "video/webm"
        if b"matroska" in head[:64]:
            return "video/x-matroska"
    return None


def _is_mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header (MP3 without an ID3 tag): 11 sync bits, a layer, a
    bit-rate index that is neither free nor invalid, and a valid sample rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 0b11
    return layer != 0 and bitrate not in (0, 15) and rate != 3


def _is_video_brand(head: bytes) -> bool:
    size = int.from_bytes(head[:4], "big")
    box = head[8 : min(len(head), max(size, 16))]
    brands = [box[i : i + 4].decode("latin-1").lower() for i in range(0, len(box) - 3, 4)]
    major, compatible = brands[0], brands[2:]  # brands[1] is the minor version
    if major.startswith(_NOT_VIDEO_BRANDS):
        return False
    if major.startswith(_MP4_BRANDS):
        return True
    return any(b.startswith(("iso", "mp41", "mp42", "avc1")) for b in compatible)


def describe_head(head: bytes) -> str:
    """Say in plain words what some bytes look like, for error messages."""
    mime = sniff_mime(head)
    if mime:
        kind, sub = mime.split("/")
        sub = {"x-matroska": "MKV", "jpeg": "JPEG", "mpeg": "MP3", "mp4": "M4A"}.get(
            sub if kind == "audio" or sub != "mp4" else "", sub.upper()
        )
        return f"a {sub} {kind}"
    if not head:
        return "empty (0 bytes)"
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text or b"<body" in text:
        return "a web page (HTML), probably an error page saved under a media name"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "an XML/SVG document, not a bitmap image"
    if text.startswith((b"{", b"[")):
        return "JSON text, probably an error response saved under a media name"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return f"an ISO media file of an unsupported kind ({head[8:12].decode('latin-1')!r})"
    if head.startswith((b"#EXTM3U", b"ffconcat")):
        return "a playlist, not a media file"
    return "not a recognised image, video or audio format"
