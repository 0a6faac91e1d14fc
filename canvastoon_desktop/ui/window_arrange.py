"""The window's Arrange commands: backdrops (add around the selection, rename, recolour, fit,
delete), align and distribute the selected nodes, tidy a selection up into columns by data
flow, and the minimap. A mixin of ``MainWindow``; each arrangement is one undo step."""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.backdrops import BACKDROP_COLORS, MAX_TITLE

from . import arrange, commands
from .menus import pop_up
from .minimap import Minimap
from .palette import swatch

ALIGN_LABELS = {
    "left": "Left Edges",
    "hcenter": "Centres (Horizontally)",
    "right": "Right Edges",
    "top": "Top Edges",
    "vcenter": "Middles (Vertically)",
    "bottom": "Bottom Edges",
}


class ArrangeCommands:
    """Needs ``bridge``, ``document``, ``viewer``, ``actions_by_name``, ``_action`` and
    ``statusBar`` from the window."""

    bridge: Any
    document: Any
    viewer: Any
    actions_by_name: dict[str, QtGui.QAction]
    minimap: Minimap

    def _make_arrange_actions(self) -> None:
        a = self._action  # type: ignore[attr-defined]
        a(
            "add_backdrop",
            "Add &Backdrop",
            self.add_backdrop,
            "Ctrl+G",
            tip="Frame the selected nodes in a labelled backdrop (Ctrl+G)",
        )
        for edge, label in ALIGN_LABELS.items():
            a(f"align_{edge}", label, lambda e=edge: self.align_selection(e))
        a("distribute_h", "Horizontally", lambda: self.distribute_selection("horizontal"))
        a("distribute_v", "Vertically", lambda: self.distribute_selection("vertical"))
        a(
            "tidy",
            "&Tidy Up Selection",
            self.tidy_selection,
            "Shift+L",
            canvas_only=True,
            tip="Lay the selected nodes out in columns, left to right by data flow (Shift+L)",
        )
        minimap = QtGui.QAction("&Minimap", self)  # type: ignore[arg-type]
        minimap.setCheckable(True)
        minimap.setChecked(True)
        minimap.toggled.connect(lambda on: self.minimap.set_wanted(on))
        self.actions_by_name["minimap"] = minimap

    def _arrange_menu(self, bar: QtWidgets.QMenuBar) -> None:
        names = self.actions_by_name
        menu = bar.addMenu("&Arrange")
        menu.addAction(names["add_backdrop"])
        menu.addSeparator()
        align = menu.addMenu("&Align")
        for edge in ALIGN_LABELS:
            align.addAction(names[f"align_{edge}"])
            if edge == "right":
                align.addSeparator()
        distribute = menu.addMenu("&Distribute")
        distribute.addAction(names["distribute_h"])
        distribute.addAction(names["distribute_v"])
        menu.addAction(names["tidy"])
        self.arrange_menu = menu

    # -- align, distribute, tidy --------------------------------------------------------------
    def _selected_boxes(self, least: int, verb: str) -> dict[str, arrange.Box] | None:
        ids = self.bridge.selected_ids()
        if len(ids) < least:
            self.statusBar().showMessage(  # type: ignore[attr-defined]
                f"Select at least {least} nodes to {verb}", 4000
            )
            return None
        boxes = {}
        for node_id in ids:
            rect = self.bridge.card(node_id).sceneBoundingRect()
            boxes[node_id] = arrange.Box(rect.x(), rect.y(), rect.width(), rect.height())
        return boxes

    def _move_to(self, places: dict[str, tuple[float, float]], text: str) -> bool:
        graph = self.document.graph
        moves = {
            n: (graph.nodes[n].position, (round(x, 1), round(y, 1)))
            for n, (x, y) in places.items()
            if n in graph.nodes and graph.nodes[n].position != (round(x, 1), round(y, 1))
        }
        if not moves:
            self.statusBar().showMessage("Already arranged", 3000)  # type: ignore[attr-defined]
            return False
        command = commands.MoveNodesCommand(graph, moves)
        command.setText(text)
        return self.bridge.push(command)

    def align_selection(self, edge: str) -> bool:
        boxes = self._selected_boxes(2, "align them")
        if boxes is None:
            return False
        label = ALIGN_LABELS[edge].lower()
        return self._move_to(arrange.align(boxes, edge), f"align {len(boxes)} nodes: {label}")

    def distribute_selection(self, axis: str) -> bool:
        boxes = self._selected_boxes(3, "spread them out evenly")
        if boxes is None:
            return False
        return self._move_to(
            arrange.distribute(boxes, axis), f"distribute {len(boxes)} nodes {axis}ly"
        )

    def tidy_selection(self) -> bool:
        boxes = self._selected_boxes(2, "tidy them up")
        if boxes is None:
            return False
        places = arrange.layered_layout(boxes, self.document.graph.edges)
        return self._move_to(places, f"tidy up {len(boxes)} nodes")

    # -- backdrops ----------------------------------------------------------------------------
    def add_backdrop(self) -> str | None:
        """A backdrop around the selected nodes (or in the middle of the view), named next."""
        ids = self.bridge.selected_ids()
        rects = [self.bridge.card(n).sceneBoundingRect() for n in ids]
        backdrop_id = self.bridge.backdrops.add_around(rects, "Backdrop")
        if backdrop_id is not None:
            self.rename_backdrop(backdrop_id)
        return backdrop_id

    def rename_backdrop(self, backdrop_id: str) -> None:
        backdrops = self.bridge.backdrops
        graph = self.document.graph
        if backdrop_id not in graph.backdrops:
            return
        dialog = QtWidgets.QInputDialog(self)  # type: ignore[arg-type]
        dialog.setWindowTitle("Name the backdrop")
        dialog.setLabelText("What this part of the graph does:")
        dialog.setTextValue(graph.backdrops[backdrop_id].title)
        dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.textValueSelected.connect(
            lambda text: backdrops.change(backdrop_id, title=text.strip()[:MAX_TITLE])
        )
        dialog.open()

    def _backdrop_menu(self, scene_pos: QtCore.QPointF, backdrop_id: str) -> None:
        backdrops = self.bridge.backdrops
        menu = QtWidgets.QMenu(self)  # type: ignore[arg-type]
        menu.addAction("Rename…", lambda: self.rename_backdrop(backdrop_id))
        colours = menu.addMenu("Colour")
        for name, value in BACKDROP_COLORS.items():
            colours.addAction(
                swatch(value, 14),
                name.capitalize(),
                lambda v=value: backdrops.change(backdrop_id, color=v),
            )
        menu.addAction(
            "Select Its Nodes", lambda: self.bridge.select(backdrops.nodes_on(backdrop_id))
        )
        menu.addAction(
            "Fit to Its Nodes",
            lambda: backdrops.fit(
                backdrop_id,
                [self.bridge.card(n).sceneBoundingRect() for n in backdrops.nodes_on(backdrop_id)],
            ),
        )
        menu.addSeparator()
        menu.addAction(
            "Delete Backdrop (Keep Nodes)",
            lambda: self.bridge.push(
                commands.RemoveBackdropCommand(self.document.graph, backdrop_id)
            ),
        )
        pop_up(menu, QtGui.QCursor.pos())
