"""Media files written whole: ``core.atomic`` with errors that name the file (MediaError)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from canvastoon_desktop.core.atomic import atomic_output as core_atomic_output
from canvastoon_desktop.core.errors import MediaError


@contextlib.contextmanager
def media_output(out_path: str | os.PathLike[str]) -> Iterator[Path]:
    """``core.atomic.atomic_output`` for media files: yield a temp path beside ``out_path``,
    renamed over it on success and removed whatever goes wrong (cancellation included),
    with MediaError naming the file when the folder cannot be written or the rename fails.
    """
    out = Path(out_path)
    if out.is_dir():
        raise MediaError(f"{out.name}: is a folder, cannot write a video there")
    if not out.parent.is_dir():
        raise MediaError(f"{out.name}: its folder {str(out.parent)!r} does not exist")
    step = "reserve"
    try:
        with core_atomic_output(out) as tmp:
            step = "write"
            yield tmp
            step = "replace"
    except OSError as exc:
        if step == "reserve":
            raise MediaError(f"{out.name}: cannot write in that folder ({exc.strerror})") from None
        if step == "replace":
            raise MediaError(f"{out.name}: cannot be replaced ({exc.strerror})") from None
        raise
