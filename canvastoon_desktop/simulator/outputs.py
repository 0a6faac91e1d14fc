"""Generated files and the short-lived URLs that serve them.

Providers hand out signed, expiring URLs (AIML's CDN, ``replicate.delivery``). Here
each output gets an unguessable token, ``/outputs/<token>/<file name>``, and an expiry;
``expire_all`` makes every URL handed out so far answer 404 at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

__all__ = ["OutputStore", "StoredOutput"]


@dataclass
class StoredOutput:
    token: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)
    created: float
    expires_at: float
    job_id: str | None = None
    model: str | None = None

    @property
    def path(self) -> str:
        return f"/outputs/{self.token}/{self.filename}"

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at


class OutputStore:
    """Thread-safe token → file map."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._items: dict[str, StoredOutput] = {}

    def add(
        self,
        data: bytes,
        filename: str,
        content_type: str,
        *,
        job_id: str | None = None,
        model: str | None = None,
        created: float | None = None,
    ) -> StoredOutput:
        created = time.time() if created is None else created
        item = StoredOutput(
            token=secrets.token_urlsafe(18),
            filename=filename,
            content_type=content_type,
            data=data,
            created=created,
            expires_at=created + self.ttl_s,
            job_id=job_id,
            model=model,
        )
        with self._lock:
            self._items[item.token] = item
        return item

    def get(self, token: str, *, include_expired: bool = False) -> StoredOutput | None:
        with self._lock:
            item = self._items.get(token)
        if item is None or (item.expired() and not include_expired):
            return None
        return item

    def by_path(self, path: str) -> StoredOutput | None:
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "outputs":
            return None
        return self.get(parts[1])

    def expire(self, tokens: list[str]) -> None:
        now = time.time()
        with self._lock:
            for token in tokens:
                if token in self._items:
                    self._items[token].expires_at = min(self._items[token].expires_at, now)

    def expire_all(self) -> int:
        """Expire every output served so far; returns how many were still live."""
        now = time.time()
        live = 0
        with self._lock:
            for item in self._items.values():
                if not item.expired(now):
                    item.expires_at = now
                    live += 1
        return live

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
