"""Provider answers are read with a size cap, refused while they stream in.

The SDKs read a JSON answer whole and then parse it: a 300 MB body costs gigabytes. Each
client gets a transport that counts the bytes of every answer as they arrive and stops
with :class:`BadOutput` past the cap (a declared ``Content-Length`` over it is refused at
once). It wraps the real transport of ``httpx`` or of ``httpx2`` (the ``openai`` 3.x fork,
with the same interface), so the real clients still speak to the real (or simulated) wire.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .errors import BadOutput, the
from .tls import tls_context

__all__ = ["MAX_ANSWER_BYTES", "capped_transport"]

#: no API answer (JSON with URLs, or a few base64 images) comes near this
MAX_ANSWER_BYTES = 64 * 1024 * 1024


def capped_transport(http: Any, service: str, limit: int = MAX_ANSWER_BYTES) -> Any:
    """An ``http.AsyncHTTPTransport`` (``http`` is the httpx or httpx2 module) whose
    answers may not exceed ``limit`` bytes."""

    class _CappedStream(http.AsyncByteStream):  # type: ignore[misc]  # from the module passed in
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        async def __aiter__(self) -> AsyncIterator[bytes]:
            seen = 0
            async for chunk in self._inner:
                seen += len(chunk)
                if seen > limit:
                    raise _too_big(service, limit)
                yield chunk

        async def aclose(self) -> None:
            await self._inner.aclose()

    class _CappedTransport(http.AsyncBaseTransport):  # type: ignore[misc]  # from the module passed in
        def __init__(self) -> None:
            self._inner = http.AsyncHTTPTransport(verify=tls_context(http))

        async def handle_async_request(self, request: Any) -> Any:
            response = await self._inner.handle_async_request(request)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                await response.aclose()
                raise _too_big(service, limit)
            return http.Response(
                status_code=response.status_code,
                headers=response.headers,
                stream=_CappedStream(response.stream),
                extensions=response.extensions,
            )

        async def aclose(self) -> None:
            await self._inner.aclose()

    return _CappedTransport()


def _too_big(service: str, limit: int) -> BadOutput:
    return BadOutput(
        f"{the(service)} sent an answer larger than {limit // 2**20} MB; it was not read",
        maybe_processed=True,
    )
