"""Painting a mask for Inpaint: brush and eraser over the image, shown as a translucent
overlay, with undo/redo, invert, clear, zoom (wheel) and pan (right / middle drag, or Space
and drag).

Keys: B brush, E eraser, [ and ] brush size, I invert, Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y
redo, F fit, Delete clear, Enter done, Esc cancel.

``mask_png()`` gives the mask as a grayscale PNG, white = fill, always exactly the image's
pixel size (whatever the zoom, and whatever size a mask it started from had). The editor
stores it with ``nodes.painted_mask.store_mask`` and wires it with ``attach_mask``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.ui import theme
from canvastoon_desktop.ui.undo_actions import undo_redo_actions

MIN_BRUSH = 1
MAX_BRUSH = 500
OVERLAY = theme.ACCENT


class _MaskEdit(QtGui.QUndoCommand):
    """One stroke (or invert / clear): the region before and after."""

    def __init__(
        self,
        painter: MaskCanvas,
        rect: QtCore.QRect,
        before: QtGui.QImage,
        after: QtGui.QImage,
        text: str,
    ) -> None:
        super().__init__(text)
        self.canvas = painter
        self.rect = rect
        self.before = before
        self.after = after
        self._done = True  # the edit is already on the mask when pushed

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.canvas.put_region(self.rect, self.after)

    def undo(self) -> None:
        self.canvas.put_region(self.rect, self.before)


class MaskCanvas(QtWidgets.QWidget):
    """The image with the mask over it; paints in image pixels whatever the zoom."""

    changed = QtCore.Signal()
    brushChanged = QtCore.Signal(int)

    def __init__(
        self,
        image: QtGui.QImage,
        mask: QtGui.QImage,
        undo: QtGui.QUndoStack,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.image = image
        self.mask = mask
        self.undo_stack = undo
        self.brush = max(MIN_BRUSH, min(MAX_BRUSH, round(max(image.width(), image.height()) / 25)))
        self.erasing = False
        self.scale = 1.0
        self.offset = QtCore.QPointF(0, 0)
        self._fitted = False
        self._overlay: QtGui.QImage | None = None
        self._stroke: tuple[QtGui.QImage, QtCore.QRect] | None = None
        self._last: QtCore.QPointF | None = None
        self._pan_from: QtCore.QPointF | None = None
        self._space = False
        self._cursor_pos: QtCore.QPointF | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 320)
        self.setCursor(QtCore.Qt.CursorShape.BlankCursor)

    # -- coordinates --------------------------------------------------------------------------
    def fit(self) -> None:
        if self.image.isNull() or self.width() <= 0:
            return
        margin = 16
        self.scale = min(
            (self.width() - margin) / self.image.width(),
            (self.height() - margin) / self.image.height(),
        )
        self.offset = QtCore.QPointF(
            (self.width() - self.image.width() * self.scale) / 2,
            (self.height() - self.image.height() * self.scale) / 2,
        )
        self.update()

    def to_image(self, point: QtCore.QPointF) -> QtCore.QPointF:
        return (point - self.offset) / self.scale

    def to_widget(self, point: QtCore.QPointF) -> QtCore.QPointF:
        return point * self.scale + self.offset

    def zoom_at(self, factor: float, anchor: QtCore.QPointF) -> None:
        before = self.to_image(anchor)
        self.scale = max(0.02, min(40.0, self.scale * factor))
        self.offset = anchor - before * self.scale
        self.update()

    # -- mask edits ---------------------------------------------------------------------------
    def set_brush(self, size: int) -> None:
        size = max(MIN_BRUSH, min(MAX_BRUSH, int(size)))
        if size != self.brush:
            self.brush = size
            self.brushChanged.emit(size)
            self.update()

    def put_region(self, rect: QtCore.QRect, region: QtGui.QImage) -> None:
        painter = QtGui.QPainter(self.mask)
        painter.setCompositionMode(QtGui.QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(rect.topLeft(), region)
        painter.end()
        self._mask_changed()

    def _mask_changed(self) -> None:
        self._overlay = None
        self.update()
        self.changed.emit()

    def _whole(self, paint: QtGui.QColor | None, text: str) -> None:
        before = self.mask.copy()
        if paint is None:
            self.mask.invertPixels()
        else:
            self.mask.fill(paint)
        rect = self.mask.rect()
        self.undo_stack.push(_MaskEdit(self, rect, before, self.mask.copy(), text))
        self._mask_changed()

    def invert(self) -> None:
        self._whole(None, "invert")

    def clear(self) -> None:
        self._whole(QtGui.QColor(0, 0, 0), "clear")

    def _begin_stroke(self, pos: QtCore.QPointF) -> None:
        self._stroke = (self.mask.copy(), QtCore.QRect())
        self._last = self.to_image(pos)
        self._paint_to(self._last)

    def _paint_to(self, point: QtCore.QPointF) -> None:
        if self._stroke is None or self._last is None:
            return
        colour = QtGui.QColor(0, 0, 0) if self.erasing else QtGui.QColor(255, 255, 255)
        painter = QtGui.QPainter(self.mask)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        pen = QtGui.QPen(
            colour,
            self.brush,
            QtCore.Qt.PenStyle.SolidLine,
            QtCore.Qt.PenCapStyle.RoundCap,
            QtCore.Qt.PenJoinStyle.RoundJoin,
        )
        painter.setPen(pen)
        if point == self._last:
            painter.setBrush(colour)
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.drawEllipse(point, self.brush / 2, self.brush / 2)
        else:
            painter.drawLine(self._last, point)
        painter.end()
        half = self.brush / 2 + 2
        touched = QtCore.QRectF(self._last, point).normalized().adjusted(-half, -half, half, half)
        before, rect = self._stroke
        self._stroke = (before, rect.united(touched.toAlignedRect()))
        self._last = point
        self._mask_changed()

    def _end_stroke(self) -> None:
        if self._stroke is None:
            return
        before, rect = self._stroke
        self._stroke = None
        self._last = None
        rect = rect.intersected(self.mask.rect())
        if rect.isEmpty():
            return
        text = "erase" if self.erasing else "paint"
        self.undo_stack.push(_MaskEdit(self, rect, before.copy(rect), self.mask.copy(rect), text))

    # -- drawing --------------------------------------------------------------------------------
    def _overlay_image(self) -> QtGui.QImage:
        if self._overlay is None:
            overlay = QtGui.QImage(self.mask.size(), QtGui.QImage.Format.Format_ARGB32)
            overlay.fill(theme.qcolor(OVERLAY))
            alpha = self.mask.copy()
            overlay.setAlphaChannel(alpha)
            self._overlay = overlay
        return self._overlay

    def paintEvent(self, _event: QtGui.QPaintEvent) -> None:
        if not self._fitted:
            self._fitted = True
            self.fit()
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), theme.qcolor(theme.BASE))
        target = QtCore.QRectF(
            self.offset,
            QtCore.QSizeF(self.image.width() * self.scale, self.image.height() * self.scale),
        )
        smooth = self.scale < 1.0
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, smooth)
        painter.drawImage(target, self.image)
        painter.setOpacity(0.55)
        painter.drawImage(target, self._overlay_image())
        painter.setOpacity(1.0)
        painter.setPen(QtGui.QPen(theme.qcolor(theme.BORDER), 1))
        painter.drawRect(target.adjusted(-1, -1, 1, 1))
        if self._cursor_pos is not None and self._pan_from is None and not self._space:
            radius = self.brush * self.scale / 2
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.setPen(QtGui.QPen(QtGui.QColor(0, 0, 0, 180), 3))
            painter.drawEllipse(self._cursor_pos, radius, radius)
            painter.setPen(
                QtGui.QPen(QtGui.QColor("#ffffff" if not self.erasing else "#7fd4ff"), 1.5)
            )
            painter.drawEllipse(self._cursor_pos, radius, radius)
        painter.end()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    # -- input ------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position()
        if event.button() in (
            QtCore.Qt.MouseButton.RightButton,
            QtCore.Qt.MouseButton.MiddleButton,
        ) or (self._space and event.button() == QtCore.Qt.MouseButton.LeftButton):
            self._pan_from = pos
            self.setCursor(QtCore.Qt.CursorShape.ClosedHandCursor)
        elif event.button() == QtCore.Qt.MouseButton.LeftButton:
            self._begin_stroke(pos)

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position()
        self._cursor_pos = pos
        if self._pan_from is not None:
            self.offset += pos - self._pan_from
            self._pan_from = pos
            self.update()
        elif self._stroke is not None:
            self._paint_to(self.to_image(pos))
        else:
            self.update()

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.setCursor(
                QtCore.Qt.CursorShape.BlankCursor
                if not self._space
                else QtCore.Qt.CursorShape.OpenHandCursor
            )
        elif event.button() == QtCore.Qt.MouseButton.LeftButton:
            self._end_stroke()

    def leaveEvent(self, event: QtCore.QEvent) -> None:
        self._cursor_pos = None
        self.update()
        super().leaveEvent(event)

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_at(1.2**steps, event.position())
        event.accept()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setCursor(QtCore.Qt.CursorShape.OpenHandCursor)
            self.update()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setCursor(QtCore.Qt.CursorShape.BlankCursor)
            self.update()
            return
        super().keyReleaseEvent(event)


class MaskPainterDialog(QtWidgets.QDialog):
    """Paint a mask over ``image_path`` (starting from ``initial_mask_path`` if given)."""

    def __init__(
        self,
        image_path: str | os.PathLike[str],
        initial_mask_path: str | os.PathLike[str] | None = None,
        parent: QtWidgets.QWidget | None = None,
        *,
        name: str | None = None,
    ) -> None:
        """``name`` says whose mask it is in the title (library files are named by hash)."""
        super().__init__(parent)
        name = name or Path(image_path).name
        self.setWindowTitle(f"Paint mask — {name}")
        self.resize(900, 900)
        reader = QtGui.QImageReader(str(image_path))
        reader.setAutoTransform(True)
        image = reader.read()
        if image.isNull():
            raise ValueError(f"the image of {name} cannot be opened ({reader.errorString()})")
        self.image = image.convertToFormat(QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        self.undo_stack = QtGui.QUndoStack(self)
        self.undo_stack.setUndoLimit(60)
        self.canvas = MaskCanvas(
            self.image, self._initial_mask(initial_mask_path), self.undo_stack, self
        )
        self._build()

    def _initial_mask(self, path: str | os.PathLike[str] | None) -> QtGui.QImage:
        size = self.image.size()
        if path:
            loaded = QtGui.QImage(str(path))
            if not loaded.isNull():
                if loaded.hasAlphaChannel():  # transparent counts as black, as Inpaint reads it
                    flat = QtGui.QImage(loaded.size(), QtGui.QImage.Format.Format_RGB32)
                    flat.fill(QtGui.QColor(0, 0, 0))
                    painter = QtGui.QPainter(flat)
                    painter.drawImage(0, 0, loaded)
                    painter.end()
                    loaded = flat
                grey = loaded.convertToFormat(QtGui.QImage.Format.Format_Grayscale8)
                if grey.size() != size:
                    grey = grey.scaled(
                        size,
                        QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                        QtCore.Qt.TransformationMode.FastTransformation,
                    )
                return grey
        mask = QtGui.QImage(size, QtGui.QImage.Format.Format_Grayscale8)
        mask.fill(QtGui.QColor(0, 0, 0))
        return mask

    def _build(self) -> None:
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        bar = QtWidgets.QHBoxLayout()
        self.brush_button = QtWidgets.QToolButton(self)
        self.brush_button.setText("Brush (B)")
        self.eraser_button = QtWidgets.QToolButton(self)
        self.eraser_button.setText("Eraser (E)")
        group = QtWidgets.QButtonGroup(self)
        for button in (self.brush_button, self.eraser_button):
            button.setCheckable(True)
            group.addButton(button)
            bar.addWidget(button)
        self.brush_button.setChecked(True)
        self.brush_button.toggled.connect(lambda on: self.set_erasing(not on))
        bar.addSpacing(10)
        size_label = QtWidgets.QLabel("Size")
        size_label.setProperty("muted", True)
        bar.addWidget(size_label)
        self.size_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, self)
        self.size_slider.setRange(MIN_BRUSH, MAX_BRUSH)
        self.size_slider.setValue(self.canvas.brush)
        self.size_slider.setFixedWidth(160)
        self.size_slider.setToolTip("Brush size ([ and ])")
        self.size_value = QtWidgets.QLabel(f"{self.canvas.brush} px")
        self.size_slider.valueChanged.connect(self.canvas.set_brush)
        self.canvas.brushChanged.connect(self._brush_changed)
        bar.addWidget(self.size_slider)
        bar.addWidget(self.size_value)
        bar.addSpacing(10)
        for text, tip, slot in (
            ("Invert", "Invert the mask (I)", self.canvas.invert),
            ("Clear", "Clear the mask (Delete)", self.canvas.clear),
            ("Fit", "Fit the image (F)", self.canvas.fit),
        ):
            button = QtWidgets.QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
        undo, redo = undo_redo_actions(  # their buttons keep one width
            self.undo_stack,
            self,
            [QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Undo)],
            [
                QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Redo),
                QtGui.QKeySequence("Ctrl+Y"),
            ],
        )
        for action in (undo, redo):
            self.addAction(action)
            button = QtWidgets.QToolButton(self)
            button.setDefaultAction(action)
            bar.addWidget(button)
        bar.addStretch(1)
        self.coverage = QtWidgets.QLabel("")
        self.coverage.setProperty("muted", True)
        bar.addWidget(self.coverage)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        hint = QtWidgets.QLabel(
            "Paint the area to fill (white). Wheel: zoom · right-drag or "
            "Space+drag: pan · [ ]: brush size · I: invert · Ctrl+Z: undo"
        )
        hint.setProperty("muted", True)
        layout.addWidget(hint)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Use this mask")
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setObjectName("primary")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._coverage_timer = QtCore.QTimer(self)
        self._coverage_timer.setSingleShot(True)
        self._coverage_timer.setInterval(120)
        self._coverage_timer.timeout.connect(self._update_coverage)
        self.canvas.changed.connect(self._coverage_timer.start)
        self._update_coverage()
        self.canvas.setFocus()

    def _brush_changed(self, size: int) -> None:
        self.size_slider.blockSignals(True)
        self.size_slider.setValue(size)
        self.size_slider.blockSignals(False)
        self.size_value.setText(f"{size} px")

    def _update_coverage(self) -> None:
        self.coverage.setText(f"{self.coverage_fraction() * 100:.1f} % masked")

    def coverage_fraction(self) -> float:
        """The share of the image that the mask fills (white ≥ 50 %)."""
        mask = self.canvas.mask
        grey = np.frombuffer(mask.constBits(), np.uint8, mask.bytesPerLine() * mask.height())
        grey = grey.reshape(mask.height(), mask.bytesPerLine())[:, : mask.width()]
        return float((grey >= 128).mean()) if grey.size else 0.0

    def set_erasing(self, erasing: bool) -> None:
        self.canvas.erasing = erasing
        (self.eraser_button if erasing else self.brush_button).setChecked(True)
        self.canvas.update()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        key = event.key()
        Key = QtCore.Qt.Key
        step = max(1, round(self.canvas.brush * 0.15))
        if event.matches(QtGui.QKeySequence.StandardKey.Undo):  # when no shortcut caught it
            self.undo_stack.undo()
        elif event.matches(QtGui.QKeySequence.StandardKey.Redo) or (
            key == Key.Key_Y and event.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier
        ):
            self.undo_stack.redo()
        elif key == Key.Key_BracketLeft:
            self.canvas.set_brush(self.canvas.brush - step)
        elif key == Key.Key_BracketRight:
            self.canvas.set_brush(self.canvas.brush + step)
        elif key == Key.Key_B:
            self.set_erasing(False)
        elif key == Key.Key_E:
            self.set_erasing(True)
        elif key == Key.Key_I:
            self.canvas.invert()
        elif key in (Key.Key_Delete, Key.Key_Backspace):
            self.canvas.clear()
        elif key == Key.Key_F:
            self.canvas.fit()
        else:
            super().keyPressEvent(event)

    def mask_image(self) -> QtGui.QImage:
        """The mask at the image's pixel size (8-bit grey, white = fill)."""
        mask = self.canvas.mask
        if mask.size() != self.image.size():  # never expected; the contract is absolute
            mask = mask.scaled(
                self.image.size(),
                QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                QtCore.Qt.TransformationMode.FastTransformation,
            )
        return mask.convertToFormat(QtGui.QImage.Format.Format_Grayscale8)

    def mask_png(self) -> bytes:
        """The mask as a grayscale PNG, white = fill, exactly the image's size."""
        buffer = QtCore.QBuffer()
        buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        if not self.mask_image().save(buffer, "PNG"):
            raise ValueError("the mask could not be encoded")
        return bytes(buffer.data().data())
