"""What a long media job reports as it goes, and how it learns it was cancelled."""

from __future__ import annotations

import threading
from collections.abc import Callable

from canvastoon_desktop.core.media.types import MediaCancelled


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise MediaCancelled()


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
