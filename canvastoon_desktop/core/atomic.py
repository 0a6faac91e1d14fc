"""Writing a file whole: its destination holds the old file (or none) or the complete new
one, never half of it.

Every write goes to a hidden temp file beside the destination (the same folder, so the
rename is atomic), which is renamed over the destination when the write succeeds and
removed whatever goes wrong, cancellation included.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "NEW_FILE_MODE",
    "atomic_output",
    "atomic_write_bytes",
    "atomic_write_text",
    "temp_beside",
]


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0666 less the umask (read once, at import)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


NEW_FILE_MODE = _new_file_mode()


def temp_beside(path: Path) -> Path:
    """A fresh hidden name next to ``path`` that keeps its suffix (FFmpeg reads the
    format from it)."""
    return path.parent / f".{path.stem}.{uuid.uuid4().hex[:10]}.part{path.suffix}"


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp path beside ``path``, already created (empty, with a new file's usual
    mode); rename it over ``path`` when the block succeeds, remove it whatever goes wrong.
    OSError when the folder cannot be written or the rename fails."""
    out = Path(path)
    tmp = temp_beside(out)
    tmp.open("xb").close()
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, *, durable: bool = True, keep_mode: bool = True
) -> None:
    """Write ``data`` to ``path`` whole. ``keep_mode`` keeps the mode an existing file had
    (a new one gets a new file's usual mode); ``durable`` (documents, exports) also syncs
    the file and its folder to disk before returning. A content-addressed object or a cache
    that can be made again asks for neither: it is written once per item of a run."""
    out = Path(path)
    mode: int | None = None
    if keep_mode:
        with contextlib.suppress(OSError):
            mode = out.stat().st_mode & 0o7777
    tmp = temp_beside(out)
    try:
        with open(tmp, "xb") as handle:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        _sync_folder(out.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """``text`` as UTF-8, written whole and durably (a document, a setting, a sidecar)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the system allows opening a folder)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
