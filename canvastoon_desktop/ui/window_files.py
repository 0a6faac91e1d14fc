"""The window's file commands: New, Open, Open Recent, Open Example, Save, Save As, the
"save changes?" question, and recovery of what a session that did not end cleanly left
(every document at launch; a file's own changes when it is opened). A mixin of
``MainWindow``; files are read and written by ``GraphDocument``.

Examples open as untitled copies: the bundled file is never saved over, their exports go to
the user's documents folder, and Save As starts there too."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.errors import GraphFileError
from canvastoon_desktop.core.fileformat import MAX_FILE_BYTES, SUFFIX
from canvastoon_desktop.core.gcpause import long_lived
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.paths import outside_paths, rebase_relative_paths
from canvastoon_desktop.core.regular_files import FileRefused, read_regular

from . import recovery
from .dialogs import RecoveryDialog, ask, show_error
from .document import GraphDocument
from .examples import example_copy
from .undo_actions import menu_text

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

    def maybe_save(self) -> bool:
        """Unsaved changes: save, discard or cancel. True when it is fine to go on."""
        if not self.document.is_modified():
            return True
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
        answer = QtWidgets.QMessageBox.StandardButton(box.exec())
        if answer == QtWidgets.QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QtWidgets.QMessageBox.StandardButton.Discard:
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
            with long_lived():
                graph = self.document.read(path)
        except GraphFileError as exc:
            lines = [f"node {n}: {m}" if n else m for n, m in exc.problems]
            show_error(
                self,
                f"Cannot open {path.name}",
                "<br>".join(_esc(line) for line in lines[:12])
                + (f"<br>… and {len(lines) - 12} more" if len(lines) > 12 else ""),
                details=str(exc),
            )
            return False
        except OSError as exc:
            show_error(self, f"Cannot open {path.name}", _esc(str(exc)))
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
        """Open a bundled example as an untitled copy (see ``examples.example_copy``)."""
        if not self.maybe_save():
            return False
        try:
            copy = example_copy(example, self.registry)
        except (GraphFileError, OSError) as exc:
            show_error(self, f"Cannot open {example.name}", _esc(str(exc)))
            return False
        self._trust_paths(copy.graph, None)  # the app's own example: its paths are ours
        self.show_graph(copy.graph, None, untitled_name=copy.name, save_as=copy.save_as)
        self.statusBar().showMessage(
            f"{copy.name}: a copy of the example — Save keeps it where you choose; its "
            f"exports go to {copy.folder}",
            8000,
        )
        return True

    def _offer_recovery(self, path: Path) -> None:
        """Opening a file that has changes an earlier session autosaved and never saved."""
        found = GraphDocument.recoverable(path)
        if found is None:
            return
        when = _when(found.saved_at)

        def answer(recover: bool) -> None:
            if recover:
                self.recover(found)
            else:
                self.document.discard_autosave(found.side)

        ask(
            self,
            "Recover unsaved changes?",
            f"CanvasToon has unsaved changes to {path.name}.",
            f"They were autosaved at {when}, after the file was last saved — the app did not "
            "close cleanly. Recover them?",
            "Recover",
            "Discard",
            answer,
        )

    def recover(self, found: recovery.Recoverable) -> bool:
        """Show what an autosave holds, as unsaved changes of its file (or untitled)."""
        try:
            graph = self.document.read(found.side)
        except (GraphFileError, OSError) as exc:
            show_error(self, "Cannot recover", _esc(str(exc)))
            return False
        self._trust_paths(graph, found.path)
        self.show_graph(
            graph,
            found.path,
            modified=True,
            untitled_name=found.name if found.path is None else "Untitled",
            autosave=found.side,
        )
        self.statusBar().showMessage("Recovered the autosaved changes — save to keep them", 8000)
        return True

    def offer_recovery_at_launch(self, skip: list[Path] | None = None) -> None:
        """At start: every document a session that did not close cleanly left unsaved (but
        the files in ``skip``, just opened: they offered their own)."""
        skipped = {p.resolve() for p in skip or ()}
        found = [
            r for r in recovery.recoverable() if r.path is None or r.path.resolve() not in skipped
        ]
        if not found:
            return
        dialog = RecoveryDialog(found, self)

        def finished(_result: int) -> None:
            for item in dialog.discarded():
                recovery.discard(item.side)
            chosen = dialog.chosen()
            if chosen:
                self.recover(chosen[0])
                for item in chosen[1:]:  # the others each in a window of their own
                    self.open_in_new_window(lambda window, item=item: window.recover(item))

        dialog.finished.connect(finished)
        dialog.open()

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        document = self.document
        start = str(document.path or document.save_as or (Path.home() / f"untitled{SUFFIX}"))
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
            show_error(self, f"Cannot save {path.name}", _esc(str(exc)))
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
            action = self.recent_menu.addAction(menu_text(Path(file).name))
            action.setToolTip(file)
            action.triggered.connect(lambda _c=False, f=file: self.open_file(f))
        self.recent_menu.setEnabled(bool(files))

    def _save_settings(self) -> None:
        try:
            self.settings.save()
        except OSError as exc:
            log.warning("cannot save settings: %s", exc)


def _when(epoch: float) -> str:
    return QtCore.QDateTime.fromSecsSinceEpoch(int(epoch)).toString("MMM d, hh:mm")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def file_sha256(path: Path) -> str:
    """The hash of a graph file's bytes ("" when it cannot be read)."""
    try:
        return hashlib.sha256(read_regular(path, MAX_FILE_BYTES)).hexdigest()
    except FileRefused:
        return ""
