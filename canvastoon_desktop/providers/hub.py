"""Builds the provider adapters an executor uses, from a ProviderSetup (see setup.py)."""

from __future__ import annotations

from collections.abc import Mapping

from canvastoon_desktop.core.generation import ModelAdapter
from canvastoon_desktop.core.pricing import PriceTable

from .local.adapter import LocalAdapter
from .setup import ProviderSetup

__all__ = ["ProviderSetup", "aclose_adapters", "build_adapters"]


async def aclose_adapters(adapters: Mapping[str, ModelAdapter]) -> None:
    """Close the adapters' HTTP clients on the running loop (they are also closed when the
    loop shuts down; call this when the loop lives on, e.g. the editor closing a workspace)."""
    for adapter in adapters.values():
        close = getattr(adapter, "aclose", None)
        if close is not None:
            await close()


def build_adapters(setup: ProviderSetup, prices: PriceTable) -> dict[str, ModelAdapter]:
    from .aiml import AimlAdapter  # the SDKs load when adapters are first built
    from .replicate import ReplicateAdapter

    return {
        "local": LocalAdapter(),
        "aiml": AimlAdapter(setup, prices),
        "replicate": ReplicateAdapter(setup, prices),
    }
