"""Zip files written byte by byte, as a hostile sender would: many members that share one
compressed body (a 1,500-member bomb is built in milliseconds, not by compressing 1.5 GiB)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from pathlib import Path


def deflated(data: bytes) -> bytes:
    """Raw deflate, as a zip member holds it."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def forge_zip(path: Path, names: Iterable[str], body: bytes) -> None:
    """Write a zip whose every member holds ``body``, deflated once."""
    packed = deflated(body)
    crc = zlib.crc32(body)
    out = bytearray()
    central = bytearray()
    count = 0
    for name in names:
        raw = name.encode("utf-8")
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(packed), len(body), len(raw), 0
        )
        out += raw + packed
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            (3 << 8) | 20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(packed),
            len(body),
            len(raw),
            0,
            0,
            0,
            0,
            (0o100644 << 16),
            offset,
        )
        central += raw
        count += 1
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0)
    path.write_bytes(bytes(out))
