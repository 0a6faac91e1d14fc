"""What every hosted adapter shares: its setup, keys, retry and poll rules, the downloader."""

from __future__ import annotations

from dataclasses import dataclass

from canvastoon_desktop.core.generation import JobControl
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.secrets import remember_secret

from .downloads import Downloader, private_origins
from .errors import AuthFailed, OutcomeUnknown, the
from .polling import PollSchedule
from .retry import RetryPolicy
from .setup import ProviderSetup

__all__ = ["Service", "charge_lost", "settle_lost_create", "unconfirmed"]


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
        self.downloads = Downloader(
            self.policy,
            trusted_origins=private_origins(
                self.setup.aiml_base_url, self.setup.replicate_base_url
            ),
        )

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


async def settle_lost_create(
    job: JobControl, estimate_usd: float, service: str, what: str
) -> OutcomeUnknown:
    """A create that may have been acted on lost its answer, and ``service`` has no way to
    look it up: record the estimate once as possibly charged, end the job (the next run
    sends it again, on the artist's say), and return the error that says all this."""
    already = float(job.previous.info.get("charged_usd", 0.0)) if job.previous else 0.0
    await job.possibly_charged(max(0.0, estimate_usd - already), what)
    return OutcomeUnknown(
        f"{what}; {the(service)} cannot be asked about it, so it may have been charged: "
        f"up to ${estimate_usd:.2f} is recorded as possibly charged. It was not sent again; "
        "run again to send it."
    )


def unconfirmed(service: str, exc: BaseException) -> str:
    """What happened to a create whose answer never came, for ``settle_lost_create``."""
    return f"{the(service)} did not confirm the request ({exc.__cause__ or exc})"
