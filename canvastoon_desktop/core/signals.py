"""A minimal plain-Python signal: the core's way to tell views about changes without Qt.

Named orange-style on the emitting object (``graph.node_added``); handlers are called
synchronously, in connection order, on the emitter's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    __slots__ = ("_handlers", "name")

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._handlers: list[Callable[..., Any]] = []

    def connect(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        self._handlers.append(handler)
        return handler

    def disconnect(self, handler: Callable[..., Any]) -> None:
        self._handlers.remove(handler)

    def emit(self, *args: Any) -> None:
        for handler in tuple(self._handlers):
            handler(*args)

    def __bool__(self) -> bool:  # "is anyone listening?" lets hot paths skip building args
        return bool(self._handlers)
