"""The request log: what clients asked for, so tests can assert "exactly one create".

Entries never hold the ``Authorization`` header or the token — only whether auth passed.
Request bodies are kept as parsed JSON with very long strings (data URIs) shortened.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .routes import route_matches

__all__ = ["LogEntry", "RequestLog"]

_MAX_STRING = 1000


@dataclass(frozen=True)
class LogEntry:
    """One request as the simulator saw it."""

    time: float
    method: str
    path: str
    route: str
    #: HTTP status sent; ``None`` when the connection was dropped without an answer.
    status: int | None
    body: Any
    model: str | None
    #: ``None`` for routes that need no auth (output downloads).
    auth_ok: bool | None
    #: The fault kind that fired for this request, if any.
    fault: str | None
    #: The job (prediction / AIML generation / file) the request created or addressed.
    job_id: str | None = None


def shorten(value: Any) -> Any:
    """Copy JSON, cutting strings over 1000 chars (data URIs) to a short marker."""
    if isinstance(value, str):
        if len(value) > _MAX_STRING:
            return f"{value[:64]}…({len(value)} chars)"
        return value
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten(v) for v in value]
    return value


class RequestLog:
    """Thread-safe, append-only list of :class:`LogEntry` with small query helpers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []

    def append(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(
        self,
        route: str | None = None,
        *,
        model: str | None = None,
        method: str | None = None,
        status: int | None = None,
        fault: str | None = None,
        job_id: str | None = None,
    ) -> list[LogEntry]:
        """Entries matching every given filter; ``route`` may be ``*`` or ``prefix.*``."""
        with self._lock:
            snapshot = list(self._entries)
        return [
            e
            for e in snapshot
            if (route is None or route_matches(route, e.route))
            and (model is None or e.model == model)
            and (method is None or e.method == method.upper())
            and (status is None or e.status == status)
            and (fault is None or e.fault == fault)
            and (job_id is None or e.job_id == job_id)
        ]

    def count(self, route: str | None = None, **filters: Any) -> int:
        return len(self.entries(route, **filters))

    def last(self, route: str | None = None, **filters: Any) -> LogEntry | None:
        found = self.entries(route, **filters)
        return found[-1] if found else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        with self._lock:
            return iter(list(self._entries))
