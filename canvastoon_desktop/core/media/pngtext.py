"""Read and write PNG text chunks, used to embed provenance in exported images.

Works on the chunk stream directly, so pixels are never re-encoded and the round trip is
exact. Values are written as UTF-8 ``iTXt`` (compressed when long).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from canvastoon_desktop.core.errors import MediaError

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_TYPES = (b"tEXt", b"zTXt", b"iTXt")
_COMPRESS_OVER = 1024  # bytes of UTF-8 text
_MAX_INFLATED = 16 * 1024 * 1024  # a zTXt/iTXt "zip bomb" is skipped, not inflated


def _chunks(png: bytes) -> Iterator[tuple[bytes, bytes, int, int]]:
    """Yield (type, data, start, end) of each chunk; MediaError if the stream is damaged."""
    if not png.startswith(_SIGNATURE):
        raise MediaError("not a PNG image (its signature is missing)")
    pos = len(_SIGNATURE)
    while pos < len(png):
        if pos + 8 > len(png):
            raise MediaError("the PNG image is truncated (a chunk header is cut off)")
        length, ctype = struct.unpack(">I4s", png[pos : pos + 8])
        end = pos + 12 + length
        if end > len(png):
            raise MediaError("the PNG image is truncated (a chunk is cut off)")
        yield ctype, png[pos + 8 : pos + 8 + length], pos, end
        pos = end
        if ctype == b"IEND":
            return
    raise MediaError("the PNG image is truncated (it has no end marker)")


def _chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I4s", len(data), ctype) + data + struct.pack(">I", crc)


def _keyword(key: str) -> bytes:
    try:
        raw = key.encode("latin-1")
    except UnicodeEncodeError:
        raise MediaError(f"PNG text key {key!r} must use Latin-1 characters only") from None
    printable = all(32 <= b <= 126 or 161 <= b <= 255 for b in raw)
    if not (1 <= len(raw) <= 79) or not printable or key != key.strip() or "  " in key:
        raise MediaError(
            f"PNG text key {key!r} is not allowed: 1–79 printable characters, "
            "no leading, trailing or double spaces"
        )
    return raw


def _itxt(key: str, value: str) -> bytes:
    try:
        text = value.encode("utf-8")
    except UnicodeEncodeError:
        raise MediaError(f"PNG text value for {key!r} is not valid Unicode text") from None
    compressed = len(text) > _COMPRESS_OVER
    body = zlib.compress(text, 9) if compressed else text
    header = _keyword(key) + b"\0" + bytes([int(compressed), 0]) + b"\0\0"
    return _chunk(b"iTXt", header + body)


def _inflate(data: bytes) -> bytes | None:
    try:
        d = zlib.decompressobj()
        out = d.decompress(data, _MAX_INFLATED)
        return None if d.unconsumed_tail else out
    except zlib.error:
        return None


def _parse_text(ctype: bytes, data: bytes) -> tuple[str, str] | None:
    key, sep, rest = data.partition(b"\0")
    if not sep or not key:
        return None
    name = key.decode("latin-1")
    if ctype == b"tEXt":
        return name, rest.decode("latin-1")
    if ctype == b"zTXt":
        raw = _inflate(rest[1:]) if rest[:1] == b"\0" else None
        return None if raw is None else (name, raw.decode("latin-1"))
    if len(rest) < 2:
        return None
    flag, method, rest = rest[0], rest[1], rest[2:]
    _lang, _s1, rest = rest.partition(b"\0")
    _translated, _s2, body = rest.partition(b"\0")
    if flag:
        inflated = _inflate(body) if method == 0 else None
        if inflated is None:
            return None
        body = inflated
    try:
        return name, body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_png_text_chunks(png: bytes) -> dict[str, str]:
    """All text chunks (tEXt, zTXt, iTXt) as a dict; unreadable or oversized ones are skipped."""
    texts: dict[str, str] = {}
    for ctype, data, start, end in _chunks(bytes(png)):
        if ctype not in _TEXT_TYPES:
            continue
        crc = struct.unpack(">I", png[end - 4 : end])[0]
        if zlib.crc32(png[start + 4 : end - 4]) & 0xFFFFFFFF != crc:
            continue
        parsed = _parse_text(ctype, data)
        if parsed:
            texts[parsed[0]] = parsed[1]
    return texts


def write_png_text_chunks(png: bytes, texts: dict[str, str]) -> bytes:
    """Return ``png`` with ``texts`` stored as UTF-8 iTXt chunks, replacing same-named ones.

    The new chunks go before the image data, where streaming readers see them first.
    """
    png = bytes(png)
    new = b"".join(_itxt(k, v) for k, v in texts.items())
    out = [_SIGNATURE]
    inserted = False
    for ctype, data, start, end in _chunks(png):
        if ctype in _TEXT_TYPES:
            parsed = data.partition(b"\0")[0].decode("latin-1")
            if parsed in texts:
                continue
        if not inserted and ctype in (b"IDAT", b"IEND"):
            out.append(new)
            inserted = True
        out.append(png[start:end])
    return b"".join(out)
