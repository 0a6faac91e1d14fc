"""Backdrops on the canvas: labelled, coloured frames behind parts of a graph.

A backdrop is grabbed by its title band: dragging it moves the nodes lying inside with it
(NodeGraphQt's backdrop behaviour, which selects them as the drag starts), the corner handle
resizes it (double-click the handle to fit it around the nodes it touches), a double-click
on the title renames it. Its body lets clicks through, so a rubber band can start inside
it. The title grows as the view zooms out, so the labels read when the cards no longer do.

``BackdropLayer`` keeps one ``BackdropItem`` per backdrop of the core graph, follows the
graph's backdrop signals, and turns the gestures into undo commands through the bridge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from NodeGraphQt.qgraphics.node_backdrop import BackdropNodeItem
from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.backdrops import (
    DEFAULT_COLOR,
    MIN_SIZE,
    Backdrop,
    new_backdrop_id,
)
from canvastoon_desktop.core.graph import Graph

from . import commands, theme

if TYPE_CHECKING:
    from .canvas_bridge import CanvasBridge

TITLE_PT = 11.0
TITLE_MIN_PX = 13.0  # the title stays at least this tall on screen, however far out
PADDING = 36.0  # room around the nodes a new backdrop frames
TITLE_ROOM = 44.0  # and above them, for the title


def _rgb(color: str) -> tuple[int, int, int, int]:
    return theme.rgb(color, 255)


class BackdropItem(BackdropNodeItem):
    """One backdrop: a tinted frame with a title band (the handle) and a resize corner."""

    def __init__(self, backdrop: Backdrop, layer: BackdropLayer) -> None:
        super().__init__(backdrop.title or "")
        self.layer = layer
        self.backdrop_id = backdrop.id
        self.id = backdrop.id
        self.minimum_size = (MIN_SIZE, MIN_SIZE)
        self.title = ""
        self.hex_color = DEFAULT_COLOR
        self.apply(backdrop)

    def apply(self, backdrop: Backdrop) -> None:
        x, y, width, height = backdrop.rect
        self.prepareGeometryChange()
        self.setPos(x, y)
        self.width, self.height = width, height
        # behind the wires (-1) and cards; a smaller backdrop in front of a bigger one, so
        # a frame inside a frame keeps its title visible
        self.setZValue(-3.0 + 1.0 / (1.0 + width * height / 1e6))
        self.title = backdrop.title
        self._properties["name"] = backdrop.title
        self.hex_color = backdrop.color
        self.color = _rgb(backdrop.color)
        self.setToolTip(
            f"<b>{_esc(backdrop.title or 'Backdrop')}</b><br>Drag the title to move it with "
            "the nodes on it · drag the corner to resize · double-click the title to rename"
        )
        self.update()

    def current_rect(self) -> tuple[float, float, float, float]:
        pos = self.pos()
        return (pos.x(), pos.y(), float(self.width), float(self.height))

    # -- what it looks like -----------------------------------------------------------------
    def _title_px(self, zoom: float) -> float:
        base = TITLE_PT * 96.0 / 72.0
        return max(base, TITLE_MIN_PX / max(zoom, 1e-3))

    def _band(self, zoom: float) -> QtCore.QRectF:
        height = min(self._title_px(zoom) * 1.7, max(28.0, self.height * 0.5))
        return QtCore.QRectF(0.0, 0.0, self.width, height)

    def _zoom(self) -> float:
        viewer = self.viewer()
        return viewer.transform().m11() if viewer is not None else 1.0

    def shape(self) -> QtGui.QPainterPath:
        """Only the title band takes clicks; the body lets them through to the canvas."""
        path = QtGui.QPainterPath()
        path.addRect(self._band(self._zoom()))
        return path

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        zoom = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        rect = QtCore.QRectF(0.5, 0.5, self.width - 1.0, self.height - 1.0)
        color = theme.qcolor(self.hex_color)
        fill = QtGui.QColor(color)
        fill.setAlpha(34)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 8.0, 8.0)
        band = self._band(zoom).intersected(rect)
        head = QtGui.QColor(color)
        head.setAlpha(200)
        path = QtGui.QPainterPath()
        path.addRoundedRect(band, 8.0, 8.0)
        path.addRect(band.adjusted(0, band.height() / 2, 0, 0))
        painter.setBrush(head)
        painter.drawPath(path.simplified())
        title = QtGui.QFont(QtWidgets.QApplication.font())
        title.setBold(True)
        title.setPixelSize(max(1, round(self._title_px(zoom))))
        painter.setFont(title)
        painter.setPen(QtGui.QColor("#ffffff"))
        text_rect = band.adjusted(12.0, 0.0, -12.0, 0.0)
        text = QtGui.QFontMetricsF(title).elidedText(
            self.title or "Backdrop", QtCore.Qt.TextElideMode.ElideRight, text_rect.width()
        )
        painter.drawText(
            text_rect,
            int(QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft),
            text,
        )
        selected = self.isSelected()
        border = theme.qcolor(theme.ACCENT) if selected else QtGui.QColor(color)
        if not selected:
            border.setAlpha(150)
        painter.setPen(QtGui.QPen(border, (2.0 if selected else 1.2) / max(zoom, 0.25)))
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, 8.0, 8.0)
        painter.restore()

    def mouseDoubleClickEvent(self, event: QtWidgets.QGraphicsSceneMouseEvent) -> None:
        if event.button() == QtCore.Qt.MouseButton.LeftButton:
            self.layer.rename_requested.emit(self.backdrop_id)
        event.accept()


class BackdropLayer(QtCore.QObject):
    """The backdrops of the bridge's graph, drawn and edited."""

    #: the user asked to rename a backdrop: (backdrop id)
    rename_requested = QtCore.Signal(str)

    def __init__(self, bridge: CanvasBridge) -> None:
        super().__init__(bridge)
        self.bridge = bridge
        self.viewer = bridge.viewer
        self.graph: Graph | None = None
        self.items: dict[str, BackdropItem] = {}
        self._subscriptions: list[tuple[Any, Any]] = []
        self.viewer.node_backdrop_updated.connect(self._on_resized)

    # -- binding ----------------------------------------------------------------------------
    def set_graph(self, graph: Graph | None) -> None:
        for signal, handler in self._subscriptions:
            signal.disconnect(handler)
        self._subscriptions.clear()
        scene = self.viewer.scene()
        for item in self.items.values():
            scene.removeItem(item)
        self.items.clear()
        self.graph = graph
        if graph is None:
            return
        for backdrop in graph.backdrops.values():
            self._draw(backdrop)
        for signal, handler in (
            (graph.backdrop_added, self._draw),
            (graph.backdrop_removed, self._erase),
            (graph.backdrop_changed, self._redraw),
        ):
            signal.connect(handler)
            self._subscriptions.append((signal, handler))

    def _draw(self, backdrop: Backdrop) -> None:
        item = BackdropItem(backdrop, self)
        self.viewer.scene().addItem(item)
        self.items[backdrop.id] = item

    def _erase(self, backdrop: Backdrop) -> None:
        item = self.items.pop(backdrop.id, None)
        if item is not None:
            self.viewer.scene().removeItem(item)

    def _redraw(self, backdrop: Backdrop) -> None:
        item = self.items.get(backdrop.id)
        if item is not None:
            item.apply(backdrop)

    # -- lookups ----------------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        return [b for b, item in self.items.items() if item.isSelected()]

    def select(self, backdrop_id: str) -> None:
        item = self.items.get(backdrop_id)
        if item is not None:
            for other in self.viewer.scene().selectedItems():
                other.setSelected(False)
            item.setSelected(True)

    def nodes_on(self, backdrop_id: str) -> list[str]:
        """The nodes lying wholly inside a backdrop (they move with it)."""
        item = self.items.get(backdrop_id)
        if item is None:
            return []
        found = (self.bridge.core_id(getattr(n, "id", "")) for n in item.get_nodes(False))
        return [n for n in found if n is not None]

    def overview(self) -> list[tuple[QtCore.QRectF, str]]:
        """Scene rectangle and colour of every backdrop (the minimap draws them)."""
        return [(item.sceneBoundingRect(), item.hex_color) for item in self.items.values()]

    # -- gestures -> commands ---------------------------------------------------------------
    def moves(self, moved: Mapping[Any, Any]) -> list[commands.Command]:
        """Commands for the backdrops among the items of one drag."""
        graph = self.graph
        if graph is None:
            return []
        found: list[commands.Command] = []
        for view in moved:
            backdrop_id = getattr(view, "backdrop_id", None)
            backdrop = graph.backdrops.get(backdrop_id or "")
            if backdrop is not None and backdrop.rect != view.current_rect():
                found.append(
                    commands.SetBackdropCommand(
                        graph,
                        backdrop.changed(rect=view.current_rect()),
                        f"move backdrop {backdrop.title}".rstrip(),
                    )
                )
        return found

    def _on_resized(self, backdrop_id: str, kind: str, size: dict[str, Any]) -> None:
        graph = self.graph
        item = self.items.get(backdrop_id)
        if graph is None or item is None or backdrop_id not in graph.backdrops:
            return
        x, y = size["pos"]
        width = max(MIN_SIZE, float(size["width"]))
        height = max(MIN_SIZE, float(size["height"]))
        backdrop = graph.backdrops[backdrop_id]
        if kind == "sizer_double_clicked":  # fit around the nodes it touches, title room too
            nodes = [n for n in item.get_nodes(True) if not isinstance(n, BackdropItem)]
            if not nodes:
                return
            self.fit(backdrop_id, [n.sceneBoundingRect() for n in nodes])
            return
        rect = (float(x), float(y), width, height)
        if rect != backdrop.rect:
            self.bridge.push(
                commands.SetBackdropCommand(
                    graph, backdrop.changed(rect=rect), f"resize backdrop {backdrop.title}".rstrip()
                )
            )
        else:
            item.apply(backdrop)

    # -- edits the window asks for ----------------------------------------------------------
    def add_around(
        self, rects: Iterable[QtCore.QRectF], title: str = "", at: QtCore.QPointF | None = None
    ) -> str | None:
        """A new backdrop around these scene rectangles (or a default-sized one at ``at``)."""
        graph = self.graph
        if graph is None:
            return None
        frame = framing(rects)
        if frame is None:
            center = at or QtCore.QPointF(*self.bridge.view_center())
            frame = QtCore.QRectF(center.x() - 240.0, center.y() - 160.0, 480.0, 320.0)
        backdrop = Backdrop(
            new_backdrop_id(),
            (frame.x(), frame.y(), frame.width(), frame.height()),
            title,
            DEFAULT_COLOR,
        )
        if self.bridge.push(commands.AddBackdropCommand(graph, backdrop)):
            return backdrop.id
        return None

    def fit(self, backdrop_id: str, rects: Iterable[QtCore.QRectF]) -> None:
        graph = self.graph
        frame = framing(rects)
        if graph is None or frame is None or backdrop_id not in graph.backdrops:
            return
        backdrop = graph.backdrops[backdrop_id]
        rect = (frame.x(), frame.y(), frame.width(), frame.height())
        if rect != backdrop.rect:
            self.bridge.push(
                commands.SetBackdropCommand(
                    graph, backdrop.changed(rect=rect), f"fit backdrop {backdrop.title}".rstrip()
                )
            )

    def change(self, backdrop_id: str, **changes: Any) -> bool:
        graph = self.graph
        if graph is None or backdrop_id not in graph.backdrops:
            return False
        backdrop = graph.backdrops[backdrop_id]
        new = backdrop.changed(**changes)
        if new == backdrop:
            return False
        verb = "rename" if "title" in changes else "recolour" if "color" in changes else "change"
        return self.bridge.push(
            commands.SetBackdropCommand(graph, new, f"{verb} backdrop {backdrop.title}".rstrip())
        )


def framing(rects: Iterable[QtCore.QRectF]) -> QtCore.QRectF | None:
    """The rectangle a backdrop around these needs: padding, and room for its title."""
    total: QtCore.QRectF | None = None
    for rect in rects:
        total = QtCore.QRectF(rect) if total is None else total.united(rect)
    if total is None:
        return None
    return total.adjusted(-PADDING, -PADDING - TITLE_ROOM, PADDING, PADDING)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
