"""Translate what the clients raise into the provider error tree (see errors.py).

One context manager per client — :func:`openai_errors`, :func:`replicate_errors`,
:func:`httpx_errors` — each catching everything its library can raise and re-raising the
matching :class:`ProviderError` ``from`` the original, which stays in the log only.
``tests/providers/test_errormap.py`` walks the libraries' exception modules to prove that
no exception class slips through.

The ``openai`` 3.x client runs on ``httpx2``, a fork of ``httpx`` with the same exception
tree; both are mapped by class name along the MRO, so either library's errors land in the
same place.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx
import httpx2
import openai
import pydantic
import replicate.exceptions
from pydantic import v1 as pydantic_v1

from .errors import (
    AuthFailed,
    BadOutput,
    OutOfCredits,
    ProviderError,
    ProviderFailure,
    RateLimited,
    Rejected,
    Timeout,
    provider_reason,
    the,
)

__all__ = ["httpx_errors", "openai_errors", "replicate_errors", "status_error"]

AIML = "AIML API"
REPLICATE = "Replicate"

#: the headers of the last error answer the Replicate client got in this task (set by its
#: transport, replicate_wire.HeaderNotingTransport: ReplicateError keeps none)
REPLICATE_HEADERS: ContextVar[Mapping[str, str] | None] = ContextVar(
    "replicate_error_headers", default=None
)

_HTTP_ERRORS = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.CookieConflict,
    httpx.StreamError,
    httpx2.HTTPError,
    httpx2.InvalidURL,
    httpx2.CookieConflict,
    httpx2.StreamError,
)
#: answers that were cut off or are not JSON / not the documented shape
_UNREADABLE = (
    json.JSONDecodeError,
    UnicodeDecodeError,
    pydantic.ValidationError,
    pydantic_v1.ValidationError,
)


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """``Retry-After`` (seconds or an HTTP date) or ``retry-after-ms``, if the answer has one."""
    if not headers:
        return None
    try:
        millis = headers.get("retry-after-ms")
        if millis:
            return max(0.0, float(millis) / 1000)
        value = (headers.get("retry-after") or "").strip()
        if not value:
            return None
        if value.replace(".", "", 1).isdigit():
            return max(0.0, float(value))
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


#: a reset named in an error's text: Replicate's "Your rate limit resets in ~30s."
_RESET_RE = re.compile(
    r"(?:resets?|try again|retry)\s+in\s+~?\s*(\d+(?:\.\d+)?)\s*"
    r"(s|sec|secs|seconds?|m|min|mins|minutes?)\b",
    re.IGNORECASE,
)


def reset_in_text(text: str) -> float | None:
    """Seconds until a rate limit resets, when an error's text names them."""
    found = _RESET_RE.search(text or "")
    if found is None:
        return None
    seconds = float(found.group(1))
    return seconds * 60 if found.group(2).lower().startswith("m") else seconds


def status_error(
    service: str, status: int, body: Any = None, *, headers: Mapping[str, str] | None = None
) -> ProviderError:
    """The error an HTTP error status means, with the provider's own reason quoted."""
    reason = provider_reason(body)
    said = f": {reason}" if reason else ""
    after = retry_after_seconds(headers)
    if after is None and status == 429:
        after = reset_in_text(reason)
    if status == 401:
        key = "AIML_API_KEY" if service == AIML else "REPLICATE_API_TOKEN"
        return AuthFailed(
            f"the {service} key was refused (401): check it in Settings ▸ API keys or {key}",
            status=status,
        )
    credit_words = ("credit", "balance", "billing", "insufficient", "payment")
    if status == 402 or (
        status == 403 and (service == AIML or any(w in reason.lower() for w in credit_words))
    ):
        return OutOfCredits(f"your {service} account is out of credits{said}", status=status)
    if status == 403:
        return AuthFailed(f"the {service} key is not allowed to do this (403){said}", status=status)
    if status == 429:
        return RateLimited(
            f"{the(service)} is rate limiting requests (429)"
            + (f"; it resets in {after:.0f} s" if after is not None else "; try again in a minute"),
            status=status,
            retry_after=after,
        )
    if status == 408:
        return Timeout(
            f"{the(service)} timed out reading the request (408)", status=status, retry_after=after
        )
    if status == 413:
        return Rejected(
            f"{the(service)} refused the request as too large (413){said}", status=status
        )
    if 400 <= status < 500 and status != 409:
        return Rejected(f"{the(service)} refused the request ({status}){said}", status=status)
    return ProviderFailure(
        f"{the(service)} failed ({status}){said}",
        status=status,
        transient=True,
        maybe_processed=True,
        retry_after=after,
    )


