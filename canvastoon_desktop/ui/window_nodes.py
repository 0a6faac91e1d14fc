"""The window's node commands: re-roll, pin, open a result in the viewer, paint a mask,
and the library window (whose Reveal on canvas and Use as input land here). A mixin of
``MainWindow``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.errors import CoreError
from canvastoon_desktop.core.library import encode_outputs

from . import commands
from .dialogs import ask, show_error
from .result_viewer import ResultViewer


class NodeCommands:
    """Needs ``workspace``, ``document``, ``bridge``, ``states``, ``runner``, ``_viewers``,
    ``request_run``, ``open_file`` and ``statusBar`` from the window."""

    workspace: Any
    document: Any
    bridge: Any
    states: Any
    runner: Any
    _viewers: list[QtWidgets.QWidget]

    def reroll_selected(self) -> None:
        self.reroll(self.bridge.selected_ids())

    def reroll(self, node_ids: list[str]) -> None:
        graph = self.document.graph
        makers = [
            n
            for n in node_ids
            if n in graph.nodes
            and graph.node_type(n).cacheable
            and not graph.node_type(n).is_source
        ]
        ids = [n for n in makers if commands.has_randomness(graph, n)]
        if not ids:
            if makers:  # OpenCV inpaint, pan & zoom, the template writer, assembling...
                names = ", ".join(graph.display_name(n) for n in makers[:3])
                self.statusBar().showMessage(
                    f"{names}: the same inputs always give the same result here — "
                    "change a parameter or an input for another",
                    6000,
                )
            else:
                self.statusBar().showMessage("Select a node that makes something to re-roll", 4000)
            return
        if self.runner.running:
            self.statusBar().showMessage("A run is going — cancel it (Esc) or wait", 4000)
            return
        if len(ids) == 1:
            self.bridge.push(commands.RerollCommand(graph, ids[0]))
        else:
            self.bridge.push(
                commands.CompoundCommand(
                    f"re-roll {len(ids)} nodes", [commands.RerollCommand(graph, n) for n in ids]
                )
            )
        self.request_run(
            ids, "Re-roll " + (graph.display_name(ids[0]) if len(ids) == 1 else f"{len(ids)} nodes")
        )

    def toggle_pin_selected(self) -> None:
        self.toggle_pin(self.bridge.selected_ids())

    def toggle_pin(self, node_ids: list[str]) -> None:
        graph = self.document.graph
        parent = commands.CompoundCommand()
        for node_id in node_ids:
            node = graph.nodes.get(node_id)
            if node is None:
                continue
            if node.pins:
                for key in list(node.pins):
                    parent.add(
                        commands.SetPinCommand(
                            graph, node_id, None, None if key == "" else int(key)
                        )
                    )
                continue
            st = self.states.get(node_id)
            if st.items and len(st.items) > 1:
                for index, item in enumerate(st.items):
                    if item.outputs:
                        parent.add(
                            commands.SetPinCommand(
                                graph, node_id, encode_outputs(item.outputs), index
                            )
                        )
            elif st.outputs:
                parent.add(commands.SetPinCommand(graph, node_id, encode_outputs(st.outputs)))
        if not parent.children:
            self.statusBar().showMessage("Nothing to pin: run the node first", 4000)
            return
        parent.setText(
            parent.children[0].text()
            if len(parent.children) == 1
            else f"pin/unpin {len(node_ids)} nodes"
        )
        self.bridge.push(parent)

    def open_selected_result(self) -> None:
        ids = self.bridge.selected_ids()
        if len(ids) == 1:
            self.open_result(ids[0])

    def open_result(self, node_id: str) -> ResultViewer | None:
        graph = self.document.graph
        if node_id not in graph.nodes:
            return None
        st = self.states.get(node_id)
        text = None
        if graph.nodes[node_id].type == "text":
            text = str(graph.nodes[node_id].params.get("text") or "")
        outputs = st.outputs or {}
        if not outputs and text is None:
            self.statusBar().showMessage(
                f"{graph.display_name(node_id)} has no result yet — run it (Shift+F5)", 5000
            )
            return None
        if text is not None:
            outputs = {}
        viewer = ResultViewer(
            graph.display_name(node_id), dict(outputs), self.workspace.library, self, text=text
        )
        viewer.show()
        self._viewers = [v for v in self._viewers if shiboken6.isValid(v)] + [viewer]
        return viewer

    def edit_mask(self, node_id: str) -> None:
        """Paint the mask of an Inpaint node over the image it gets."""
        from canvastoon_desktop.ui.mask_painter import MaskPainterDialog
        from nodes.painted_mask import attach_mask, painting_inputs, store_mask

        graph = self.document.graph
        if node_id not in graph.nodes:
            return
        image, mask = painting_inputs(graph, self.runner.plan, node_id)
        if image is None:
            self.statusBar().showMessage(
                "Run the node that makes the image first: the mask is painted over it", 6000
            )
            return
        try:
            dialog = MaskPainterDialog(
                image.path,
                mask.path if mask is not None else None,
                self,
                name=graph.display_name(node_id),
            )
        except ValueError as exc:
            show_error(self, "Cannot paint a mask", _esc(str(exc)))
            return
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)

        def finished(result: int) -> None:
            if not result or node_id not in graph.nodes:
                return
            try:
                stored = store_mask(self.workspace.library, dialog.mask_png(), image)
                edit = attach_mask(graph, node_id, stored.sha256, image.sha256)
            except (CoreError, ValueError) as exc:
                show_error(self, "Cannot use this mask", _esc(str(exc)))
                return
            self.bridge.push(commands.MaskEditCommand(graph, edit), {node_id, edit.mask_node_id})

        dialog.finished.connect(finished)
        dialog.open()

    def open_library(self) -> Any:
        from canvastoon_desktop.ui.gallery import LibraryWindow

        try:
            window = LibraryWindow(self.workspace, parent=self)
        except TypeError:
            window = LibraryWindow(self.workspace)
        window.revealRequested.connect(self.reveal_node)
        window.useAsInputRequested.connect(self.use_as_input)
        window.show()
        self._viewers = [v for v in self._viewers if shiboken6.isValid(v)] + [window]
        return window

    def reveal_node(self, graph_path: str, node_id: str) -> None:
        """Show the node an asset came from: here if it is this graph's; else offer to
        open its graph (which may ask to save this one first)."""
        path = Path(graph_path)
        here = self.document.path
        if here is not None and path.resolve() == here.resolve():
            self._show_node(node_id)
            return
        if not path.is_file():
            show_error(
                self,
                "Cannot reveal the node",
                _esc(f"It was made by the graph {path}, which is no longer there."),
            )
            return

        def answer(yes: bool) -> None:
            if yes and self.open_file(path):
                self._show_node(node_id)

        ask(
            self,
            "Open the graph it came from?",
            f"This was made by {path.name}, not by the graph open here.",
            f"{path}",
            "Open it",
            "Cancel",
            answer,
        )

    def _show_node(self, node_id: str) -> None:
        self.raise_()
        self.activateWindow()
        if node_id in self.document.graph.nodes:
            self.bridge.select([node_id], center=True)
        else:
            self.statusBar().showMessage("That node is no longer in this graph", 5000)

    def use_as_input(self, sha: str) -> list[str]:
        """A Load Image node of a library image, in the middle of the view."""
        library = self.workspace.library
        asset = library.asset(sha)
        if asset is None or asset.kind is not AssetKind.IMAGE:
            self.statusBar().showMessage("Only images can be used as an input here", 5000)
            return []
        x, y = self.bridge.view_center()
        return self.bridge.add_image_nodes([library.file_path(asset)], (x - 60.0, y - 100.0))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
