"""Provider adapters: AIML (openai SDK + httpx), Replicate (replicate client), local."""

from .hub import ProviderSetup, build_adapters

__all__ = ["ProviderSetup", "build_adapters"]
