"""One open graph: the core ``Graph``, its file, its undo stack, and its autosave.

Files are read and written only with ``core.fileformat``. The undo stack's clean state is the
"modified" mark; a recovered autosave is modified until saved. Autosave writes the graph into
the autosave folder (``recovery.py``) while there are unsaved changes; a clean save or close
deletes it, so an autosave left there means the app did not close cleanly.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6 import QtCore, QtGui

from canvastoon_desktop.core.errors import GraphFileError
from canvastoon_desktop.core.fileformat import dumps_graph, load_graph, save_graph
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.nodetype import NodeRegistry

from . import recovery

log = logging.getLogger(__name__)


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
        #: what an untitled graph is called until saved ("K-pop episode" for an example)
        self.untitled_name = "Untitled"
        #: where Save As suggests an untitled graph goes (None: "untitled" in the home folder)
        self.save_as: Path | None = None
        self._token = uuid.uuid4().hex  # names an untitled graph's autosave
        self._adopted: Path | None = None  # a recovered autosave this document goes on with
        self.stack = QtGui.QUndoStack(self)
        self._forced_dirty = False
        #: edits of the graph so far (counted by the window from the graph's signals: a
        #: merged keystroke leaves the undo index alone), and how many the autosave holds
        self.edits = 0
        self._autosaved_edits: int | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self.stack.cleanChanged.connect(self._clean_changed)

    # -- state ------------------------------------------------------------------------------
    def is_modified(self) -> bool:
        return self._forced_dirty or not self.stack.isClean()

    def _clean_changed(self, clean: bool) -> None:
        if clean and not self._forced_dirty:  # undone back to the file: nothing to recover
            self._autosaved_edits = None
            self._writer.submit(recovery.discard, self.autosave_file())
        self._emit_modified()

    def _emit_modified(self) -> None:
        self.modified_changed.emit(self.is_modified())

    @property
    def graph_dir(self) -> Path | None:
        return self.path.resolve().parent if self.path else None

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else self.untitled_name

    def autosave_file(self) -> Path:
        if self._adopted is not None:
            return self._adopted
        return recovery.side_file(self.path, self._token)

    # -- opening and saving -------------------------------------------------------------------
    def read(self, path: str | Path) -> Graph:
        """Parse a file without touching the open graph (raises GraphFileError)."""
        return load_graph(Path(path), self.registry)

    def replace(
        self,
        graph: Graph,
        path: Path | None,
        *,
        modified: bool = False,
        untitled_name: str = "Untitled",
        save_as: Path | None = None,
        autosave: Path | None = None,
    ) -> None:
        """Show another graph; the undo history starts over. ``autosave``: the recovered
        autosave it came from, which it goes on writing until saved."""
        self.stack.clear()
        self.graph = graph
        self.path = Path(path) if path else None
        self.untitled_name = untitled_name
        self.save_as = save_as
        self._token = uuid.uuid4().hex
        self._adopted = autosave
        if autosave is not None:
            recovery.adopt(autosave)
        self._forced_dirty = modified
        self._autosaved_edits = None
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
        self._adopted = None
        self._forced_dirty = False
        self.stack.setClean()
        self._autosaved_edits = None
        self.discard_autosave(old_autosave)
        self.discard_autosave()
        self._emit_modified()
        return target

    # -- autosave and recovery -------------------------------------------------------------------
    def autosave(self) -> bool:
        """Write the side file if there are unsaved changes not yet autosaved."""
        if not self.is_modified() or (not self.graph.nodes and self.path is None):
            return False
        if self._autosaved_edits == self.edits:
            return False
        try:
            text = dumps_graph(self.graph)  # on the GUI thread: the graph is not shared
        except GraphFileError as exc:  # Save says so in a dialog; autosave just logs it
            log.warning("autosave skipped: %s", exc)
            return False
        self._autosaved_edits = self.edits
        future = self._writer.submit(
            recovery.write, self.autosave_file(), text, self.path, self.display_name
        )
        future.add_done_callback(_log_failure)
        return True

    def flush_autosave(self) -> None:
        """Wait for a pending autosave write (tests, shutdown)."""
        self._writer.submit(lambda: None).result(timeout=10)

    def discard_autosave(self, side: Path | None = None) -> None:
        self.flush_autosave()
        recovery.discard(side or self.autosave_file())

    @staticmethod
    def recoverable(path: Path) -> recovery.Recoverable | None:
        """The autosave of the file ``path`` when it holds changes the file lacks (an
        earlier session did not close cleanly)."""
        return recovery.find(path, recovery.side_file(path, ""))

    def close(self) -> None:
        self.stack.cleanChanged.disconnect(self._clean_changed)
        self._writer.shutdown(wait=True)


def _log_failure(future: object) -> None:
    exc = future.exception()  # type: ignore[attr-defined]
    if exc is not None:
        log.warning("autosave failed: %s", exc)
