"""The minimap: the whole graph in small in a corner of the canvas, with the part in view
outlined. Click or drag in it to move the view there.

It reads the layout (card rectangles, backdrops) from the bridge only when that changed —
nodes added, removed or moved, a graph opened — and repaints when the view moves; a run
repainting cards touches neither, so it costs nothing while the graph runs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from . import theme

#: (scene rectangle, colour) of every card, then of every backdrop
Overview = tuple[list[tuple[QtCore.QRectF, str]], list[tuple[QtCore.QRectF, str]]]

SIZE = QtCore.QSize(220, 150)
MARGIN = 12


class Minimap(QtWidgets.QWidget):
    """A child of the canvas view, kept in its bottom-right corner."""

    def __init__(self, viewer: QtWidgets.QGraphicsView, overview: Callable[[], Overview]) -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self.overview = overview
        self.setObjectName("minimap")
        self.setFixedSize(SIZE)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.setToolTip("The whole graph: click or drag to move the view")
        self.cards: list[tuple[QtCore.QRectF, str]] = []
        self.backdrops: list[tuple[QtCore.QRectF, str]] = []
        self._bounds = QtCore.QRectF()
        self._stale = True
        self._repaint = QtCore.QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(30)  # a drag or a wheel burst repaints once per frame or so
        self._repaint.timeout.connect(self._catch_up)
        #: the user wants it (View ▸ Minimap); it still hides while the canvas is empty
        self.wanted = True
        viewer.view_changed.connect(self.view_moved)  # type: ignore[attr-defined]
        viewer.installEventFilter(self)
        self._place()
        self.hide()  # until there is something to show

    # -- keeping up -------------------------------------------------------------------------
    def layout_changed(self, *_args: object) -> None:
        """Nodes or backdrops were added, removed or moved: read them again on next paint."""
        self._stale = True
        self._repaint.start()

    def view_moved(self) -> None:
        if self.isVisible():
            self._repaint.start()

    def set_wanted(self, wanted: bool) -> None:
        self.wanted = wanted
        self._catch_up()

    def _catch_up(self) -> None:
        self._refresh()
        shown = self.wanted and bool(self.cards or self.backdrops)
        if shown != self.isVisible():
            self.setVisible(shown)
        if shown:
            self._place()
            self.update()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.viewer and event.type() == QtCore.QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        area = self.viewer.rect()
        self.move(area.right() - SIZE.width() - MARGIN, area.bottom() - SIZE.height() - MARGIN)
        self.raise_()

    def _refresh(self) -> None:
        if not self._stale:
            return
        self._stale = False
        self.cards, self.backdrops = self.overview()
        bounds = QtCore.QRectF()
        for rect, _color in (*self.cards, *self.backdrops):
            bounds = QtCore.QRectF(rect) if bounds.isNull() else bounds.united(rect)
        self._bounds = bounds

    # -- mapping ----------------------------------------------------------------------------
    def _world(self) -> QtCore.QRectF:
        """What the minimap shows: the whole graph (the view's outline is clipped to it)."""
        if self._bounds.isNull():
            return self.viewer.visible_scene_rect()  # type: ignore[attr-defined]
        return self._bounds.adjusted(-60, -60, 60, 60)  # steady while the view moves

    def _transform(self) -> QtGui.QTransform:
        world = self._world()
        inner = QtCore.QRectF(self.rect()).adjusted(6, 6, -6, -6)
        if world.width() <= 0 or world.height() <= 0:
            return QtGui.QTransform()
        scale = min(inner.width() / world.width(), inner.height() / world.height())
        dx = inner.left() + (inner.width() - world.width() * scale) / 2 - world.left() * scale
        dy = inner.top() + (inner.height() - world.height() * scale) / 2 - world.top() * scale
        return QtGui.QTransform(scale, 0, 0, scale, dx, dy)

    def scene_point(self, point: QtCore.QPointF) -> QtCore.QPointF:
        """The scene point under a point of the minimap."""
        self._refresh()
        inverted, ok = self._transform().inverted()
        return inverted.map(point) if ok else QtCore.QPointF()

    def view_rect(self) -> QtCore.QRectF:
        """Where the minimap outlines the part in view (its own coordinates)."""
        self._refresh()
        view = self.viewer.visible_scene_rect()  # type: ignore[attr-defined]
        return self._transform().mapRect(view)

    # -- painting and clicks ----------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        self._refresh()
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        frame = QtCore.QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QtGui.QPen(theme.qcolor(theme.BORDER), 1.0))
        painter.setBrush(theme.qcolor(theme.BASE, 225))
        painter.drawRoundedRect(frame, 6, 6)
        transform = self._transform()
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        for rect, color in self.backdrops:
            painter.setBrush(theme.qcolor(color, 70))
            painter.drawRect(transform.mapRect(rect))
        for rect, color in self.cards:
            painter.setBrush(theme.qcolor(color, 230))
            painter.drawRect(transform.mapRect(rect))
        view = transform.mapRect(self.viewer.visible_scene_rect())  # type: ignore[attr-defined]
        painter.setClipRect(frame)
        painter.setPen(QtGui.QPen(theme.qcolor(theme.ACCENT), 1.5))
        painter.setBrush(theme.qcolor(theme.ACCENT, 28))
        painter.drawRect(view)
        painter.end()

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() == QtCore.Qt.MouseButton.LeftButton:
            self._go(event.position())
        event.accept()

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.buttons() & QtCore.Qt.MouseButton.LeftButton:
            self._go(event.position())
        event.accept()

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        event.accept()  # the canvas under it must not zoom

    def _go(self, point: QtCore.QPointF) -> None:
        target = self.scene_point(point)
        self.viewer.center_on_rect(QtCore.QRectF(target, QtCore.QSizeF(0, 0)))  # type: ignore[attr-defined]
