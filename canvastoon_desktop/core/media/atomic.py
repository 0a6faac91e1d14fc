"""Write files so that the destination is either absent/old or complete, never half-written."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from canvastoon_desktop.core.errors import MediaError
from canvastoon_desktop.core.media.types import MediaCancelled


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise MediaCancelled()


@contextlib.contextmanager
def atomic_output(out_path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a hidden temp path beside ``out_path``; rename it over ``out_path`` on success.

    The temp file is created in the same folder (so the rename is atomic) with normal
    permissions, and removed whatever goes wrong, including cancellation.
    """
    out = Path(out_path)
    if out.is_dir():
        raise MediaError(f"{out.name}: is a folder, cannot write a video there")
    if not out.parent.is_dir():
        raise MediaError(f"{out.name}: its folder {str(out.parent)!r} does not exist")
    tmp = out.parent / f".{out.stem}.{uuid.uuid4().hex[:10]}.part{out.suffix}"
    try:
        tmp.open("xb").close()
    except OSError as exc:
        raise MediaError(f"{out.name}: cannot write in that folder ({exc.strerror})") from None
    try:
        yield tmp
        try:
            os.replace(tmp, out)
        except OSError as exc:
            raise MediaError(f"{out.name}: cannot be replaced ({exc.strerror})") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


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
