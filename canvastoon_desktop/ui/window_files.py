"""The window's file commands: New, Open, Open Recent, Open Example, Save, Save As, the
"save changes?" question, and recovery of an autosave left by a session that did not end
cleanly. A mixin of ``MainWindow``; files are read and written by ``GraphDocument``."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.errors import GraphFileError
from canvastoon_desktop.core.fileformat import MAX_FILE_BYTES, SUFFIX
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.paths import outside_paths, rebase_relative_paths
from canvastoon_desktop.core.regular_files import FileRefused, read_regular

from .dialogs import ask, show_error
from .document import GraphDocument

log = logging.getLogger(__name__)

FILE_FILTER = f"CanvasToon graphs (*{SUFFIX});;All files (*)"


class FileCommands:
    """Needs ``document``, ``settings``, ``registry``, ``bridge``, ``runner``,
    ``recent_menu``, ``show_graph`` and ``_update_title`` from the window."""

    document: GraphDocument
    settings: Any
    registry: Any
    bridge: Any
    runner: Any
    recent_menu: QtWidgets.QMenu
    last_dialog: QtWidgets.QDialog | None
    unsaved_answer: str | None

    def maybe_save(self) -> bool:
        """Unsaved changes: save, discard or cancel. True when it is fine to go on."""
        if not self.document.is_modified():
            return True
        answer = self.unsaved_answer
        if answer is None:
            box = QtWidgets.QMessageBox(self)
            box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
            box.setWindowTitle("Unsaved changes")
            box.setText(f"<b>Save the changes to {self.document.display_name}?</b>")
            box.setInformativeText("Your changes are lost if you don't save them.")
            box.setStandardButtons(
                QtWidgets.QMessageBox.StandardButton.Save
                | QtWidgets.QMessageBox.StandardButton.Discard
                | QtWidgets.QMessageBox.StandardButton.Cancel
            )
            box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.Save)
            self.last_dialog = box
            result = box.exec()
            answer = {
                QtWidgets.QMessageBox.StandardButton.Save: "save",
                QtWidgets.QMessageBox.StandardButton.Discard: "discard",
            }.get(QtWidgets.QMessageBox.StandardButton(result), "cancel")
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.document.discard_autosave()
            return True
        return False

    def new_file(self) -> None:
        if self.maybe_save():
            self.runner.allow_outside_paths = True  # made here: every path is the artist's
            self.show_graph(Graph(self.registry), None)

    def open_dialog(self) -> None:
        start = str(self.document.graph_dir or Path.home())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open graph", start, FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path, *, ask_unsaved: bool = True) -> bool:
        """Open a graph file; a bad file shows what is wrong and changes nothing."""
        path = Path(path)
        if ask_unsaved and not self.maybe_save():
            return False
        try:
            graph = self.document.read(path)
        except GraphFileError as exc:
            lines = [f"node {n}: {m}" if n else m for n, m in exc.problems]
            self.last_dialog = show_error(
                self,
                f"Cannot open {path.name}",
                "<br>".join(_esc(line) for line in lines[:12])
                + (f"<br>… and {len(lines) - 12} more" if len(lines) > 12 else ""),
                details=str(exc),
            )
            return False
        except OSError as exc:
            self.last_dialog = show_error(self, f"Cannot open {path.name}", _esc(str(exc)))
            return False
        self._trust_paths(graph, path)
        self.show_graph(graph, path)
        self.settings.add_recent(str(path))
        self._save_settings()
        self._fill_recent()
        self.statusBar().showMessage(f"Opened {path.name}", 4000)
        self._offer_recovery(path)
        return True

    def open_example(self, example: Path) -> bool:
        """Open a bundled example. Its relative paths (masks, characters) resolve from the
        bundle; "Save As" puts a copy where the user wants it."""
        return self.open_file(example)

    def _offer_recovery(self, path: Path | None) -> None:
        side = GraphDocument.recoverable(path)
        if side is None:
            return
        when = QtCore.QDateTime.fromSecsSinceEpoch(int(side.stat().st_mtime)).toString(
            "MMM d, hh:mm"
        )
        name = path.name if path else "an untitled graph"

        def answer(recover: bool) -> None:
            if recover:
                self.recover_from(side, path)
            else:
                self.document.discard_autosave(side)

        self.last_dialog = ask(
            self,
            "Recover unsaved changes?",
            f"CanvasToon has unsaved changes to {name}.",
            f"They were autosaved at {when}, after the file was last saved — the app did not "
            "close cleanly. Recover them?",
            "Recover",
            "Discard",
            answer,
        )

    def recover_from(self, side: Path, path: Path | None) -> bool:
        try:
            graph = self.document.read(side)
        except (GraphFileError, OSError) as exc:
            self.last_dialog = show_error(self, "Cannot recover", _esc(str(exc)))
            return False
        self._trust_paths(graph, path)
        self.show_graph(graph, path, modified=True)
        self.statusBar().showMessage("Recovered the autosaved changes — save to keep them", 8000)
        return True

    def offer_untitled_recovery(self) -> None:
        """At start with no file: an untitled graph's autosave from a crash."""
        self._offer_recovery(None)

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        start = str(self.document.path or (Path.home() / f"untitled{SUFFIX}"))
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save graph", start, FILE_FILTER)
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        moved = self.document.path is None or path.resolve().parent != self.document.graph_dir
        if moved:  # keep images, masks and export folders pointing at the same places
            rebase_relative_paths(
                self.document.graph, self.document.graph_dir, path.resolve().parent
            )
        try:
            self.document.save(path)
        except (OSError, GraphFileError) as exc:  # never in silence (a value no file holds)
            self.last_dialog = show_error(self, f"Cannot save {path.name}", _esc(str(exc)))
            return False
        if self.runner.allow_outside_paths and outside_paths(
            self.document.graph, self.document.graph_dir
        ):  # the artist's own save: reopening it asks nothing
            self.settings.allow_outside_paths(file_sha256(path))
        self.settings.add_recent(str(path))
        self._save_settings()
        self._fill_recent()
        self._update_title()
        if moved:  # relative paths (images, exports) now resolve from the new folder
            self.bridge.graph_dir = self.document.graph_dir
            self.runner.schedule_plan()
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    # -- paths outside the graph's folder (core.paths) ---------------------------------------
    def _trust_paths(self, graph: Graph, path: Path | None) -> None:
        """A graph's paths outside its folder are used without asking when it was made here
        (untitled), has none, or is byte for byte a file the artist allowed before."""
        ok = path is None or not outside_paths(graph, Path(path).resolve().parent)
        self.runner.allow_outside_paths = ok or self.settings.outside_paths_ok(
            file_sha256(Path(path))
        )

    def allow_outside_paths(self) -> None:
        """The artist allowed the open graph's outside paths (the dialog): for this window,
        and for the file as it is on disk (remembered by its content's hash)."""
        self.runner.allow_outside_paths = True
        path = self.document.path
        if path is not None and not self.document.is_modified():
            self.settings.allow_outside_paths(file_sha256(path))
            self._save_settings()
        self.runner.schedule_plan()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = [f for f in self.settings.recent_files if f]
        for file in files[:10]:
            action = self.recent_menu.addAction(Path(file).name)
            action.setToolTip(file)
            action.triggered.connect(lambda _c=False, f=file: self.open_file(f))
        self.recent_menu.setEnabled(bool(files))

    def _save_settings(self) -> None:
        try:
            self.settings.save()
        except OSError as exc:
            log.warning("cannot save settings: %s", exc)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def file_sha256(path: Path) -> str:
    """The hash of a graph file's bytes ("" when it cannot be read)."""
    try:
        return hashlib.sha256(read_regular(path, MAX_FILE_BYTES)).hexdigest()
    except FileRefused:
        return ""
