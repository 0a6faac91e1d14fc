"""The library's thumbnail cache: one small PNG per (asset, size), made once, kept on disk.

Blocking (decodes images, videos and sounds): call it from a worker thread, never the GUI thread.
Thumbnails are derived data — deleting ``thumbs/`` is always safe.
"""

from __future__ import annotations

import threading
from pathlib import Path

from . import media
from .assets import Asset, AssetKind
from .atomic import atomic_write_bytes
from .errors import MediaError
from .library import Library

SIZES = (96, 256, 512)


class ThumbnailCache:
    def __init__(self, library: Library) -> None:
        self.library = library
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path_for(self, asset: Asset, size: int = 256) -> Path:
        return self.library.thumbs / str(size) / asset.sha256[:2] / f"{asset.sha256}.png"

    def cached(self, asset: Asset, size: int = 256) -> Path | None:
        """The thumbnail if it was made already (cheap: one stat, safe on the GUI thread)."""
        path = self.path_for(asset, size)
        return path if path.exists() else None

    def ensure(self, asset: Asset, size: int = 256) -> Path | None:
        """Make the thumbnail if needed; None for assets that have no picture (texts)."""
        if asset.kind not in (AssetKind.IMAGE, AssetKind.VIDEO, AssetKind.AUDIO):
            return None
        path = self.path_for(asset, size)
        if path.exists():
            return path
        with self._guard:
            lock = self._locks.setdefault(f"{asset.sha256}:{size}", threading.Lock())
        with lock:  # two views asking for the same thumbnail make it once
            if path.exists():
                return path
            try:
                png = media.thumbnail_png(self.library.file_path(asset), size)
            except (MediaError, OSError):
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, png, durable=False)  # a cache: made again if lost
        return path
