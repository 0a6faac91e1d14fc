"""Every exception the clients can raise maps to a provider error (httpx's own
``test_exceptions.py`` does the same for httpcore): walk their exception modules."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from types import ModuleType

import httpx
import httpx2
import openai
import openai._exceptions
import pydantic
import pytest
import replicate.exceptions
from pydantic import v1 as pydantic_v1

from canvastoon_desktop.core.generation import ErrorKind
from canvastoon_desktop.providers.errormap import (
    httpx_errors,
    openai_errors,
    replicate_errors,
    reset_in_text,
    retry_after_seconds,
    status_error,
)
from canvastoon_desktop.providers.errors import (
    AuthFailed,
    BadOutput,
    OutOfCredits,
    ProviderError,
    ProviderFailure,
    RateLimited,
    Rejected,
    Timeout,
    provider_reason,
)

Mapper = Callable[[], AbstractContextManager[None]]


def exception_classes(module: ModuleType) -> list[type[BaseException]]:
    return sorted(
        (
            c
            for _, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, BaseException)
            and not issubclass(c, Warning)
            and c.__module__.split(".")[0] == module.__name__.split(".")[0]
        ),
        key=lambda c: c.__name__,
    )


def instance(cls: type[BaseException], http: ModuleType) -> BaseException:
    """An instance of ``cls`` as its library would make one (constructors differ)."""
    request = http.Request("POST", "http://127.0.0.1/v1/x")
    response = http.Response(500, request=request, json={"message": "boom"})
    for args, kwargs in [
        ((), {"message": "x", "response": response, "body": {"message": "boom"}}),
        (("x",), {"response": response, "body": None}),
        ((), {"response": response, "body": None}),
        ((), {"request": request}),
        ((request,), {}),
        (("x", request), {"body": None}),
        ((response, None), {}),
        (("x",), {"request": request, "response": response}),
        (("x",), {"request": request}),
        (("x",), {"unsent_messages": []}),
        ((), {"completion": None}),
        (("x",), {}),
        ((), {}),
    ]:
        try:
            return cls(*args, **kwargs)
        except Exception:
            continue
    made = cls.__new__(cls)
    BaseException.__init__(made, "x")
    return made


def mapped(mapper: Mapper, exc: BaseException) -> ProviderError:
    with pytest.raises(ProviderError) as info, mapper():
        raise exc
    assert info.value.__cause__ is exc or info.value.__cause__ is not None
    assert info.value.kind is not ErrorKind.INTERNAL
    assert str(info.value) and "Traceback" not in str(info.value)
    return info.value


def cases() -> Iterator[tuple[str, Mapper, type[BaseException], ModuleType]]:
    for cls in exception_classes(openai._exceptions):
        yield f"openai.{cls.__name__}", openai_errors, cls, httpx2
    for cls in exception_classes(httpx2._exceptions):
        yield f"httpx2.{cls.__name__}", openai_errors, cls, httpx2
    for cls in exception_classes(replicate.exceptions):
        yield f"replicate.{cls.__name__}", replicate_errors, cls, httpx
    for cls in exception_classes(httpx._exceptions):
        yield f"replicate/httpx.{cls.__name__}", replicate_errors, cls, httpx
        yield f"httpx.{cls.__name__}", lambda: httpx_errors("AIML API"), cls, httpx


@pytest.mark.parametrize(
    ("name", "mapper", "cls", "http"), list(cases()), ids=[c[0] for c in cases()]
)
def test_every_client_exception_is_mapped(
    name: str, mapper: Mapper, cls: type[BaseException], http: ModuleType
) -> None:
    mapped(mapper, instance(cls, http))


def test_the_walk_found_the_exception_trees() -> None:
    names = {c.__name__ for c in exception_classes(openai._exceptions)}
    assert {
        "APIStatusError",
        "APIConnectionError",
        "APITimeoutError",
        "RateLimitError",
        "LengthFinishReasonError",
    } <= names
    assert {
        "ReadTimeout",
        "RemoteProtocolError",
        "HTTPStatusError",
        "InvalidURL",
        "StreamConsumed",
    } <= {c.__name__ for c in exception_classes(httpx._exceptions)}
    assert {"ModelError", "ReplicateError"} <= {
        c.__name__ for c in exception_classes(replicate.exceptions)
    }


def test_unreadable_answers_are_bad_outputs() -> None:
    bad_json = json.JSONDecodeError("Unterminated string", '{"a', 2)
    for mapper in (openai_errors, replicate_errors, lambda: httpx_errors("x")):
        error = mapped(mapper, bad_json)
        assert isinstance(error, BadOutput) and error.maybe_processed and error.transient
    with pytest.raises(pydantic.ValidationError) as v2:
        pydantic.TypeAdapter(int).validate_python("x")
    assert isinstance(mapped(replicate_errors, v2.value), BadOutput)

    class Model(pydantic_v1.BaseModel):
        status: int

    with pytest.raises(pydantic_v1.ValidationError) as v1:
        Model(status="aborted")
    assert isinstance(mapped(replicate_errors, v1.value), BadOutput)


@pytest.mark.parametrize(
    ("status", "service", "expected"),
    [
        (400, "AIML API", Rejected),
        (401, "AIML API", AuthFailed),
        (403, "AIML API", OutOfCredits),
        (402, "Replicate", OutOfCredits),
        (403, "Replicate", AuthFailed),
        (404, "Replicate", Rejected),
        (422, "Replicate", Rejected),
        (429, "Replicate", RateLimited),
        (408, "AIML API", Timeout),
        (500, "AIML API", ProviderFailure),
        (503, "Replicate", ProviderFailure),
    ],
)
def test_statuses(status: int, service: str, expected: type[ProviderError]) -> None:
    error = status_error(service, status, {"message": "why"})
    assert type(error) is expected
    assert error.transient == (status in (408, 429, 500, 503))
    assert error.maybe_processed == (status >= 500)


def test_connection_errors_say_whether_the_request_left() -> None:
    request = httpx.Request("POST", "http://x")
    never_sent = mapped(
        lambda: httpx_errors("AIML API"), httpx.ConnectError("refused", request=request)
    )
    assert not never_sent.maybe_processed and never_sent.transient
    lost = mapped(
        lambda: httpx_errors("AIML API"),
        httpx.RemoteProtocolError("Server disconnected", request=request),
    )
    assert lost.maybe_processed and lost.transient
    slow = mapped(lambda: httpx_errors("AIML API"), httpx.ReadTimeout("t", request=request))
    assert isinstance(slow, Timeout) and slow.maybe_processed


def test_retry_after_in_seconds_dates_and_milliseconds() -> None:
    assert retry_after_seconds({"retry-after": "3"}) == 3
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert 0 <= retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) < 1
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_provider_reasons_are_short_single_paragraphs_without_tracebacks() -> None:
    assert provider_reason({"message": "bad\n  prompt"}) == "bad prompt"
    assert provider_reason({"detail": "x" * 1000}).endswith("…")
    assert len(provider_reason({"detail": "x" * 1000})) == 300
    tb = "Traceback (most recent call last):\n  File x\nRuntimeError: CUDA OOM"
    assert provider_reason(tb) == "RuntimeError: CUDA OOM"
    assert provider_reason("<!DOCTYPE html><html>502</html>") == ""
    assert provider_reason({"error": {"message": "nested"}}) == "nested"


def test_known_secrets_are_redacted_from_provider_reasons() -> None:
    from canvastoon_desktop.core.secrets import remember_secret

    remember_secret("sk-secret-in-a-body-9f8e")
    error = status_error("AIML API", 400, {"message": "bad key sk-secret-in-a-body-9f8e"})
    assert "sk-secret-in-a-body-9f8e" not in str(error) and "[redacted]" in str(error)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Request was throttled. Your rate limit resets in ~30s.", 30.0),
        ("Request was throttled. Expected available in 12 seconds. Try again in 12s", 12.0),
        ("rate limit resets in 2 minutes", 120.0),
        ("ThrottlerException: Too Many Requests", None),
    ],
)
def test_a_429_reset_named_in_the_body_is_read(text: str, seconds: float | None) -> None:
    assert reset_in_text(text) == seconds
    error = status_error("Replicate", 429, {"detail": text})
    assert isinstance(error, RateLimited) and error.retry_after == seconds


def test_a_retry_after_header_wins_over_the_body() -> None:
    error = status_error(
        "Replicate", 429, {"detail": "resets in ~30s."}, headers={"retry-after": "4"}
    )
    assert error.retry_after == 4.0
