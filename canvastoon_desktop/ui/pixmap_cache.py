"""Thumbnails handed from worker threads to the GUI thread, and kept there in a bounded LRU.

Workers may only build ``QImage``s; a ``QPixmap`` must be made on the GUI thread. Workers
``put`` images; the GUI thread ``get``s a pixmap, converting a waiting image on first use.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from PySide6 import QtGui


class PixmapCache:
    def __init__(self, max_pixmaps: int) -> None:
        self._max = max_pixmaps
        self._lock = threading.Lock()
        self._images: dict[str, QtGui.QImage] = {}  # decoded, waiting for the GUI thread
        self._pixmaps: OrderedDict[str, QtGui.QPixmap] = OrderedDict()

    def put(self, key: str, image: QtGui.QImage) -> None:
        """Any thread: an image is ready for ``key``."""
        with self._lock:
            self._images[key] = image

    def get(self, key: str) -> QtGui.QPixmap | None:
        """GUI thread: the pixmap for ``key`` if one is ready (least recently used go first)."""
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
            return pix
        with self._lock:
            image = self._images.pop(key, None)
        if image is None:
            return None
        pix = QtGui.QPixmap.fromImage(image)
        self._pixmaps[key] = pix
        while len(self._pixmaps) > self._max:
            self._pixmaps.popitem(last=False)
        return pix

    def __contains__(self, key: str) -> bool:
        return key in self._pixmaps or key in self._images

    def forget(self, key: str) -> None:
        self._pixmaps.pop(key, None)
        with self._lock:
            self._images.pop(key, None)

    def clear(self) -> None:
        self._pixmaps.clear()
        with self._lock:
            self._images.clear()
