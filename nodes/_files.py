"""Files the artist picks (an image, a music track): checked before anything reads them.

Only regular files are opened (a FIFO or a device named in a shared graph fails at once
instead of hanging or reading forever), sized after opening, read bounded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from canvastoon_desktop.core.api import FileRefused, NodeError, open_regular


@dataclass(frozen=True)
class FileKind:
    noun: str  # "image", "audio"
    max_bytes: int
    #: what it is used as, in "cannot use PATH as …"
    use: str = ""

    @property
    def as_what(self) -> str:
        return self.use or f"an {self.noun}"


def checked_path(path: Path, raw: str, kind: FileKind) -> Path:
    """``path`` if it is a readable regular file within the size limit; else NodeError
    saying why."""
    if not raw:
        raise NodeError(f"no {kind.noun} file chosen")
    try:  # opened, not just looked at: a FIFO or a device fails here instead of hanging
        with open_regular(path, kind.max_bytes):
            pass
    except FileRefused as exc:
        if str(exc) == "file not found":
            raise NodeError(f"{kind.noun} file not found: {path}") from None
        if str(exc).startswith("the file is "):
            raise NodeError(f"{path.name} is too large ({exc})") from None
        raise NodeError(f"cannot use {path} as {kind.as_what}: {exc}") from None
    return path


@lru_cache(maxsize=512)
def hash_file(path: str, mtime_ns: int, size: int, kind: FileKind) -> tuple[str, bytes]:
    """Content hash and first bytes, memoised by (path, mtime, size): planning re-runs on
    every edit."""
    digest = hashlib.sha256()
    head = b""
    try:
        handle = open_regular(path, kind.max_bytes)
    except FileRefused as exc:
        raise NodeError(f"cannot use {path} as {kind.as_what}: {exc}") from None
    with handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            if not head:
                head = chunk[:64]
            digest.update(chunk)
    return digest.hexdigest(), head