def _http_error(service: str, exc: BaseException) -> ProviderError:
    """An httpx / httpx2 exception as a ProviderError, by class name (the trees are equal)."""
    names = [cls.__name__ for cls in type(exc).__mro__]
    if "HTTPStatusError" in names:
        response = getattr(exc, "response", None)
        status = int(getattr(response, "status_code", 0) or 0)
        body: Any = None
        try:
            body = response.json() if response is not None else None
        except Exception:
            body = None
        headers = getattr(response, "headers", None)
        return status_error(service, status or 500, body, headers=headers)
    lost = f"the connection to {the(service)} broke"
    table: list[tuple[str, ProviderError]] = [
        (
            "ConnectTimeout",
            Timeout(f"could not connect to {the(service)} in time", maybe_processed=False),
        ),
        (
            "PoolTimeout",
            Timeout(
                f"too many requests to {the(service)} at once; timed out waiting for a connection",
                maybe_processed=False,
            ),
        ),
        (
            "TimeoutException",
            Timeout(f"{the(service)} did not answer in time", maybe_processed=True),
        ),
        (
            "ConnectError",
            ProviderFailure(
                f"could not connect to {the(service)}", transient=True, maybe_processed=False
            ),
        ),
        (
            "ProxyError",
            ProviderFailure(
                f"the proxy to {the(service)} failed", transient=True, maybe_processed=False
            ),
        ),
        (
            "UnsupportedProtocol",
            Rejected(
                f"the {service} address is not a valid http(s) URL; check the base URL setting"
            ),
        ),
        (
            "LocalProtocolError",
            ProviderFailure(f"could not send the request to {the(service)}", maybe_processed=False),
        ),
        (
            "DecodingError",
            BadOutput(
                f"{the(service)} sent an answer that could not be decoded",
                transient=True,
                maybe_processed=True,
            ),
        ),
        (
            "TooManyRedirects",
            ProviderFailure(f"{the(service)} redirected too many times", maybe_processed=True),
        ),
        ("TransportError", ProviderFailure(lost, transient=True, maybe_processed=True)),
        (
            "InvalidURL",
            Rejected(f"the {service} address is not a valid URL; check the base URL setting"),
        ),
        ("CookieConflict", ProviderFailure(f"the {service} client failed (cookie conflict)")),
        (
            "StreamError",
            ProviderFailure(
                f"the {service} client failed while reading an answer",
                transient=True,
                maybe_processed=True,
            ),
        ),
        ("RequestError", ProviderFailure(lost, transient=True, maybe_processed=True)),
    ]
    for name, error in table:
        if name in names:
            return error
    return ProviderFailure(lost, transient=True, maybe_processed=True)


def _unreadable(service: str) -> BadOutput:
    return BadOutput(
        f"{the(service)} sent an answer that could not be read (malformed or unexpected JSON)",
        transient=True,
        maybe_processed=True,
    )


@contextmanager
def httpx_errors(service: str) -> Iterator[None]:
    """Raw ``httpx`` calls (AIML video, downloads): every httpx error as a ProviderError."""
    try:
        yield
    except ProviderError:
        raise
    except _HTTP_ERRORS as exc:
        raise _http_error(service, exc) from exc
    except _UNREADABLE as exc:
        raise _unreadable(service) from exc


@contextmanager
def openai_errors(service: str = AIML) -> Iterator[None]:
    """Calls through the ``openai`` SDK (AIML chat and images)."""
    try:
        yield
    except ProviderError:
        raise
    except openai.APIStatusError as exc:
        response = getattr(exc, "response", None)
        raise status_error(
            service,
            int(getattr(exc, "status_code", 0) or 500),
            getattr(exc, "body", None),
            headers=getattr(response, "headers", None),
        ) from exc
    except openai.APIResponseValidationError as exc:
        raise _unreadable(service) from exc
    except openai.APIConnectionError as exc:  # APITimeoutError included
        cause = exc.__cause__
        if isinstance(cause, _HTTP_ERRORS):
            raise _http_error(service, cause) from exc
        if isinstance(exc, openai.APITimeoutError):
            raise Timeout(f"{the(service)} did not answer in time", maybe_processed=True) from exc
        raise ProviderFailure(
            f"the connection to {the(service)} broke", transient=True, maybe_processed=True
        ) from exc
    except openai.ContentFilterFinishReasonError as exc:
        raise Rejected(f"{the(service)} withheld the answer (content filter)") from exc
    except openai.LengthFinishReasonError as exc:
        raise BadOutput(
            f"the {service} answer was cut off at the length limit; raise Max output tokens",
            maybe_processed=True,
        ) from exc
    except openai.OpenAIError as exc:  # base: anything else the SDK reports
        raise ProviderFailure(
            f"the {service} client failed ({type(exc).__name__})", maybe_processed=True
        ) from exc
    except openai.InvalidWebhookSignatureError as exc:  # a ValueError, outside OpenAIError
        raise ProviderFailure(f"the {service} client failed (webhook signature)") from exc
    except _HTTP_ERRORS as exc:
        raise _http_error(service, exc) from exc
    except _UNREADABLE as exc:
        raise _unreadable(service) from exc


@contextmanager
def replicate_errors(service: str = REPLICATE) -> Iterator[None]:
    """Calls through the ``replicate`` client (and its httpx transport)."""
    try:
        yield
    except ProviderError:
        raise
    except replicate.exceptions.ReplicateError as exc:
        body = {"detail": getattr(exc, "detail", None) or getattr(exc, "title", None) or ""}
        # the client keeps no headers: its transport noted the answer's Retry-After
        headers = REPLICATE_HEADERS.get()
        raise status_error(
            service, int(getattr(exc, "status", None) or 500), body, headers=headers
        ) from exc
    except replicate.exceptions.ModelError as exc:
        error = getattr(getattr(exc, "prediction", None), "error", None)
        reason = provider_reason(error) if error else ""
        raise ProviderFailure(
            f"the model failed at {service}" + (f": {reason}" if reason else "")
        ) from exc
    except replicate.exceptions.ReplicateException as exc:
        raise ProviderFailure(
            f"the {service} client failed ({type(exc).__name__})", maybe_processed=True
        ) from exc
    except _HTTP_ERRORS as exc:
        raise _http_error(service, exc) from exc
    except _UNREADABLE as exc:
        raise _unreadable(service) from exc
