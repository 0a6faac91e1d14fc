"""Run blocking work (file decoding, library queries) off the GUI thread and get the answer
back on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6 import QtCore

log = logging.getLogger(__name__)

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ui-worker")
_live: set[_Relay] = set()


class _Relay(QtCore.QObject):
    done = QtCore.Signal(object, object)  # (result, error)


def in_thread(fn: Callable[..., Any], callback: Callable[[Any, BaseException | None], None],
              *args: Any) -> None:
    """Call ``fn(*args)`` in a worker thread, then ``callback(result, error)`` on the GUI
    thread (``error`` is None on success)."""
    relay = _Relay()
    _live.add(relay)

    def deliver(result: Any, error: BaseException | None) -> None:
        _live.discard(relay)
        try:
            callback(result, error)
        except Exception:
            log.exception("a worker's callback failed")

    relay.done.connect(deliver, QtCore.Qt.ConnectionType.QueuedConnection)

    def work() -> None:
        try:
            result = fn(*args)
        except Exception as exc:
            relay.done.emit(None, exc)
        else:
            relay.done.emit(result, None)

    _pool.submit(work)
