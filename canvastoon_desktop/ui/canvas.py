"""The NodeGraphQt canvas, tamed: it displays, the bridge decides.

``CanvasGraph`` is a ``NodeGraph`` whose own editing handlers (connections, moves, drops,
renames, its undo stack and shortcuts) are switched off: ``canvas_bridge.CanvasBridge``
receives those gestures instead and turns them into undo commands on the core graph.
``CanvasViewer`` adds what NodeGraphQt lacks: typed-port checks while a connection is
dragged (with the reason shown beside the cursor), drops of node types and image files,
and a context-menu signal.
"""

from __future__ import annotations

from collections.abc import Callable

from NodeGraphQt import NodeGraph
from NodeGraphQt.constants import PortTypeEnum
from NodeGraphQt.qgraphics.pipe import PipeItem
from NodeGraphQt.qgraphics.port import PortItem
from NodeGraphQt.widgets.viewer import NodeViewer
from PySide6 import QtCore, QtGui, QtWidgets

from . import theme
from .node_item import CanvasNode

NODE_TYPE_MIME = "application/x-canvastoon-node-type"

#: the smallest zoom a fit goes down to: below it card text gets too small to read (the
#: rest of a big graph is a pan away, and the minimap shows where)
READABLE_ZOOM = 0.85
MIN_ZOOM, MAX_ZOOM = 0.05, 3.0
#: zoom per wheel notch: three notches ≈ 2×
WHEEL_STEP = 1.26
FRAME_MARGIN = 48.0

#: (from port, to port) -> why they cannot be connected, or None
ConnectionCheck = Callable[[PortItem, PortItem], "str | None"]


