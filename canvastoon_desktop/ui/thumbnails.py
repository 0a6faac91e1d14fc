"""Previews for node cards and panels, made off the GUI thread.

A small thread pool decodes images, grabs video frames (``core.media.thumbnail_png``), reads
text excerpts and caches thumbnails as PNG files in the library's ``thumbs/`` folder, so a
reopened graph shows its results without decoding anything again. Workers hand a ``QImage``
back (safe to build off the GUI thread); the GUI thread turns it into a ``QPixmap`` when a
card paints. ``ready`` fires with the asset's key once something new can be shown.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6 import QtCore, QtGui

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.errors import CoreError
from canvastoon_desktop.core.library import Library

log = logging.getLogger(__name__)

THUMB_SIDE = 320  # px: sharp on a 90x160 card preview at 2x zoom
EXCERPT_CHARS = 600


class ThumbnailLoader(QtCore.QObject):
    """Loads thumbnails and text excerpts in worker threads; emits ``ready(key)``."""

    #: an asset's preview (or a failure to make one) is ready: (key)
    ready = QtCore.Signal(str)

    def __init__(self, library: Library | None, *, workers: int = 2,
                 max_pixmaps: int = 600, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="thumbs")
        self._lock = threading.Lock()
        self._images: dict[str, QtGui.QImage] = {}  # decoded, waiting for the GUI thread
        self._pixmaps: OrderedDict[str, QtGui.QPixmap] = OrderedDict()
        self._texts: dict[str, str] = {}
        self._failed: dict[str, str] = {}
        self._pending: set[str] = set()
        self._max_pixmaps = max_pixmaps
        self._closed = False

    # -- queries from the GUI thread ----------------------------------------------------
    def pixmap(self, asset: Asset, side: int = THUMB_SIDE) -> QtGui.QPixmap | None:
        """The thumbnail if it is ready; else None, and it is requested."""
        key = thumb_key(asset, side)
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
            return pix
        with self._lock:
            image = self._images.pop(key, None)
        if image is not None:
            pix = QtGui.QPixmap.fromImage(image)
            self._pixmaps[key] = pix
            while len(self._pixmaps) > self._max_pixmaps:
                self._pixmaps.popitem(last=False)
            return pix
        self._request(key, asset, side, text=False)
        return None

    def text(self, asset: Asset) -> str | None:
        key = text_key(asset)
        with self._lock:
            found = self._texts.get(key)
        if found is None:
            self._request(key, asset, 0, text=True)
        return found

    def failure(self, asset: Asset, side: int = THUMB_SIDE) -> str | None:
        return self._failed.get(thumb_key(asset, side))

    def is_pending(self, asset: Asset, side: int = THUMB_SIDE) -> bool:
        return thumb_key(asset, side) in self._pending

    def close(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """For tests and benchmarks: wait until no request is pending."""
        deadline = QtCore.QDeadlineTimer(int(timeout * 1000))
        while self._pending and not deadline.hasExpired():
            QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
            QtCore.QThread.msleep(5)
        return not self._pending

    # -- workers --------------------------------------------------------------------------
    def _request(self, key: str, asset: Asset, side: int, *, text: bool) -> None:
        if key in self._pending or key in self._failed or self._closed:
            return
        self._pending.add(key)
        job = self._load_text if text else self._load_thumb
        future = self._pool.submit(job, key, asset, side)
        future.add_done_callback(lambda _f, k=key: self._finished(k))

    def _finished(self, key: str) -> None:  # worker thread
        self._pending.discard(key)
        if not self._closed:
            self.ready.emit(key)

    def _load_thumb(self, key: str, asset: Asset, side: int) -> None:
        try:
            data = self._thumb_bytes(asset, side)
            image = QtGui.QImage.fromData(data)
            if image.isNull():
                raise CoreError("the preview could not be decoded")
        except Exception as exc:  # a broken file must show as such, not break the canvas
            log.debug("no preview for %s: %s", asset.short, exc)
            self._failed[key] = str(exc)
            return
        with self._lock:
            self._images[key] = image

    def _thumb_bytes(self, asset: Asset, side: int) -> bytes:
        cached = self._cache_path(asset, side)
        if cached is not None and cached.exists():
            with contextlib.suppress(OSError):
                return cached.read_bytes()
        path = asset.path
        if asset.inline and self.library is not None:
            path = self.library.file_path(asset)
        data = media.thumbnail_png(path, side)
        if cached is not None:
            _write_quietly(cached, data)
        return data

    def _cache_path(self, asset: Asset, side: int) -> Path | None:
        if self.library is None:
            return None
        return self.library.thumbs / asset.sha256[:2] / f"{asset.sha256}_{side}.png"

    def _load_text(self, key: str, asset: Asset, _side: int) -> None:
        try:
            if self.library is not None and (asset.inline or not asset.path.exists()):
                raw = self.library.read_bytes(asset)
            else:
                with open(asset.path, "rb") as handle:
                    raw = handle.read(EXCERPT_CHARS * 4)
            text = raw.decode("utf-8", errors="replace")
        except Exception as exc:
            self._failed[key] = str(exc)
            return
        if asset.kind is AssetKind.JSON:
            text = " ".join(text.split())
        with self._lock:
            self._texts[key] = text[:EXCERPT_CHARS]


def thumb_key(asset: Asset, side: int = THUMB_SIDE) -> str:
    return f"{asset.sha256}:{side}"


def text_key(asset: Asset) -> str:
    return f"{asset.sha256}:text"


def load_full_image(path: str | os.PathLike[str]) -> QtGui.QImage:
    """A whole image as a QImage (call in a worker thread)."""
    reader = QtGui.QImageReader(str(path))
    reader.setAutoTransform(True)
    image = reader.read()
    if image.isNull():
        raise CoreError(f"{Path(path).name}: {reader.errorString()}")
    return image


def _write_quietly(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:  # the cache is an optimisation: a read-only library still works
        log.debug("cannot cache thumbnail %s: %s", path, exc)
