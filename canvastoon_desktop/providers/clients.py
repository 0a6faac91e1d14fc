"""HTTP clients that belong to one event loop.

An async client's connection pool is bound to the loop it was first used on: the CLI runs
each graph with a fresh ``asyncio.run`` loop, the editor keeps one qasync loop. So clients
are made lazily per running loop (and per key: changing a key in the settings takes effect
on the next call) and closed when that loop shuts down. The closing is done by a small
keeper task: ``asyncio.run`` cancels leftover tasks before closing its loop, and the keeper
closes its clients as it is cancelled. ``aclose()`` closes them earlier, on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["LoopLocal"]

C = TypeVar("C")


class _LoopClients(Generic[C]):
    def __init__(self) -> None:
        self.by_key: dict[str, C] = {}
        self.keeper: asyncio.Task[None] | None = None


class LoopLocal(Generic[C]):
    """``get(key)`` returns this loop's client for ``key``, making it on first use."""

    def __init__(
        self, make: Callable[[str], C], close: Callable[[C], Awaitable[object]], name: str
    ) -> None:
        self._make = make
        self._close = close
        self._name = name
        self._loops: dict[asyncio.AbstractEventLoop, _LoopClients[C]] = {}

    def get(self, key: str = "") -> C:
        loop = asyncio.get_running_loop()
        entry = self._loops.get(loop)
        if entry is None:
            self._forget_closed_loops()
            entry = self._loops[loop] = _LoopClients()
            entry.keeper = loop.create_task(
                self._keep(loop, entry), name=f"canvastoon {self._name} clients"
            )
        client = entry.by_key.get(key)
        if client is None:
            client = entry.by_key[key] = self._make(key)
        return client

    async def aclose(self) -> None:
        """Close this loop's clients now (the next ``get`` makes new ones)."""
        entry = self._loops.pop(asyncio.get_running_loop(), None)
        if entry is None:
            return
        if entry.keeper is not None:
            entry.keeper.cancel()
        await self._close_all(entry)

    async def _keep(self, loop: asyncio.AbstractEventLoop, entry: _LoopClients[C]) -> None:
        try:
            await loop.create_future()  # until the loop shuts down (or aclose)
        finally:
            if self._loops.get(loop) is entry:
                del self._loops[loop]
            await self._close_all(entry)

    async def _close_all(self, entry: _LoopClients[C]) -> None:
        clients, entry.by_key = list(entry.by_key.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                await self._close(client)

    def _forget_closed_loops(self) -> None:
        for loop in [lp for lp in self._loops if lp.is_closed()]:
            del self._loops[loop]
