"""Keep Python's full garbage collections from re-scanning the whole app during a run, or
while a big graph is drawn.

A full collection walks every container object the process holds — modules, the graph, the
canvas, caches — and a big run creates enough small objects to trigger several. Freezing
what exists when a run starts (``gc.freeze``) limits those scans to the run's own objects;
unfreezing when the last run ends hands everything back to the collector. Nothing is lost:
frozen objects that became garbage are collected after the run.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0


@contextmanager
def heap_frozen_while_running() -> Iterator[None]:
    global _active
    with _lock:
        if _active == 0:
            gc.freeze()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.unfreeze()


def refreeze() -> None:
    """Also freeze what was made since (e.g. a run's plan) while a run is going."""
    with _lock:
        if _active:
            gc.freeze()


@contextmanager
def collections_paused() -> Iterator[None]:
    """No automatic collections inside (say, while the canvas builds thousands of cards):
    each full collection would walk everything built so far, which makes building N objects
    cost O(N²). Whatever became garbage meanwhile is collected by the next collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