class HintItem(QtWidgets.QGraphicsItem):
    """A small label that follows the cursor while a refused connection is dragged."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(100)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.text = ""
        self._font = QtGui.QFont(QtWidgets.QApplication.font())
        self._font.setPointSizeF(9.0)
        self._font.setBold(True)
        self._rect = QtCore.QRectF()

    def set_text(self, text: str) -> None:
        if text == self.text:
            return
        self.prepareGeometryChange()
        self.text = text
        metrics = QtGui.QFontMetricsF(self._font)
        self._rect = QtCore.QRectF(14.0, 10.0, metrics.horizontalAdvance(text) + 20.0, 24.0)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QtGui.QPen(QtGui.QColor("#ff8a80"), 1.0))
        painter.setBrush(QtGui.QColor(40, 14, 18, 235))
        painter.drawRoundedRect(self._rect, 6.0, 6.0)
        painter.setFont(self._font)
        painter.setPen(QtGui.QColor("#ffd6d2"))
        painter.drawText(self._rect, QtCore.Qt.AlignmentFlag.AlignCenter, self.text)


class CanvasPipe(PipeItem):
    """A wire in its data type's colour, without NodeGraphQt's mid-wire arrow."""

    def _draw_direction_pointer(self) -> None:
        self._dir_pointer.setVisible(False)


class CanvasViewer(NodeViewer):
    """NodeGraphQt's viewer with typed-port validation and our drops and menus."""

    #: a dragged connection was dropped on a port that refuses it: (reason)
    connection_refused = QtCore.Signal(str)
    #: the cursor is over a port that refuses the dragged connection: (reason or "")
    connection_hint = QtCore.Signal(str)
    #: right click: (scene position, node view id or "")
    context_menu_requested = QtCore.Signal(QtCore.QPointF, str)
    #: the visible part of the scene moved or was zoomed
    view_changed = QtCore.Signal()

    def __init__(
        self, parent: QtWidgets.QWidget | None = None, undo_stack: QtGui.QUndoStack | None = None
    ) -> None:
        super().__init__(parent, undo_stack=undo_stack)
        self.connection_check: ConnectionCheck | None = None
        #: shown in the middle of an empty canvas
        self.empty_hint = ""
        self._check_cache: tuple[PortItem, PortItem, str | None] | None = None
        self._hint = HintItem()
        self._hint.setVisible(False)
        self.scene().addItem(self._hint)
        self.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)

    # -- zoom and framing -----------------------------------------------------------------
    def zoom(self) -> float:
        """Screen pixels per scene unit."""
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QtCore.QPointF | None = None) -> None:
        """Zoom by ``factor`` (clamped to MIN_ZOOM..MAX_ZOOM), keeping the scene point
        ``anchor`` where it is on screen."""
        current = self.zoom()
        if current <= 0:
            return
        target = min(MAX_ZOOM, max(MIN_ZOOM, current * factor))
        if abs(target - current) < 1e-9:
            return
        self.scale(target / current, target / current, anchor)

    def frame(self, rect: QtCore.QRectF, *, min_zoom: float = READABLE_ZOOM) -> None:
        """Show ``rect`` whole if it fits at ``min_zoom`` or more (never zooming in past
        1:1); else at ``min_zoom``, from its top-left corner, where a graph starts."""
        port = self.viewport().size()
        if rect.isNull() or port.width() <= 0 or port.height() <= 0:
            return
        area = rect.adjusted(-FRAME_MARGIN, -FRAME_MARGIN, FRAME_MARGIN, FRAME_MARGIN)
        zoom = min(port.width() / area.width(), port.height() / area.height(), 1.0)
        zoom = max(zoom, min(min_zoom, 1.0))
        width, height = port.width() / zoom, port.height() / zoom
        x = area.center().x() if area.width() <= width + 1e-6 else area.left() + width / 2
        y = area.center().y() if area.height() <= height + 1e-6 else area.top() + height / 2
        self._set_range(QtCore.QPointF(x, y), width, height)

    def center_on_rect(self, rect: QtCore.QRectF) -> None:
        """Bring ``rect`` to the middle of the view at the current zoom."""
        self._set_range(rect.center(), self._scene_range.width(), self._scene_range.height())

    def _set_range(self, center: QtCore.QPointF, width: float, height: float) -> None:
        self._scene_range = QtCore.QRectF(
            center.x() - width / 2, center.y() - height / 2, width, height
        )
        self._update_scene()

    def _update_scene(self) -> None:
        """Show the scene range exactly (NodeGraphQt's fitInView keeps a 2 px margin, so
        every refit shrank the zoom a little)."""
        area = self._scene_range
        port = self.viewport().rect()
        self.setSceneRect(area)
        if area.width() <= 0 or area.height() <= 0 or port.width() <= 0:
            return
        zoom = min(port.width() / area.width(), port.height() / area.height())
        self.setTransform(QtGui.QTransform.fromScale(zoom, zoom))
        self.centerOn(area.center())
        self.view_changed.emit()

    def visible_scene_rect(self) -> QtCore.QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        """The wheel zooms about the cursor, a notch by WHEEL_STEP (NodeGraphQt's 1.13 made
        three notches 1.4×); with Shift it scrolls sideways."""
        delta = event.angleDelta()
        if event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            step = delta.y() or delta.x()
            self._set_viewer_pan(-step / self.zoom() / 2.0, 0.0)
            event.accept()
            return
        notches = (delta.y() or delta.x()) / 120.0
        if notches:
            anchor = self.mapToScene(event.position().toPoint())
            self.zoom_by(WHEEL_STEP**notches, anchor)
        event.accept()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        """Keep the zoom when the window changes size (NodeGraphQt refits the old scene
        range, so a smaller window would shrink text below readable)."""
        zoom = self.zoom()
        QtWidgets.QGraphicsView.resizeEvent(self, event)
        self._last_size = self.size()
        if zoom > 0:
            port = self.viewport().size()
            self._set_range(self._scene_range.center(), port.width() / zoom, port.height() / zoom)

    # -- typed ports --------------------------------------------------------------------
    def refusal(self, from_port: PortItem, to_port: PortItem) -> str | None:
        if self.connection_check is None:
            return None
        cached = self._check_cache
        if cached is not None and cached[0] is from_port and cached[1] is to_port:
            return cached[2]
        reason = self.connection_check(from_port, to_port)
        self._check_cache = (from_port, to_port, reason)
        return reason

    def _validate_accept_connection(self, from_port: PortItem, to_port: PortItem) -> bool:
        if from_port.port_type == to_port.port_type:
            return True  # NodeGraphQt itself refuses in→in and out→out
        return self.refusal(from_port, to_port) is None

    def _validate_reject_connection(self, from_port: PortItem, to_port: PortItem) -> bool:
        return False

    def sceneMouseMoveEvent(self, event: QtWidgets.QGraphicsSceneMouseEvent) -> None:
        super().sceneMouseMoveEvent(event)
        if not self._LIVE_PIPE.isVisible() or self._start_port is None:
            self._show_hint("")
            return
        reason = ""
        for item in self.scene().items(event.scenePos()):
            if isinstance(item, PortItem) and item is not self._start_port:
                if item.port_type != self._start_port.port_type:
                    reason = self.refusal(self._start_port, item) or ""
                break
        self._show_hint(reason, event.scenePos())

    def _show_hint(self, reason: str, pos: QtCore.QPointF | None = None) -> None:
        if reason:
            self._hint.set_text(reason)
            if pos is not None:
                self._hint.setPos(pos)
            self._hint.setVisible(True)
        elif self._hint.isVisible():
            self._hint.setVisible(False)
        self.connection_hint.emit(reason)

    def apply_live_connection(self, event: QtWidgets.QGraphicsSceneMouseEvent) -> None:
        if self._LIVE_PIPE.isVisible() and self._start_port is not None:
            for item in self.scene().items(event.scenePos()):
                if isinstance(item, PortItem):
                    if (
                        item is not self._start_port
                        and item.port_type != self._start_port.port_type
                    ):
                        reason = self.refusal(self._start_port, item)
                        if reason:
                            self.connection_refused.emit(reason)
                    break
        self._show_hint("")
        self._check_cache = None
        super().apply_live_connection(event)

    def establish_connection(self, start_port: PortItem, end_port: PortItem) -> None:
        pipe = CanvasPipe()
        self.scene().addItem(pipe)
        pipe.set_connections(start_port, end_port)
        out_port = pipe.output_port
        spec = getattr(out_port, "port_spec", None)
        if spec is not None:
            pipe.color = theme.rgb(theme.port_color(spec.type), 190)
            pipe.reset()
        pipe.draw_path(pipe.input_port, pipe.output_port)
        if start_port.node.selected or end_port.node.selected:
            pipe.highlight()

    def drawForeground(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        super().drawForeground(painter, rect)
        if not self.empty_hint:
            return
        painter.save()
        painter.resetTransform()
        area = QtCore.QRectF(self.viewport().rect())
        font = QtGui.QFont(QtWidgets.QApplication.font())
        font.setPointSizeF(11.0)
        painter.setFont(font)
        painter.setPen(theme.qcolor(theme.FAINT))
        painter.drawText(area, QtCore.Qt.AlignmentFlag.AlignCenter, self.empty_hint)
        painter.restore()

    # -- drops and menus --------------------------------------------------------------------
    def _acceptable(self, mime: QtCore.QMimeData) -> bool:
        return mime.hasFormat(NODE_TYPE_MIME) or mime.hasUrls()

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if self._acceptable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QtGui.QDragMoveEvent) -> None:
        if self._acceptable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        super().keyPressEvent(event)
        # NodeGraphQt labels the cursor on every Ctrl / Shift press ("CTRL: Deselect
        # Nodes" at each Ctrl+Z): the shortcuts are in Help, not in the artist's way
        self._cursor_text.setVisible(False)

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        pos = self.mapToScene(event.position().toPoint())
        event.setDropAction(QtCore.Qt.DropAction.CopyAction)
        event.accept()
        self.data_dropped.emit(event.mimeData(), QtCore.QPoint(int(pos.x()), int(pos.y())))

    def contextMenuEvent(self, event: QtGui.QContextMenuEvent) -> None:
        self.RMB_state = False
        scene_pos = self.mapToScene(event.pos())
        node_id = ""
        for item in self.scene().items(scene_pos):
            owner = item
            while owner is not None and not (
                hasattr(owner, "card_layout") or hasattr(owner, "backdrop_id")
            ):
                owner = owner.parentItem()
            if owner is not None:
                node_id = owner.id  # a card's view id, or a backdrop's id
                break
        self.context_menu_requested.emit(scene_pos, node_id)
        event.accept()


