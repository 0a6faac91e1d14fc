"""Builds the provider adapters an executor uses, from settings, keys and overrides.

Base URLs: ``CANVASTOON_AIML_BASE_URL`` / ``REPLICATE_BASE_URL`` in the environment win over
the settings, which win over the real services. ``simulated()`` points everything at a
running provider simulator with throwaway keys.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from canvastoon_desktop.core.generation import ModelAdapter
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.secrets import KeyStore

from .local.adapter import LocalAdapter

AIML_DEFAULT_BASE_URL = "https://api.aimlapi.com/v1"
REPLICATE_DEFAULT_BASE_URL = "https://api.replicate.com"
SIMULATOR_KEY = "simulated-key-not-secret"


@dataclass
class ProviderSetup:
    keys: KeyStore = field(default_factory=KeyStore)
    aiml_base_url: str = AIML_DEFAULT_BASE_URL
    replicate_base_url: str = REPLICATE_DEFAULT_BASE_URL
    #: keys that replace the KeyStore's (the simulator's throwaway keys)
    key_overrides: dict[str, str] = field(default_factory=dict)
    #: seconds between polls of one job at first; grows for long jobs
    poll_interval_s: float = 1.0
    timeout_s: float = 60 * 30

    @classmethod
    def from_settings(cls, aiml_base_url: str | None = None,
                      replicate_base_url: str | None = None,
                      keys: KeyStore | None = None) -> ProviderSetup:
        return cls(
            keys=keys or KeyStore(),
            aiml_base_url=os.environ.get("CANVASTOON_AIML_BASE_URL") or aiml_base_url
            or AIML_DEFAULT_BASE_URL,
            replicate_base_url=os.environ.get("REPLICATE_BASE_URL") or replicate_base_url
            or REPLICATE_DEFAULT_BASE_URL,
        )

    @classmethod
    def simulated(cls, aiml_base_url: str, replicate_base_url: str,
                  **kwargs: object) -> ProviderSetup:
        return cls(keys=KeyStore(environ={}, use_keyring=False), aiml_base_url=aiml_base_url,
                   replicate_base_url=replicate_base_url,
                   key_overrides={"aiml": SIMULATOR_KEY, "replicate": SIMULATOR_KEY},
                   **kwargs)  # type: ignore[arg-type]

    def key(self, provider: str) -> str | None:
        return self.key_overrides.get(provider) or self.keys.get(provider)

    def key_problem(self) -> Callable[[str], str | None]:
        """For validation: a sentence when the provider's key is missing, else None."""
        def check(provider: str) -> str | None:
            if provider == "local" or self.key(provider):
                return None
            return self.keys.missing_key_message(provider)
        return check


def build_adapters(setup: ProviderSetup, prices: PriceTable) -> dict[str, ModelAdapter]:
    from .aiml import AimlAdapter
    from .replicate import ReplicateAdapter

    return {
        "local": LocalAdapter(),
        "aiml": AimlAdapter(setup, prices),
        "replicate": ReplicateAdapter(setup, prices),
    }
