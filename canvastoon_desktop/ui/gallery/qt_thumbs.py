"""Gallery thumbnails, made and loaded off the GUI thread, newest request first.

The grid asks for a thumbnail only when it paints an item, so only what is on screen is
requested. Workers take the most recent request first (what the user looks at now) and drop
requests for items that scrolled away (``retain``). A worker makes the cached PNG if needed
(``ThumbnailCache.ensure``) and decodes it to a ``QImage``; ``ready(sha)`` then tells the GUI
thread, which turns it into a ``QPixmap`` when it paints. Pixmaps are kept in a bounded LRU,
so scrolling through ten thousand assets keeps memory flat.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from PySide6 import QtCore, QtGui

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.thumbs import ThumbnailCache

from ..pixmap_cache import PixmapCache

log = logging.getLogger(__name__)

THUMB_SIZE = 256  # px, the cached size (core.thumbs.SIZES)


class GalleryThumbnails(QtCore.QObject):
    #: a thumbnail finished loading (or failed): (sha256)
    ready = QtCore.Signal(str)

    def __init__(
        self,
        library: Library,
        *,
        size: int = THUMB_SIZE,
        workers: int = 2,
        max_pixmaps: int = 500,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.cache = ThumbnailCache(library)
        self.size = size
        self._pixmaps = PixmapCache(max_pixmaps)
        self._failed: set[str] = set()
        self._queue: OrderedDict[str, None] = OrderedDict()  # newest last
        self._busy: set[str] = set()
        self._cond = threading.Condition()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"gallery-thumbs-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    # -- GUI thread ------------------------------------------------------------------------
    def pixmap(self, sha: str) -> QtGui.QPixmap | None:
        """The thumbnail if it is loaded; otherwise None, and it is requested."""
        pix = self._pixmaps.get(sha)
        if pix is None:
            self.request(sha)
        return pix

    def has(self, sha: str) -> bool:
        return sha in self._pixmaps or sha in self._failed

    def failed(self, sha: str) -> bool:
        return sha in self._failed

    def request(self, sha: str) -> None:
        if sha in self._failed or sha in self._pixmaps:
            return
        with self._cond:
            if self._closed or sha in self._pixmaps or sha in self._busy:
                return
            self._queue[sha] = None
            self._queue.move_to_end(sha)
            self._cond.notify()

    def retain(self, wanted: set[str]) -> None:
        """Forget queued requests for items no longer on screen."""
        with self._cond:
            for sha in [s for s in self._queue if s not in wanted]:
                del self._queue[sha]

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + len(self._busy)

    def forget(self, sha: str) -> None:
        self._pixmaps.forget(sha)
        self._failed.discard(sha)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._pixmaps.clear()

    # -- workers ---------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                sha, _ = self._queue.popitem(last=True)  # newest first
                self._busy.add(sha)
            image = None
            try:
                asset = self.library.asset(sha)
                path = self.cache.cached(asset, self.size) if asset is not None else None
                if path is None and asset is not None:
                    path = self.cache.ensure(asset, self.size)
                if path is not None:
                    loaded = QtGui.QImage(str(path))
                    image = None if loaded.isNull() else loaded
            except Exception as exc:  # a broken file shows as such; it never stops the grid
                log.debug("no thumbnail for %s: %s", sha[:12], exc)
            with self._cond:
                self._busy.discard(sha)
                if self._closed:
                    return
                if image is None:
                    self._failed.add(sha)
                else:
                    self._pixmaps.put(sha, image)
            self.ready.emit(sha)