class CanvasGraph(NodeGraph):
    """A NodeGraph that only displays: editing goes through the bridge."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        self._private_stack = QtGui.QUndoStack()
        viewer = CanvasViewer(undo_stack=self._private_stack)
        super().__init__(parent, viewer=viewer, undo_stack=self._private_stack)
        self.register_node(CanvasNode)
        # NodeGraphQt's own edit handlers would write its model and undo stack: off
        for signal, slot in (
            (viewer.connection_changed, self._on_connection_changed),
            (viewer.connection_sliced, self._on_connection_sliced),
            (viewer.moved_nodes, self._on_nodes_moved),
            (viewer.data_dropped, self._on_node_data_dropped),
            (viewer.node_name_changed, self._on_node_name_changed),
            (viewer.insert_node, self._on_insert_node),
            (viewer.search_triggered, self._on_search_triggered),
        ):
            signal.disconnect(slot)
        for action in (viewer.qaction_for_undo(), viewer.qaction_for_redo()):
            if action is not None:
                action.setShortcuts([])
                action.setEnabled(False)
        self.set_acyclic(False)  # loops are refused by our own check, with a reason
        self.set_pipe_collision(False)
        self.set_background_color(*theme.CANVAS_BACKGROUND)
        self.set_grid_color(*theme.CANVAS_GRID)

    @property
    def canvas_viewer(self) -> CanvasViewer:
        return self._viewer  # type: ignore[return-value]

    def get_unique_name(self, name: str) -> str:
        return name  # titles may repeat; our ids are the identity (and this was O(n))


def is_input(port: PortItem) -> bool:
    return port.port_type == PortTypeEnum.IN.value
