"""Provider adapters: AIML (openai SDK + httpx), Replicate (replicate client), local."""

from .hub import ProviderSetup, aclose_adapters, build_adapters, warm_adapters

__all__ = ["ProviderSetup", "aclose_adapters", "build_adapters", "warm_adapters"]
