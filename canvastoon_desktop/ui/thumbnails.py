"""Previews for node cards and panels, made off the GUI thread.

A small thread pool makes thumbnails through the library's shared thumbnail cache
(``core.thumbs.ThumbnailCache``: images decoded, video frames grabbed, PNGs kept in the
library's ``thumbs/`` folder, so a reopened graph — or the gallery — shows results without
decoding anything again) and reads text excerpts. Workers hand a ``QImage``
back (safe to build off the GUI thread); the GUI thread turns it into a ``QPixmap`` when a
card paints. ``ready`` fires with the asset's key once something new can be shown.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.errors import CoreError
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.media.thumbs import waveform_png
from canvastoon_desktop.core.thumbs import ThumbnailCache

from .pixmap_cache import PixmapCache

log = logging.getLogger(__name__)

THUMB_SIDE = 256  # px: one of the cache's sizes; sharp on a 90x160 card preview zoomed in
EXCERPT_CHARS = 600


class ThumbnailLoader(QtCore.QObject):
    """Loads thumbnails and text excerpts in worker threads; emits ``ready(key)``."""

    #: an asset's preview (or a failure to make one) is ready: (key)
    ready = QtCore.Signal(str)

    def __init__(
        self,
        library: Library | None,
        *,
        workers: int = 2,
        max_pixmaps: int = 600,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.cache = ThumbnailCache(library) if library is not None else None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="thumbs")
        self._lock = threading.Lock()
        self._pixmaps = PixmapCache(max_pixmaps)
        self._texts: dict[str, str] = {}
        self._failed: dict[str, str] = {}
        self._pending: set[str] = set()
        self._closed = False

    def use_library(self, library: Library) -> None:
        """Make thumbnails from (and cache them in) another library from now on; what is
        already made stays valid, since assets are named by their content."""
        self.library = library
        self.cache = ThumbnailCache(library)
        self._failed.clear()  # an asset missing from the old library may be in the new one

    # -- queries from the GUI thread ----------------------------------------------------
    def pixmap(self, asset: Asset, side: int = THUMB_SIDE) -> QtGui.QPixmap | None:
        """The thumbnail if it is ready; else None, and it is requested."""
        key = thumb_key(asset, side)
        pix = self._pixmaps.get(key)
        if pix is None:
            self._request(key, asset, side, text=False)
        return pix

    def text(self, asset: Asset) -> str | None:
        if asset.kind is AssetKind.AUDIO:  # its bytes are not words: say what it is
            return describe_sound(asset)
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
        self._pixmaps.put(key, image)

    def _thumb_bytes(self, asset: Asset, side: int) -> bytes:
        if self.cache is None:
            return media.thumbnail_png(asset.path, side)
        path = self.cache.ensure(asset, side)
        if path is None:
            raise CoreError(f"no preview can be made of {asset.path.name}")
        return path.read_bytes()

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
            text = describe_json(text)
        with self._lock:
            self._texts[key] = text[:EXCERPT_CHARS]


def describe_sound(asset: Asset) -> str:
    """A sound as a card names it: ``♪ 2.7 s sound (WAV)``."""
    length = f"{asset.duration_s:.1f} s " if asset.duration_s else ""
    kind = asset.mime.split("/")[-1].upper().replace("MPEG", "MP3")
    return f"♪ {length}sound ({kind})"


def describe_json(text: str) -> str:
    """A structured value as a person reads it: a character's name and look, a shot list's
    shots, a line of dialogue as its script reads — not raw JSON."""
    try:
        value = json.loads(text)
    except ValueError:
        return " ".join(text.split())
    return _describe(value)


def _describe(value: Any, depth: int = 0) -> str:
    if isinstance(value, dict):
        speaker, line = value.get("speaker"), value.get("line")
        if isinstance(speaker, str) and isinstance(line, str):  # a spoken line, as scripted
            shot = value.get("shot")
            where = (
                f"Shot {shot} · " if isinstance(shot, int) and not isinstance(shot, bool) else ""
            )
            return f"{where}{speaker}: {line}"
        name = value.get("name") or value.get("title")
        detail = value.get("description") or value.get("prompt") or value.get("text")
        if name or detail:
            return " — ".join(str(x) for x in (name, detail) if x)
        return ", ".join(f"{k}: {_describe(v, depth + 1)}" for k, v in list(value.items())[:6])
    if isinstance(value, list):
        if depth == 0:
            return "\n".join(f"{i + 1}. {_describe(v, 1)}" for i, v in enumerate(value[:12]))
        return ", ".join(_describe(v, depth + 1) for v in value[:4])
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return "image"  # an asset hash (a reference picture)
    return str(value)


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


#: the size a viewer shows a sound's waveform at (scaled to fit; wide, as sound runs in time)
WAVEFORM_SIZE = (1200, 300)


def load_waveform(path: str | os.PathLike[str]) -> QtGui.QImage:
    """A sound's waveform as a QImage (call in a worker thread: it decodes the sound)."""
    image = QtGui.QImage.fromData(waveform_png(path, *WAVEFORM_SIZE))
    if image.isNull():
        raise CoreError(f"{Path(path).name}: its waveform could not be drawn")
    return image
