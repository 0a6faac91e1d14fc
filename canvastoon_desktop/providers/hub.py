"""Builds the provider adapters an executor uses, from a ProviderSetup (see setup.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from typing import Any

from canvastoon_desktop.core.generation import GeneratedOutput, JobControl, ModelAdapter, ModelCall
from canvastoon_desktop.core.pricing import PriceTable

from .local.adapter import LocalAdapter
from .setup import ProviderSetup
from .tls import warm_http

__all__ = ["DeferredAdapter", "ProviderSetup", "aclose_adapters", "build_adapters", "warm_adapters"]


async def aclose_adapters(adapters: Mapping[str, ModelAdapter]) -> None:
    """Close the adapters' HTTP clients on the running loop (they are also closed when the
    loop shuts down; call this when the loop lives on, e.g. the editor closing a workspace)."""
    for adapter in adapters.values():
        close = getattr(adapter, "aclose", None)
        if close is not None:
            await close()


def build_adapters(setup: ProviderSetup, prices: PriceTable) -> dict[str, ModelAdapter]:
    """The adapters of every provider. The hosted ones are made when first needed: their
    SDKs are most of what the app would otherwise load before its window shows."""

    def aiml() -> ModelAdapter:
        from .aiml import AimlAdapter

        return AimlAdapter(setup, prices)

    def replicate() -> ModelAdapter:
        from .replicate import ReplicateAdapter

        return ReplicateAdapter(setup, prices)

    return {
        "local": LocalAdapter(),
        "aiml": DeferredAdapter("aiml", aiml),
        "replicate": DeferredAdapter("replicate", replicate),
    }


def warm_adapters(adapters: Mapping[str, ModelAdapter]) -> threading.Thread:
    """Make the deferred adapters on a thread of their own (the editor, once its window is
    up: a first run then finds its SDK loaded); returns the thread."""
    deferred = [a for a in adapters.values() if isinstance(a, DeferredAdapter)]
    thread = threading.Thread(target=_warm, args=(deferred,), name="adapters-warm-up", daemon=True)
    thread.start()
    return thread


def _warm(deferred: list[DeferredAdapter]) -> None:
    for adapter in deferred:
        adapter.ready()
    # what a run's first calls would otherwise load on the loop's thread: the HTTP clients'
    # TLS contexts and connection layers, and Pillow's image formats (answers are decoded)
    import PIL.Image

    warm_http()
    PIL.Image.preinit()


class DeferredAdapter:
    """A provider's adapter made on first use. The ``openai`` package alone defines some 650
    pydantic models when imported (0.6 s here), so the SDK loads off the event loop — in
    ``warm_adapters``'s thread, or in a worker thread at the first call — never while the
    app starts or on the GUI thread."""

    def __init__(self, provider: str, make: Callable[[], ModelAdapter]) -> None:
        self.provider = provider
        self._make = make
        self._adapter: ModelAdapter | None = None
        self._lock = threading.Lock()

    def ready(self) -> ModelAdapter:
        """The adapter, made now if it was not yet (from any thread, once)."""
        with self._lock:
            if self._adapter is None:
                self._adapter = self._make()
            return self._adapter

    async def generate(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        adapter = self._adapter
        if adapter is None:
            adapter = await asyncio.to_thread(self.ready)
        return await adapter.generate(call, job)

    async def aclose(self) -> None:
        close = getattr(self._adapter, "aclose", None)  # never made: nothing to close
        if close is not None:
            await close()

    def __getattr__(self, name: str) -> Any:
        """What else the adapter offers (its service, its clients), made if need be."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.ready(), name)
