"""The window's Edit commands on the canvas: delete, select all, copy, cut, paste,
duplicate, rename, and the canvas's context menu. A mixin of ``MainWindow``; each edit is
an undo command pushed through the bridge."""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.graph import Graph

from . import clipboard, commands
from .menus import pop_up


class EditCommands:
    """Needs ``document``, ``registry``, ``bridge``, ``properties``, ``properties_dock``,
    ``actions_by_name``, ``rename_backdrop`` and ``statusBar`` from the window."""

    document: Any
    registry: Any
    bridge: Any
    properties: Any
    properties_dock: Any
    actions_by_name: dict[str, QtGui.QAction]

    def delete_selection(self) -> None:
        self.bridge.delete_selection()

    def select_all(self) -> None:
        self.bridge.select(list(self.document.graph.nodes))

    def copy(self) -> bool:
        mime = clipboard.to_mime(self.document.graph, self.bridge.selected_ids())
        if mime is None:
            return False
        QtWidgets.QApplication.clipboard().setMimeData(mime)
        return True

    def cut(self) -> None:
        if self.copy():
            self.bridge.delete_selection()

    def paste(self, at: tuple[float, float] | None = None) -> list[str]:
        part = clipboard.from_mime(QtWidgets.QApplication.clipboard().mimeData(), self.registry)
        if part is None:
            self.statusBar().showMessage("Nothing to paste", 3000)
            return []
        return self._insert_copies(part, "paste", at)

    def duplicate(self) -> list[str]:
        ids = self.bridge.selected_ids()
        if not ids:
            return []
        return self._insert_copies(clipboard.subgraph(self.document.graph, ids), "duplicate")

    def _insert_copies(
        self, part: Graph, verb: str, at: tuple[float, float] | None = None
    ) -> list[str]:
        nodes, edges = clipboard.fresh_copies(part, at=at)
        if not nodes:
            return []
        text = f"{verb} {len(nodes)} node{'s' if len(nodes) != 1 else ''}"
        command = commands.add_nodes_command(self.document.graph, nodes, edges, text)
        if self.bridge.push(command):
            self.bridge.select([n.id for n in nodes])
            return [n.id for n in nodes]
        return []

    def rename(self) -> None:
        ids = self.bridge.selected_ids()
        backdrops = self.bridge.backdrops.selected_ids()
        if len(ids) == 1:
            self.properties_dock.show()
            self.properties.focus_title()
        elif len(backdrops) == 1:
            self.rename_backdrop(backdrops[0])

    def _context_menu(self, scene_pos: QtCore.QPointF, node_id: str) -> None:
        menu = QtWidgets.QMenu(self)
        names = self.actions_by_name
        if node_id:
            menu.addAction(names["run_selected"])
            menu.addAction(names["reroll"])
            menu.addAction(names["pin"])
            menu.addAction(names["open_result"])
            menu.addSeparator()
            menu.addAction(names["rename"])
            menu.addAction(names["duplicate"])
            menu.addAction(names["copy"])
            menu.addAction(names["delete"])
        else:
            add = menu.addMenu("Add node")
            for node_type in self.registry:
                action = add.addAction(node_type.title)
                action.triggered.connect(
                    lambda _c=False, t=node_type.type_id: self.bridge.add_node(
                        t, (scene_pos.x(), scene_pos.y())
                    )
                )
            paste_here = menu.addAction("Paste here")
            paste_here.triggered.connect(lambda: self.paste(at=(scene_pos.x(), scene_pos.y())))
            menu.addSeparator()
            menu.addAction(names["fit"])
        pop_up(menu, QtGui.QCursor.pos())
