"""Replicate's Files API store: uploads that can be passed as model inputs."""

from __future__ import annotations

import hashlib
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FileStore", "UploadedFile", "new_id"]

#: Uploaded files live for a day on Replicate.
FILE_TTL_S = 24 * 3600
MAX_FILE_BYTES = 100 * 1024 * 1024

_ALPHABET = string.ascii_lowercase + "234567"


def new_id() -> str:
    """A Replicate-style id: 26 lowercase base32 characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(26))


def iso(ts: float) -> str:
    """RFC 3339 with microseconds, as Replicate writes timestamps."""
    t = time.gmtime(ts)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{int((ts % 1) * 1_000_000):06d}Z"


@dataclass
class UploadedFile:
    id: str
    name: str
    content_type: str
    data: bytes = field(repr=False)
    metadata: dict[str, Any]
    created: float
    sha256: str = field(init=False)
    md5: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        self.md5 = hashlib.md5(self.data, usedforsecurity=False).hexdigest()

    @property
    def expires(self) -> float:
        return self.created + FILE_TTL_S

    def to_json(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "content_type": self.content_type,
            "size": len(self.data),
            "etag": f'"{self.md5}"',
            "checksums": {"sha256": self.sha256, "md5": self.md5},
            "metadata": self.metadata,
            "created_at": iso(self.created),
            "expires_at": iso(self.expires),
            "urls": {"get": f"{base_url}/v1/files/{self.id}"},
        }


class FileStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, UploadedFile] = {}

    def add(
        self, name: str, content_type: str, data: bytes, metadata: dict[str, Any]
    ) -> UploadedFile:
        f = UploadedFile(new_id(), name, content_type, data, metadata, time.time())
        with self._lock:
            self._files[f.id] = f
        return f

    def get(self, file_id: str) -> UploadedFile | None:
        with self._lock:
            f = self._files.get(file_id)
        if f is None or time.time() >= f.expires:
            return None
        return f

    def delete(self, file_id: str) -> bool:
        with self._lock:
            return self._files.pop(file_id, None) is not None

    def all(self) -> list[UploadedFile]:
        with self._lock:
            return sorted(self._files.values(), key=lambda f: f.created, reverse=True)

    def by_path(self, path: str) -> bytes | None:
        """Bytes for ``/v1/files/<id>`` or ``/v1/files/<id>/download`` (in-process inputs)."""
        parts = path.strip("/").split("/")
        if len(parts) in (3, 4) and parts[:2] == ["v1", "files"]:
            if len(parts) == 4 and parts[3] != "download":
                return None
            f = self.get(parts[2])
            return f.data if f else None
        return None
