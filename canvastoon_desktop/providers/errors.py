"""Errors of the provider layer: what went wrong at a provider, in words an artist can act on.

    GenerationError (core)
    └── ProviderError           a provider call failed; ``kind`` says how (core ErrorKind)
        ├── AuthFailed          401 / no key: the key was refused
        ├── OutOfCredits        402 / AIML 403: the account cannot pay
        ├── RateLimited         429: too many requests (``retry_after`` when the provider said)
        ├── Rejected            400 / 404 / 422, moderation: the request itself was refused
        ├── ProviderFailure     5xx, a dropped connection, a job that failed at the provider
        ├── Timeout             no answer in time, or a job that ran longer than allowed
        ├── Cancelled           the job was cancelled at the provider (not by this app)
        ├── OutcomeUnknown      a create was sent but its answer was lost: it may be charged
        └── BadOutput           an answer or a file that is not what was asked for
            └── OutputsExpired  the outputs were deleted before they could be downloaded

Besides the user-facing ``kind`` / ``retryable`` / message, each error tells the retry code
two things about the HTTP exchange that failed:

``transient``        the same request may well work if sent again later (429, 5xx, drops,
                     timeouts, a truncated answer);
``maybe_processed``  the request reached the provider and may have done paid work (so a
                     create must not simply be sent again).

Messages never carry a traceback or a key: anything quoted from a provider goes through
:func:`provider_reason`, which redacts known secrets.
"""

from __future__ import annotations

import re

from canvastoon_desktop.core.generation import ErrorKind, GenerationError
from canvastoon_desktop.core.secrets import redact_secrets

__all__ = [
    "AuthFailed",
    "BadOutput",
    "Cancelled",
    "OutOfCredits",
    "OutcomeUnknown",
    "OutputsExpired",
    "ProviderError",
    "ProviderFailure",
    "RateLimited",
    "Rejected",
    "Timeout",
    "provider_reason",
    "the",
]

_MAX_REASON = 300


class ProviderError(GenerationError):
    kind = ErrorKind.PROVIDER
    #: whether sending the same request again later may work
    transient = False
    #: whether the provider may have acted on (and charged for) the request
    maybe_processed = False

    def __init__(
        self,
        message: str,
        *,
        retryable: bool | None = None,
        transient: bool | None = None,
        maybe_processed: bool | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(redact_secrets(message), retryable=retryable)
        if transient is not None:
            self.transient = transient
        if maybe_processed is not None:
            self.maybe_processed = maybe_processed
        self.status = status
        self.retry_after = retry_after


class AuthFailed(ProviderError):
    kind = ErrorKind.AUTH


class OutOfCredits(ProviderError):
    kind = ErrorKind.OUT_OF_CREDITS


class RateLimited(ProviderError):
    kind = ErrorKind.RATE_LIMITED
    retryable = True
    transient = True


class Rejected(ProviderError):
    kind = ErrorKind.REJECTED


class ProviderFailure(ProviderError):
    kind = ErrorKind.PROVIDER


class Timeout(ProviderError):
    kind = ErrorKind.TIMEOUT
    retryable = True
    transient = True


class Cancelled(ProviderError):
    kind = ErrorKind.CANCELLED


class OutcomeUnknown(ProviderError):
    kind = ErrorKind.OUTCOME_UNKNOWN
    maybe_processed = True


class BadOutput(ProviderError):
    kind = ErrorKind.BAD_OUTPUT


class OutputsExpired(BadOutput):
    pass


def the(service: str) -> str:
    """A service's name as it reads inside a sentence: "the AIML API", "Replicate"."""
    return f"the {service}" if service.endswith(" API") else service


def provider_reason(value: object) -> str:
    """A provider's own words (an error body's message / detail), made safe to show: one
    paragraph, secrets redacted, HTML and tracebacks dropped, cut to a sensible length."""
    if isinstance(value, dict):
        for key in ("message", "detail", "error", "title"):
            inner = value.get(key)
            if isinstance(inner, dict):
                inner = inner.get("message")
            if isinstance(inner, str) and inner.strip():
                value = inner
                break
        else:
            return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value[:3])
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if text.lower().startswith(("<!doctype", "<html")):
        return ""
    if "Traceback (most recent call last)" in text:
        tail = [line for line in text.splitlines() if line.strip()]
        text = tail[-1] if tail else ""
    text = re.sub(r"\s+", " ", text)
    if len(text) > _MAX_REASON:
        text = text[: _MAX_REASON - 1].rstrip() + "…"
    return redact_secrets(text)
