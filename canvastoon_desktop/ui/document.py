"""One open graph: the core ``Graph``, its file, its undo stack, and its autosave side file.

Files are read and written only with ``core.fileformat``. The undo stack's clean state is the
"modified" mark; a recovered autosave is modified until saved. Autosave writes a side file
(``fileformat.autosave_path``) while there are unsaved changes; a clean save or close deletes
it, so an autosave that outlives its file's last save means the app did not close cleanly.
"""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6 import QtCore, QtGui

from canvastoon_desktop.core.errors import GraphFileError
from canvastoon_desktop.core.fileformat import (
    atomic_write_text,
    autosave_path,
    dumps_graph,
    load_graph,
    save_graph,
)
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.nodetype import NodeRegistry
from canvastoon_desktop.core.settings import config_dir

log = logging.getLogger(__name__)


def untitled_dir() -> Path:
    return config_dir() / "autosave"


class GraphDocument(QtCore.QObject):
    #: the modified mark changed: (modified)
    modified_changed = QtCore.Signal(bool)
    #: a different graph (or file) is now open
    graph_replaced = QtCore.Signal()

    def __init__(self, registry: NodeRegistry, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.graph = Graph(registry)
        self.path: Path | None = None
        self.stack = QtGui.QUndoStack(self)
        self._forced_dirty = False
        self._autosaved_index: int | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self.stack.cleanChanged.connect(self._clean_changed)

    # -- state ------------------------------------------------------------------------------
    def is_modified(self) -> bool:
        return self._forced_dirty or not self.stack.isClean()

    def _clean_changed(self, _clean: bool) -> None:
        self._emit_modified()

    def _emit_modified(self) -> None:
        self.modified_changed.emit(self.is_modified())

    @property
    def graph_dir(self) -> Path | None:
        return self.path.resolve().parent if self.path else None

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def autosave_file(self) -> Path:
        return autosave_path(self.path, untitled_dir())

    # -- opening and saving -------------------------------------------------------------------
    def read(self, path: str | Path) -> Graph:
        """Parse a file without touching the open graph (raises GraphFileError)."""
        return load_graph(Path(path), self.registry)

    def replace(self, graph: Graph, path: Path | None, *, modified: bool = False) -> None:
        """Show another graph; the undo history starts over."""
        self.stack.clear()
        self.graph = graph
        self.path = Path(path) if path else None
        self._forced_dirty = modified
        self._autosaved_index = None
        self.graph_replaced.emit()
        self._emit_modified()

    def new(self) -> None:
        self.replace(Graph(self.registry), None)

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no file name to save to")
        old_autosave = self.autosave_file()
        save_graph(self.graph, target)
        self.path = target
        self._forced_dirty = False
        self.stack.setClean()
        self._autosaved_index = None
        self.discard_autosave(old_autosave)
        self.discard_autosave()
        self._emit_modified()
        return target

    # -- autosave and recovery -------------------------------------------------------------------
    def autosave(self) -> bool:
        """Write the side file if there are unsaved changes not yet autosaved."""
        if not self.is_modified() or (not self.graph.nodes and self.path is None):
            return False
        index = self.stack.index()
        if self._autosaved_index == index and not self._forced_dirty:
            return False
        try:
            text = dumps_graph(self.graph)  # on the GUI thread: the graph is not shared
        except GraphFileError as exc:  # Save says so in a dialog; autosave just logs it
            log.warning("autosave skipped: %s", exc)
            return False
        self._autosaved_index = index
        target = self.autosave_file()
        future = self._writer.submit(_write_autosave, target, text)
        future.add_done_callback(_log_failure)
        return True

    def flush_autosave(self) -> None:
        """Wait for a pending autosave write (tests, shutdown)."""
        self._writer.submit(lambda: None).result(timeout=10)

    def discard_autosave(self, path: Path | None = None) -> None:
        self.flush_autosave()
        with contextlib.suppress(OSError):
            (path or self.autosave_file()).unlink()

    @staticmethod
    def recoverable(path: Path | None) -> Path | None:
        """The autosave of ``path`` when it is newer than the file (an unclean exit)."""
        side = autosave_path(path, untitled_dir())
        try:
            side_time = side.stat().st_mtime
        except OSError:
            return None
        if path is None:
            return side
        try:
            return side if side_time > Path(path).stat().st_mtime else None
        except OSError:
            return side

    def close(self) -> None:
        self.stack.cleanChanged.disconnect(self._clean_changed)
        self._writer.shutdown(wait=True)


def _write_autosave(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, text)


def _log_failure(future: object) -> None:
    exc = future.exception()  # type: ignore[attr-defined]
    if exc is not None:
        log.warning("autosave failed: %s", exc)
