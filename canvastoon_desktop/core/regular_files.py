"""Opening files that strangers named: only regular files, sized after opening, read bounded.

A path in a shared graph, a pack given to the app or a file dropped on the canvas may name
``/dev/zero``, a FIFO or a symbolic link to either. ``os.open`` with ``O_NONBLOCK`` returns
at once even for a FIFO with no writer, and ``fstat`` on the open descriptor says what it
really is (a check of the path before opening could be raced). Only then is the size
checked, and reads stop one byte past the limit, so a file that grows while it is read
cannot get past it either.
"""

from __future__ import annotations

import io
import os
import stat
from typing import BinaryIO

from .errors import CoreError

__all__ = ["FileRefused", "is_regular_file", "open_regular", "read_bounded", "read_regular"]

_CHUNK = 1 << 20


class FileRefused(CoreError):
    """The path is not a regular file, cannot be read, or is larger than allowed. The
    message names no path: callers say which file it was (and which node wanted it)."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "not a regular file"


def open_regular(path: str | os.PathLike[str], max_bytes: int | None = None) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (after following links) of at
    most ``max_bytes``; FileRefused otherwise. The caller closes the returned file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileRefused("file not found") from None
    except IsADirectoryError:
        raise FileRefused("it is a folder, not a file") from None
    except OSError as exc:
        raise FileRefused(f"cannot read the file ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"it is {_kind(info.st_mode)}")
        if max_bytes is not None and info.st_size > max_bytes:
            raise FileRefused(
                f"the file is {_size(info.st_size)}; at most {_size(max_bytes)} is read"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: blocking reads are what we want
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return handle


def read_regular(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The whole content of a regular file of at most ``max_bytes`` (FileRefused if not)."""
    with open_regular(path, max_bytes) as handle:
        return read_bounded(handle, max_bytes)


def read_bounded(handle: BinaryIO, max_bytes: int) -> bytes:
    """Read to the end, refusing once more than ``max_bytes`` came out (a growing file)."""
    buf = io.BytesIO()
    try:
        while chunk := handle.read(_CHUNK):
            buf.write(chunk)
            if buf.tell() > max_bytes:
                raise FileRefused(f"the file grew past {_size(max_bytes)} while it was read")
    except OSError as exc:
        raise FileRefused(f"cannot read the file ({exc.strerror or exc})") from None
    return buf.getvalue()


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a regular file now (links followed); never blocks."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _size(n: int) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    return f"{n:,} bytes"
