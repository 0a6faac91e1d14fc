"""How to reach the providers: base URLs, keys and polling limits (one ProviderSetup).

Base URLs: ``CANVASTOON_AIML_BASE_URL`` / ``REPLICATE_BASE_URL`` in the environment win over
the settings, which win over the real services. ``simulated()`` points everything at a
running provider simulator with throwaway keys. The adapters read it; ``hub`` builds them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from canvastoon_desktop.core.secrets import KeyStore

from .retry import RetryPolicy

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
    #: every hosted model answers from the simulator: nothing real is spent
    is_simulated: bool = False
    #: seconds between polls of one job at first; grows for long jobs
    poll_interval_s: float = 1.0
    #: the longest a job may be processing (queue time not counted)
    timeout_s: float = 60 * 30
    #: backoff for transient failures of polls and downloads, and for 429 on creates
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_settings(
        cls,
        aiml_base_url: str | None = None,
        replicate_base_url: str | None = None,
        keys: KeyStore | None = None,
    ) -> ProviderSetup:
        return cls(
            keys=keys or KeyStore(),
            aiml_base_url=os.environ.get("CANVASTOON_AIML_BASE_URL")
            or aiml_base_url
            or AIML_DEFAULT_BASE_URL,
            replicate_base_url=os.environ.get("REPLICATE_BASE_URL")
            or replicate_base_url
            or REPLICATE_DEFAULT_BASE_URL,
        )

    @classmethod
    def simulated(cls, aiml_base_url: str, replicate_base_url: str, **kwargs: Any) -> ProviderSetup:
        """A setup pointing every hosted model at a provider simulator, with throwaway keys."""
        return cls(
            keys=KeyStore(environ={}, use_keyring=False),
            aiml_base_url=aiml_base_url,
            replicate_base_url=replicate_base_url,
            key_overrides={"aiml": SIMULATOR_KEY, "replicate": SIMULATOR_KEY},
            is_simulated=True,
            **kwargs,
        )

    def key(self, provider: str) -> str | None:
        return self.key_overrides.get(provider) or self.keys.get(provider)

    def key_problem(self) -> Callable[[str], str | None]:
        """For validation: a sentence when the provider's key is missing, else None."""

        def check(provider: str) -> str | None:
            if provider == "local" or self.key(provider):
                return None
            return self.keys.missing_key_message(provider)

        return check
