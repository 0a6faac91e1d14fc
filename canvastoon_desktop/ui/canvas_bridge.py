"""The one bridge between the core ``Graph`` (the model) and the NodeGraphQt canvas (a view).

Modelled on orange-canvas-core's ``CanvasScene.set_scheme()``: ``set_graph`` draws a graph
and subscribes to its signals (node_added, node_removed, edge_added, edge_removed,
param_changed, node_moved, title_changed, node_state_changed), and every change of the
graph — an edit, an undo, a redo, a load — reaches the canvas the same way. Core ids (our
UUIDs) are the identity: the bridge keeps core id ↔ canvas node maps, since NodeGraphQt's
ids change on every reload.

The other way, user gestures on the canvas (drag-connect, disconnect, slice, move, delete,
drop) become undo commands (``commands.py``) that call the graph's public methods. If the
graph refuses an edit, the canvas is put back to what the graph holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from NodeGraphQt.base.commands import NodesRemovedCmd, PortConnectedCmd, PortDisconnectedCmd
from NodeGraphQt.qgraphics.port import PortItem
from PySide6 import QtCore, QtGui

from canvastoon_desktop.core.errors import GraphError
from canvastoon_desktop.core.gcpause import long_lived
from canvastoon_desktop.core.graph import Edge, Graph, Node, new_node_id
from canvastoon_desktop.core.ports import connection_refusal
from canvastoon_desktop.core.status import ACTIVE, DisplayState

from . import commands, theme
from .backdrops import BackdropLayer
from .canvas import MIN_ZOOM, NODE_TYPE_MIME, READABLE_ZOOM, CanvasGraph, is_input
from .node_item import CanvasNode, CardItem, layout_for
from .node_state import NodeState, NodeStates
from .thumbnails import ThumbnailLoader, text_key, thumb_key

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
EMPTY_HINT = (
    "Drag a node from the palette, or press Tab to search\n"
    "Drop images here to load them\n"
    "File ▸ Open Example to start from a finished graph"
)


class CanvasBridge(QtCore.QObject):
    """Keeps a ``CanvasGraph`` showing one core ``Graph`` and edits it through commands."""

    #: the set of selected nodes changed
    selection_changed = QtCore.Signal()
    #: a node was double-clicked: (core id)
    node_activated = QtCore.Signal(str)
    #: a connection was refused: (reason)
    connection_refused = QtCore.Signal(str)
    #: right click on the canvas: (scene position, core id or "")
    context_menu_requested = QtCore.Signal(QtCore.QPointF, str)
    #: files that are not images were dropped: (paths)
    files_dropped = QtCore.Signal(list)
    #: the view was framed on nodes (Fit View, Show All, a graph opened)
    framed = QtCore.Signal()
    #: right click on a backdrop's title: (scene position, backdrop id)
    backdrop_menu_requested = QtCore.Signal(QtCore.QPointF, str)

    def __init__(
        self,
        canvas: CanvasGraph,
        undo_stack: QtGui.QUndoStack,
        states: NodeStates,
        loader: ThumbnailLoader,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.viewer = canvas.canvas_viewer
        self.stack = undo_stack
        self.states = states
        self.loader = loader
        self.graph: Graph | None = None
        self.graph_dir: Path | None = None
        self._nodes: dict[str, CanvasNode] = {}  # core id -> canvas node
        self._core: dict[str, str] = {}  # canvas view id -> core id
        self._watch: dict[str, set[str]] = {}  # preview key -> core ids showing it
        self._shown: dict[str, set[str]] = {}  # core id -> preview keys it shows
        self._layouts: dict[str, Any] = {}
        self._subscriptions: list[tuple[Any, Any]] = []
        self.viewer.connection_check = self._drag_refusal
        self.viewer.connection_changed.connect(self._on_connection_changed)
        self.viewer.connection_sliced.connect(self._on_connection_sliced)
        self.viewer.moved_nodes.connect(self._on_nodes_moved)
        self.viewer.data_dropped.connect(self._on_data_dropped)
        self.viewer.connection_refused.connect(self.connection_refused)
        self.viewer.context_menu_requested.connect(self._on_context_menu)
        self._selection_timer = QtCore.QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(0)
        self._selection_timer.timeout.connect(self.selection_changed.emit)
        self.viewer.scene().selectionChanged.connect(self._selection_timer.start)
        self.canvas.node_double_clicked.connect(self._on_double_clicked)
        self.loader.ready.connect(self._on_preview_ready)
        #: the graph's backdrops, drawn behind the cards
        self.backdrops = BackdropLayer(self)

    # -- binding a graph (orange: set_scheme) ------------------------------------------
    def set_graph(self, graph: Graph | None, graph_dir: Path | None = None) -> None:
        self._unsubscribe()
        self._clear_canvas()
        self.graph = graph
        self.graph_dir = graph_dir
        self.backdrops.set_graph(graph)
        if graph is None:
            self._update_hint()
            return
        viewport = self.viewer.viewport()
        viewport.setUpdatesEnabled(False)
        try:
            with long_lived():
                upstream = graph.upstream_index()
                for node in graph.nodes.values():
                    connected = frozenset(e.dst_port for e in upstream[node.id])
                    self._draw_node(node, connected=connected)
                for edge in graph.edges:
                    self._draw_edge(edge)
        finally:
            viewport.setUpdatesEnabled(True)
        self._update_hint()
        for signal, handler in (
            (graph.node_added, self._on_node_added),
            (graph.node_removed, self._on_node_removed),
            (graph.edge_added, self._on_edge_added),
            (graph.edge_removed, self._on_edge_removed),
            (graph.param_changed, self._on_param_changed),
            (graph.node_moved, self._on_node_moved),
            (graph.title_changed, self._on_title_changed),
            (graph.node_state_changed, self._on_node_state_changed),
        ):
            signal.connect(handler)
            self._subscriptions.append((signal, handler))

    def _unsubscribe(self) -> None:
        for signal, handler in self._subscriptions:
            signal.disconnect(handler)
        self._subscriptions.clear()

    def _clear_canvas(self) -> None:
        scene = self.viewer.scene()
        for pipe in self.viewer.all_pipes():
            scene.removeItem(pipe)
        for canvas_node in list(self._nodes.values()):
            self.canvas.model.nodes.pop(canvas_node.id, None)
            scene.removeItem(canvas_node.view)
        self._nodes.clear()
        self._core.clear()
        self._watch.clear()
        self._shown.clear()

    # -- lookups ---------------------------------------------------------------------------
    def canvas_node(self, node_id: str) -> CanvasNode | None:
        return self._nodes.get(node_id)

    def card(self, node_id: str) -> CardItem | None:
        node = self._nodes.get(node_id)
        return node.view if node is not None else None

    def core_id(self, view_id: str) -> str | None:
        return self._core.get(view_id)

    def selected_ids(self) -> list[str]:
        ids = []
        for item in self.viewer.scene().selectedItems():
            core = self._core.get(getattr(item, "id", None) or "")
            if core is not None:
                ids.append(core)
        return ids

    def selected_edges(self) -> list[Edge]:
        edges = []
        for pipe in self.viewer.selected_pipes():
            edge = self._edge_of(pipe.output_port, pipe.input_port)
            if edge is not None and self.graph is not None and edge in self.graph.edges:
                edges.append(edge)
        return edges

    def select(self, node_ids: Iterable[str], *, center: bool = False) -> None:
        wanted = set(node_ids)
        scene = self.viewer.scene()
        for item in scene.selectedItems():
            if getattr(item, "id", None) not in wanted:
                item.setSelected(False)
        cards = []
        for node_id in wanted:
            card = self.card(node_id)
            if card is not None:
                card.setSelected(True)
                cards.append(card)
        if center and cards:
            self.viewer.center_on_rect(_united(c.sceneBoundingRect() for c in cards))

    def fit(self, node_ids: Iterable[str] | None = None, *, readable: bool = True) -> None:
        """Frame these nodes (all by default), never zooming in past 1:1 — nor, when
        ``readable``, out so far that card text cannot be read (then from the top-left)."""
        cards = [self._nodes[n].view for n in (node_ids or self._nodes) if n in self._nodes]
        if cards:
            self.viewer.frame(
                _united(c.sceneBoundingRect() for c in cards),
                min_zoom=READABLE_ZOOM if readable else MIN_ZOOM,
            )
        self.framed.emit()

    def show_all(self) -> None:
        """Frame every node however small that makes them (cards show less detail)."""
        self.fit(readable=False)

    def overview(self) -> tuple[list[tuple[QtCore.QRectF, str]], list[tuple[QtCore.QRectF, str]]]:
        """Every card's and backdrop's scene rectangle and colour (for the minimap)."""
        cards = [
            (node.view.sceneBoundingRect(), node.view.header_color.name())
            for node in self._nodes.values()
        ]
        return cards, self.backdrops.overview()

    def view_center(self) -> tuple[float, float]:
        center = self.viewer.mapToScene(self.viewer.viewport().rect().center())
        return center.x(), center.y()

    # -- drawing (graph -> canvas) -------------------------------------------------------------
    def _draw_node(self, node: Node, connected: frozenset[str] | None = None) -> CanvasNode:
        assert self.graph is not None
        node_type = self.graph.registry[node.type]
        card_layout = self._layouts.get(node.type)
        if card_layout is None:
            card_layout = self._layouts[node.type] = layout_for(node_type)
        canvas_node = CanvasNode(node_type, card_layout)
        canvas_node.NODE_NAME = self.graph.display_name(node.id)
        canvas_node.model.name = canvas_node.NODE_NAME
        card: CardItem = canvas_node.view
        # Placed before it enters the scene: once there, moving a card walks every port item
        # in the scene (ports set ItemSendsScenePositionChanges), which made opening O(N²).
        # NodeGraphQt copies the model's position onto the card before adding it, and its
        # setPos after adding then finds the card already in place.
        position = [float(node.position[0]), float(node.position[1])]
        canvas_node.model.pos = position
        card.setPos(*position)
        self.canvas.add_node(canvas_node, pos=position, selected=False, push_undo=False)
        card.name = canvas_node.NODE_NAME
        body = card.body
        body.pixmap_for = self.loader.pixmap
        body.text_for = self.loader.text
        body.fallback_text = lambda node_id=node.id: self._fallback_text(node_id)
        self._nodes[node.id] = canvas_node
        self._core[canvas_node.id] = node.id
        self._update_subtitle(node.id, connected)
        self.refresh([node.id])
        return canvas_node

    def _draw_edge(self, edge: Edge) -> None:
        ports = self._ports(edge)
        if ports is None:
            return
        out_port, in_port = ports
        if out_port.view in in_port.view.connected_ports:
            return
        PortConnectedCmd(out_port, in_port, False).redo()

    def _erase_edge(self, edge: Edge) -> None:
        ports = self._ports(edge)
        if ports is None:
            return
        out_port, in_port = ports
        PortDisconnectedCmd(out_port, in_port, False).redo()

    def _ports(self, edge: Edge) -> tuple[Any, Any] | None:
        src, dst = self._nodes.get(edge.src_node), self._nodes.get(edge.dst_node)
        if src is None or dst is None:
            return None
        out_port = src.outputs().get(edge.src_port)
        in_port = dst.inputs().get(edge.dst_port)
        if out_port is None or in_port is None:
            return None
        return out_port, in_port

    def _fallback_text(self, node_id: str) -> str:
        graph = self.graph
        if graph is None or node_id not in graph.nodes:
            return ""
        node = graph.nodes[node_id]
        if node.type == "text":
            return str(node.params.get("text") or "")
        if node.type == "export":
            folder = node.params.get("folder") or "exports"
            return f"writes the results wired in to {folder}/"
        return ""

    def _update_subtitle(self, node_id: str, connected: frozenset[str] | None = None) -> None:
        graph = self.graph
        card = self.card(node_id)
        if graph is None or card is None:
            return
        node = graph.nodes[node_id]
        node_type = graph.registry[node.type]
        if connected is None:
            connected = frozenset(e.dst_port for e in graph.incoming(node_id))
        catalog = graph.registry.catalog
        params = node_type.effective_params(catalog, node.params)
        model = node_type.resolve_model(catalog, params, connected)
        subtitle = ""
        if model is not None:
            subtitle = model.label + (" · offline" if model.offline else "")
        elif node.title and node.title != node_type.title:
            subtitle = node_type.title
        if subtitle != card.subtitle:
            card.subtitle = subtitle
            card.update()

    def _update_hint(self) -> None:
        hint = "" if self._nodes else EMPTY_HINT
        if hint != self.viewer.empty_hint:
            self.viewer.empty_hint = hint
            self.viewer.viewport().update()

    def refresh(self, node_ids: Iterable[str]) -> None:
        """Repaint these nodes from their NodeState (state, preview, cost, badges)."""
        for node_id in node_ids:
            card = self.card(node_id)
            if card is None:
                continue
            st = self.states.get(node_id)
            badges = []
            if st.pinned:
                badges.append(("PIN", theme.ACCENT))
            if st.resumable:
                badges.append(("RESUME", "#4aa8ff"))
            if st.simulated:
                badges.append(("SIM", theme.SIMULATED))
            if st.problems and st.state not in ACTIVE:
                badges.append(("!", theme.ATTENTION_COLOR))
            if badges != card.badges:
                card.badges = badges
                card.update()
            card.set_strip(bool(st.items) and len(st.items) > 1)
            self._watch_previews(node_id, st)
            card.body.set_state(st)
            tip = self._tooltip(node_id, st)  # on the card only: the body has none and
            if tip != getattr(card, "tip", None):  # hovering it finds the card's
                card.tip = tip
                card.setToolTip(tip)

    def refresh_running(self) -> None:
        """The clock ticks: repaint the nodes whose elapsed time and ETA are showing."""
        for node_id, st in self.states.nodes.items():
            if st.state == DisplayState.RUNNING:
                card = self.card(node_id)
                if card is not None:
                    card.body.update()

    def _watch_previews(self, node_id: str, st: NodeState) -> None:
        keys = set()
        asset = st.preview()
        if asset is not None:
            keys.add(thumb_key(asset))
            keys.add(text_key(asset))
        for item in st.items or ():
            item_asset = item.preview()
            if item_asset is not None:
                keys.add(thumb_key(item_asset))
        old = self._shown.get(node_id, set())
        for key in old - keys:
            watchers = self._watch.get(key)
            if watchers is not None:
                watchers.discard(node_id)
        for key in keys - old:
            self._watch.setdefault(key, set()).add(node_id)
        self._shown[node_id] = keys

    def _on_preview_ready(self, key: str) -> None:
        for node_id in list(self._watch.get(key, ())):
            card = self.card(node_id)
            if card is not None:
                card.body.update()

    def _tooltip(self, node_id: str, st: NodeState) -> str:
        assert self.graph is not None
        node = self.graph.nodes.get(node_id)
        if node is None:
            return ""
        node_type = self.graph.registry[node.type]
        lines = [
            f"<b>{_esc(self.graph.display_name(node_id))}</b> — {node_type.title}",
            f"State: {theme.STATE_LABELS.get(st.state, st.state)}",
        ]
        if st.message:
            colour = "#ff8a80" if st.state == DisplayState.FAILED else "#c8ccd4"
            lines.append(f"<span style='color:{colour}'>{_esc(st.message)}</span>")
        for problem in st.problems:
            lines.append(f"<span style='color:#ffb74d'>⚠ {_esc(problem)}</span>")
        if st.resumable:
            lines.append("A provider job from an earlier session can be resumed (no new cost).")
        if st.simulated:
            lines.append(
                f"<span style='color:{theme.SIMULATED}'>Simulated: the provider simulator "
                "made this, not the real model; nothing was charged.</span>"
            )
        cost = st.cost_text()
        if cost:
            lines.append(f"Cost: {_esc(cost)}")
        if st.note:
            lines.append(_esc(st.note))
        lines.append("<span style='color:#8a90a0'>Double-click to open the result</span>")
        return "<br>".join(lines)

    # -- graph signals -> canvas ------------------------------------------------------------
    def _on_node_added(self, node: Node) -> None:
        self._draw_node(node)
        self._update_hint()

    def _on_node_removed(self, node: Node, _edges: list[Edge]) -> None:
        canvas_node = self._nodes.pop(node.id, None)
        if canvas_node is None:
            return
        self._core.pop(canvas_node.id, None)
        for key in self._shown.pop(node.id, set()):
            self._watch.get(key, set()).discard(node.id)
        for port in (*canvas_node.input_ports(), *canvas_node.output_ports()):
            for pipe in list(port.view.connected_pipes):
                pipe.delete()
        NodesRemovedCmd(self.canvas, [canvas_node], emit_signal=False).redo()
        self.states.forget(node.id)
        self._update_hint()
        self.selection_changed.emit()

    def _on_edge_added(self, edge: Edge) -> None:
        self._draw_edge(edge)
        self._update_subtitle(edge.dst_node)

    def _on_edge_removed(self, edge: Edge) -> None:
        self._erase_edge(edge)
        self._update_subtitle(edge.dst_node)

    def _on_param_changed(self, node_id: str, name: str, _value: Any) -> None:
        if name == "model":
            self._update_subtitle(node_id)
        card = self.card(node_id)
        if card is not None:
            card.body.update()

    def _on_node_moved(self, node_id: str, position: tuple[float, float]) -> None:
        card = self.card(node_id)
        if card is not None and tuple(card.xy_pos) != tuple(position):
            card.xy_pos = [position[0], position[1]]

    def _on_title_changed(self, node_id: str, _title: str | None) -> None:
        canvas_node = self._nodes.get(node_id)
        if canvas_node is not None and self.graph is not None:
            name = self.graph.display_name(node_id)
            canvas_node.model.name = name
            canvas_node.view.name = name
            self._update_subtitle(node_id)

    def _on_node_state_changed(self, node_id: str) -> None:
        if self.graph is None or node_id not in self.graph.nodes:
            return
        st = self.states.get(node_id)
        st.pinned = bool(self.graph.nodes[node_id].pins)
        self.refresh([node_id])

    # -- gestures -> commands ---------------------------------------------------------------
    def _edge_of(self, port_a: PortItem, port_b: PortItem) -> Edge | None:
        out_port, in_port = (port_b, port_a) if is_input(port_a) else (port_a, port_b)
        if not is_input(in_port) or is_input(out_port):
            return None
        src = self._core.get(out_port.node.id)
        dst = self._core.get(in_port.node.id)
        if src is None or dst is None:
            return None
        return Edge(src, out_port.name, dst, in_port.name)

    def _drag_refusal(self, from_port: PortItem, to_port: PortItem) -> str | None:
        """Why a connection being dragged cannot be made (an occupied single input is fine:
        the new connection replaces the old one)."""
        graph = self.graph
        edge = self._edge_of(from_port, to_port)
        if graph is None or edge is None:
            return None
        if edge.src_node == edge.dst_node:
            return "a node cannot feed itself"
        out_port = graph.node_type(edge.src_node).output(edge.src_port)
        in_port = graph.node_type(edge.dst_node).input(edge.dst_port)
        if out_port is None or in_port is None:
            return "unknown port"
        refusal = connection_refusal(out_port.type, in_port.type)
        if refusal:
            return refusal
        if edge.src_node in graph.descendants([edge.dst_node]):
            return "this connection would make a loop"
        return None

    def _on_connection_changed(
        self, disconnected: Sequence[Sequence[PortItem]], connected: Sequence[Sequence[PortItem]]
    ) -> None:
        graph = self.graph
        if graph is None or not (disconnected or connected):
            return
        removed = [
            e
            for e in (self._edge_of(a, b) for a, b in disconnected)
            if e is not None and e in graph.edges
        ]
        added = [e for e in (self._edge_of(a, b) for a, b in connected) if e is not None]
        touched = {n for e in (*removed, *added) for n in (e.src_node, e.dst_node)}
        parent = commands.CompoundCommand()
        for edge in removed:
            parent.add(commands.DisconnectCommand(graph, edge))
        for edge in added:
            if edge not in graph.edges:
                parent.add(commands.ConnectCommand(graph, edge))
        if not parent.children:
            self._resync(touched)
            return
        parent.setText(parent.children[-1].text())
        self.push(parent, touched)

    def _on_connection_sliced(self, ports: Sequence[Sequence[PortItem]]) -> None:
        graph = self.graph
        if graph is None:
            return
        edges = [
            e for e in (self._edge_of(a, b) for a, b in ports) if e is not None and e in graph.edges
        ]
        if not edges:
            return
        parent = commands.CompoundCommand(
            f"cut {len(edges)} connection{'s' if len(edges) != 1 else ''}",
            [commands.DisconnectCommand(graph, edge) for edge in edges],
        )
        self.push(parent, {n for e in edges for n in (e.src_node, e.dst_node)})

    def _on_nodes_moved(self, moved: dict[Any, Any]) -> None:
        graph = self.graph
        if graph is None:
            return
        moves = {}
        for view, _previous in moved.items():
            node_id = self._core.get(view.id)
            if node_id is None or node_id not in graph.nodes:
                continue
            new = (float(view.xy_pos[0]), float(view.xy_pos[1]))
            old = graph.nodes[node_id].position
            if old != new:
                moves[node_id] = (old, new)
        parts: list[commands.Command] = self.backdrops.moves(moved)
        if moves:
            parts.append(commands.MoveNodesCommand(graph, moves))
        if len(parts) == 1:
            self.push(parts[0])
        elif parts:  # a backdrop dragged with the nodes on it: one undo step
            self.push(commands.CompoundCommand(parts[0].text(), parts))

    def _on_data_dropped(self, mime: QtCore.QMimeData, pos: QtCore.QPoint) -> None:
        if self.graph is None:
            return
        if mime.hasFormat(NODE_TYPE_MIME):
            type_id = bytes(mime.data(NODE_TYPE_MIME).data()).decode()
            self.add_node(type_id, (float(pos.x()), float(pos.y())))
            return
        paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        images = [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
        if images:
            self.add_image_nodes(images, (float(pos.x()), float(pos.y())))
        others = [str(p) for p in paths if p not in images]
        if others:
            self.files_dropped.emit(others)

    def _on_double_clicked(self, canvas_node: Any) -> None:
        node_id = self._core.get(canvas_node.id) if canvas_node is not None else None
        if node_id is not None:
            self.node_activated.emit(node_id)

    def _on_context_menu(self, scene_pos: QtCore.QPointF, view_id: str) -> None:
        if view_id in self.backdrops.items:
            self.backdrops.select(view_id)
            self.backdrop_menu_requested.emit(scene_pos, view_id)
            return
        node_id = self._core.get(view_id, "") if view_id else ""
        if node_id and node_id not in self.selected_ids():
            self.select([node_id])
        self.context_menu_requested.emit(scene_pos, node_id)

    # -- edits the window asks for ----------------------------------------------------------
    def push(self, command: commands.Command, touched: Iterable[str] = ()) -> bool:
        """Do a command and put it on the undo stack; if the graph refuses it, put the
        canvas back and say why."""
        try:
            commands.push(self.stack, command)
        except GraphError as exc:
            log.info("edit refused: %s", exc)
            self._resync(set(touched))
            self.connection_refused.emit(str(exc).removeprefix("cannot connect: "))
            return False
        return True

    def add_node(
        self,
        type_id: str,
        position: tuple[float, float] | None = None,
        params: dict[str, Any] | None = None,
    ) -> str | None:
        graph = self.graph
        if graph is None or type_id not in graph.registry:
            return None
        if position is None:
            x, y = self.view_center()
            position = (x - 118.0, y - 100.0)
        node_type = graph.registry[type_id]
        node = Node(
            id=new_node_id(),
            type=type_id,
            params=node_type.new_params(graph.registry.catalog, params),
            position=(float(position[0]), float(position[1])),
        )
        if self.push(commands.AddNodeCommand(graph, node)):
            self.select([node.id])
            return node.id
        return None

    def add_image_nodes(self, paths: Sequence[Path], position: tuple[float, float]) -> list[str]:
        graph = self.graph
        if graph is None:
            return []
        nodes = []
        for index, path in enumerate(paths):
            value = str(path)
            if self.graph_dir is not None:
                try:
                    value = str(path.resolve().relative_to(self.graph_dir.resolve()))
                except ValueError:
                    value = str(path.resolve())
            nodes.append(
                Node(
                    id=new_node_id(),
                    type="load_image",
                    params={"path": value},
                    position=(position[0] + 30.0 * index, position[1] + 30.0 * index),
                    title=path.stem[:60] or None,
                )
            )
        text = f"add image {paths[0].name}" if len(paths) == 1 else f"add {len(paths)} images"
        if self.push(commands.add_nodes_command(graph, nodes, [], text)):
            self.select([n.id for n in nodes])
            return [n.id for n in nodes]
        return []

    def delete_selection(self) -> bool:
        graph = self.graph
        if graph is None:
            return False
        node_ids = self.selected_ids()
        edges = self.selected_edges()
        backdrops = self.backdrops.selected_ids()
        if not node_ids and not edges and not backdrops:
            return False
        touched = set(node_ids) | {n for e in edges for n in (e.src_node, e.dst_node)}
        return self.push(commands.delete_nodes_command(graph, node_ids, edges, backdrops), touched)

    def _resync(self, node_ids: Iterable[str]) -> None:
        """Make the pipes of these nodes match the graph again (after a refused gesture)."""
        graph = self.graph
        if graph is None:
            return
        wanted = set(node_ids)
        for node_id in wanted:
            canvas_node = self._nodes.get(node_id)
            if canvas_node is None:
                continue
            for port in canvas_node.input_ports():
                for other in list(port.view.connected_ports):
                    edge = self._edge_of(port.view, other)
                    if edge is None or edge not in graph.edges:
                        for pipe in list(port.view.connected_pipes):
                            if pipe.output_port is other:
                                pipe.delete()
        for edge in graph.edges:
            if edge.src_node in wanted or edge.dst_node in wanted:
                ports = self._ports(edge)
                if ports is not None and ports[0].view not in ports[1].view.connected_ports:
                    self._draw_edge(edge)
        self.viewer.scene().update()


def _united(rects: Iterable[QtCore.QRectF]) -> QtCore.QRectF:
    total = QtCore.QRectF()
    for rect in rects:
        total = rect if total.isNull() else total.united(rect)
    return total


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
