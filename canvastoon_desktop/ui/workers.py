"""Run blocking work (file decoding, library queries) off the GUI thread and get the answer
back on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6 import QtCore

log = logging.getLogger(__name__)

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ui-worker")
_live: set[_Relay] = set()


class _Relay(QtCore.QObject):
    done = QtCore.Signal(object, object)  # (result, error)


def in_thread(
    fn: Callable[..., Any], callback: Callable[[Any, BaseException | None], None], *args: Any
) -> None:
    """Call ``fn(*args)`` in a worker thread, then ``callback(result, error)`` on the GUI
    thread (``error`` is None on success) — unless the widget the callback belongs to was
    closed and deleted in the meantime."""
    relay = _Relay()
    _live.add(relay)
    owner = getattr(callback, "__self__", None)

    def deliver(result: Any, error: BaseException | None) -> None:
        _live.discard(relay)
        if isinstance(owner, QtCore.QObject) and not shiboken6.isValid(owner):
            return
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
