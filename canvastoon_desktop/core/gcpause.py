"""Keep Python's full garbage collections from re-scanning the whole app during a run, or
while a big graph is drawn.

A full collection walks every container object the process holds — modules, the graph, the
canvas, caches — and a big run creates enough small objects to trigger several. Freezing
what exists when a run starts (``gc.freeze``) limits those scans to the run's own objects;
unfreezing when the last run ends hands everything back to the collector. Nothing is lost:
frozen objects that became garbage are collected after the run.

While a run goes the collector also runs less often (``RUN_THRESHOLDS``): a run keeps what
it makes until it ends (outcomes, outputs, rows written behind) and makes almost no cyclic
garbage, so frequent collections would only re-scan the same survivors (100,000 nodes: 13 µs
a node with the default thresholds, under 4 with these). Young garbage is still collected.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: the collector's thresholds while a run goes: a collection of young objects every 50,000
#: allocations (the default: 700), and almost never a full one
RUN_THRESHOLDS = (50_000, 50, 1000)

_lock = threading.Lock()
_active = 0
_thresholds: tuple[int, int, int] | None = None


@contextmanager
def heap_frozen_while_running() -> Iterator[None]:
    global _active, _thresholds
    with _lock:
        if _active == 0:
            gc.freeze()
            _thresholds = gc.get_threshold()
            gc.set_threshold(*RUN_THRESHOLDS)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                if _thresholds is not None:
                    gc.set_threshold(*_thresholds)
                # what the run made since its last refreeze goes to the old generation with
                # the rest, as refreeze does while it runs: left young, it would be scanned
                # by the first collection after the run (2-3 ms a thousand nodes), which
                # finds it alive (the run's outcomes, results, summary) or freed already
                gc.freeze()
                gc.unfreeze()


def refreeze() -> None:
    """Also freeze what was made since (e.g. a run's plan) while a run is going."""
    with _lock:
        if _active:
            gc.freeze()


@contextmanager
def long_lived() -> Iterator[None]:
    """Make what is kept a long time (a run's copy of the graph, its plan and schedule; an
    opened graph and its canvas) without collections, then hand it to the old generation:
    left young, it would be scanned by the collections it sets off (a 100,000-node copy: a
    thousand of them and a full one, 2 µs a node) and by the first one after, all of which
    find it alive."""
    with collections_paused():
        yield
        with _lock:
            gc.freeze()  # (with the running runs' heap, if any: unfrozen when the last ends)
            if _active == 0:
                gc.unfreeze()


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
