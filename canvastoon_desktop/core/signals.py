"""A minimal plain-Python signal: the core's way to tell views about changes without Qt.

Named orange-style on the emitting object (``graph.node_added``); handlers are called
synchronously, in connection order, on the emitter's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    __slots__ = ("handlers", "name")

    def __init__(self, name: str = "") -> None:
        self.name = name
        #: read-only outside: a tuple, replaced on (dis)connect, so that emitting needs no
        #: copy and a hot path can ask "is anyone listening?" with an attribute read
        self.handlers: tuple[Callable[..., Any], ...] = ()

    def connect(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        self.handlers = (*self.handlers, handler)
        return handler

    def disconnect(self, handler: Callable[..., Any]) -> None:
        kept = list(self.handlers)
        kept.remove(handler)  # ValueError when it was not connected, as list.remove
        self.handlers = tuple(kept)

    def emit(self, *args: Any) -> None:
        for handler in self.handlers:
            handler(*args)

    def __bool__(self) -> bool:  # "is anyone listening?" lets hot paths skip building args
        return bool(self.handlers)
