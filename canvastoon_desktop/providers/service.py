"""What every hosted adapter shares: its setup, keys, retry and poll rules, the downloader."""

from __future__ import annotations

from dataclasses import dataclass

from canvastoon_desktop.core.generation import JobControl
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.secrets import remember_secret

from .downloads import Downloader
from .errors import AuthFailed
from .hub import ProviderSetup
from .polling import PollSchedule
from .retry import RetryPolicy

__all__ = ["Service", "charge_lost"]


@dataclass
class Service:
    """One provider's plumbing: built once per adapter, shared by its calls."""

    setup: ProviderSetup
    prices: PriceTable
    provider: str  # "aiml" | "replicate"
    label: str  # "AIML API" | "Replicate", as the messages say it

    def __post_init__(self) -> None:
        self.policy: RetryPolicy = self.setup.retry
        self.schedule = PollSchedule(interval_s=self.setup.poll_interval_s)
        self.downloads = Downloader(self.policy)

    def key(self) -> str:
        """The provider's key; AuthFailed when there is none (validation normally stops a
        run before this, but a key can be removed while a run goes)."""
        key = self.setup.key(self.provider)
        if not key:
            raise AuthFailed(self.setup.keys.missing_key_message(self.provider))
        remember_secret(key)
        return key


async def charge_lost(job: JobControl, usd: float | None, reason: str) -> None:
    """Record money the provider billed for work that was not delivered: ``usd`` as it
    reported it, or None when it did not say (the call's quote max is booked)."""
    await job.charge(usd, reason)
