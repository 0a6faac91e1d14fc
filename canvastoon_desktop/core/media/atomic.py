"""Write files so that the destination is either absent/old or complete, never half-written."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from canvastoon_desktop.core.atomic import atomic_output as core_atomic_output
from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.types import MediaCancelled


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise MediaCancelled()


@contextlib.contextmanager
def atomic_output(out_path: str | os.PathLike[str]) -> Iterator[Path]:
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


class Progress:
    """Report fractions to a callback at most about 100 times, and 1.0 exactly once at the end."""

    def __init__(self, callback: Callable[[float], None] | None, total: int) -> None:
        self._callback = callback
        self._total = max(1, total)
        self._last = -1.0

    def update(self, done: int) -> None:
        if self._callback is None:
            return
        fraction = min(1.0, done / self._total)
        if fraction - self._last >= 0.01 and fraction < 1.0:
            self._last = fraction
            self._callback(fraction)

    def finish(self) -> None:
        if self._callback is not None:
            self._callback(1.0)
