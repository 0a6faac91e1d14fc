"""How one asset is drawn in the grid: a 9:16 card with its picture (or its text), badges for
videos and texts, a "Shot 3" badge on what was made for one shot of an episode, its stars,
and a dimmed look with a red mark when it is rejected. Grouped by episode, the header rows
between the cards are drawn here too: a band across the grid for each episode (graph and
run) and a slimmer rule for each shot of it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.library.query import AssetRow, AssetSection
from canvastoon_desktop.ui import theme

from .qt_model import ROW_ROLE, SECTION_ROLE
from .qt_thumbs import GalleryThumbnails

FOOTER = 40
MARGIN = 5
STAR_ON = theme.ACCENT
STAR_OFF = "#4a4f5c"
REJECT = "#ef5350"
KIND_COLORS = {
    "image": "#39d0b2",
    "video": "#c07cff",
    "audio": "#5fd36a",
    "text": "#f2b84b",
    "json": "#7fb0ff",
}
SHOT_COLOR = "#ffd166"
#: header heights: an episode's band, a shot's rule
SECTION_HEIGHTS = {"episode": 46, "shot": 26}


def card_size(width: int) -> QtCore.QSize:
    inner = width - 2 * MARGIN
    return QtCore.QSize(width, MARGIN + round(inner * 16 / 9) + FOOTER)


def format_duration(seconds: float | None) -> str:
    if not seconds:
        return ""
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


class AssetDelegate(QtWidgets.QStyledItemDelegate):
    def __init__(self, thumbs: GalleryThumbnails, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        self.width = 168
        #: how wide a header row is (the grid's visible width); set by the grid
        self.section_width: Callable[[], int] = lambda: 4 * self.width
        self._small = QtGui.QFont()
        self._small.setPointSizeF(8.0)
        self._bold = QtGui.QFont()
        self._bold.setPointSizeF(9.0)
        self._bold.setWeight(QtGui.QFont.Weight.DemiBold)
        self._text_font = QtGui.QFont()
        self._text_font.setPointSizeF(8.5)

    def sizeHint(
        self,
        option: QtWidgets.QStyleOptionViewItem,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
    ) -> QtCore.QSize:
        section: AssetSection | None = index.data(SECTION_ROLE)
        if section is not None:
            return QtCore.QSize(
                max(self.width, self.section_width()), SECTION_HEIGHTS.get(section.level, 26)
            )
        return card_size(self.width)

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionViewItem,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
    ) -> None:
        row: AssetRow | None = index.data(ROW_ROLE)
        if row is None:
            section: AssetSection | None = index.data(SECTION_ROLE)
            if section is not None:
                painter.save()
                self._paint_section(painter, QtCore.QRect(option.rect), section)
                painter.restore()
            return
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
        rect = QtCore.QRect(option.rect).adjusted(3, 3, -3, -3)
        selected = bool(option.state & QtWidgets.QStyle.StateFlag.State_Selected)
        current = bool(option.state & QtWidgets.QStyle.StateFlag.State_HasFocus)
        hover = bool(option.state & QtWidgets.QStyle.StateFlag.State_MouseOver)
        card = theme.qcolor(theme.ALT_BASE if (selected or hover) else theme.CARD_BODY)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(card)
        painter.drawRoundedRect(rect, 6, 6)

        area = QtCore.QRect(
            rect.left() + 3, rect.top() + 3, rect.width() - 6, rect.height() - FOOTER - 3
        )
        painter.setBrush(theme.qcolor(theme.CARD_PREVIEW))
        painter.drawRoundedRect(area, 4, 4)
        if row.kind in ("image", "video", "audio"):  # a sound shows its waveform
            self._paint_picture(painter, area, row)
        else:
            self._paint_text(painter, area, row)
        self._paint_badges(painter, area, row)
        if row.rejected:
            painter.setBrush(QtGui.QColor(10, 10, 14, 150))
            painter.drawRoundedRect(area, 4, 4)
            self._pill(
                painter,
                QtCore.QPoint(area.left() + 6, area.top() + 6),
                "✕ REJECTED",
                QtGui.QColor(REJECT),
                QtGui.QColor("white"),
            )
        self._paint_footer(painter, rect, row)
        if selected or current:
            pen = QtGui.QPen(
                theme.qcolor(theme.ACCENT if selected else theme.MUTED), 2.0 if selected else 1.0
            )
            painter.setPen(pen)
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QtCore.QRectF(rect).adjusted(1, 1, -1, -1), 6, 6)
        painter.restore()

    def _paint_picture(self, painter: QtGui.QPainter, area: QtCore.QRect, row: AssetRow) -> None:
        pix = self.thumbs.pixmap(row.sha256)
        if pix is None or pix.isNull():
            painter.setPen(theme.qcolor(theme.FAINT))
            painter.setFont(self._small)
            label = "no preview" if self.thumbs.failed(row.sha256) else "…"
            painter.drawText(area, QtCore.Qt.AlignmentFlag.AlignCenter, label)
            return
        size = pix.size().scaled(area.size(), QtCore.Qt.AspectRatioMode.KeepAspectRatio)
        target = QtCore.QRect(QtCore.QPoint(0, 0), size)
        target.moveCenter(area.center())
        path = QtGui.QPainterPath()
        path.addRoundedRect(QtCore.QRectF(area), 4, 4)
        painter.setClipPath(path)
        painter.drawPixmap(target, pix)
        painter.setClipping(False)

    def _paint_text(self, painter: QtGui.QPainter, area: QtCore.QRect, row: AssetRow) -> None:
        painter.setPen(theme.qcolor(theme.CARD_TEXT))
        painter.setFont(self._text_font)
        text = " ".join((row.excerpt or "").split()) if row.kind == "json" else (row.excerpt or "")
        inner = area.adjusted(10, 30, -10, -10)
        painter.drawText(
            inner,
            int(
                QtCore.Qt.AlignmentFlag.AlignLeft
                | QtCore.Qt.AlignmentFlag.AlignTop
                | QtCore.Qt.TextFlag.TextWordWrap
            ),
            text[:600],
        )
        fade = QtGui.QLinearGradient(0, inner.bottom() - 30, 0, inner.bottom() + 2)
        fade.setColorAt(0, QtGui.QColor(0, 0, 0, 0))
        fade.setColorAt(1, theme.qcolor(theme.CARD_PREVIEW))
        painter.fillRect(QtCore.QRect(area.left(), inner.bottom() - 30, area.width(), 40), fade)

    def _paint_section(
        self, painter: QtGui.QPainter, rect: QtCore.QRect, section: AssetSection
    ) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        if section.level == "episode":
            band = rect.adjusted(3, 8, -3, -3)
            painter.setBrush(theme.qcolor(theme.PANEL))
            painter.drawRoundedRect(band, 5, 5)
            painter.setBrush(theme.qcolor(theme.ACCENT))
            painter.drawRoundedRect(QtCore.QRect(band.left(), band.top(), 4, band.height()), 2, 2)
            painter.setFont(self._bold)
            painter.setPen(theme.qcolor(theme.TEXT))
            metrics = painter.fontMetrics()
            text_rect = band.adjusted(14, 0, -10, 0)
            title = metrics.elidedText(
                section.title, QtCore.Qt.TextElideMode.ElideRight, text_rect.width() // 2
            )
            painter.drawText(
                text_rect,
                int(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter),
                title,
            )
            detail_rect = text_rect.adjusted(metrics.horizontalAdvance(title) + 12, 0, 0, 0)
            painter.setFont(self._small)
            painter.setPen(theme.qcolor(theme.MUTED))
            detail = painter.fontMetrics().elidedText(
                section.detail, QtCore.Qt.TextElideMode.ElideMiddle, detail_rect.width()
            )
            painter.drawText(
                detail_rect,
                int(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter),
                detail,
            )
            return
        line_y = rect.center().y() + 1
        painter.setPen(QtGui.QPen(theme.qcolor(theme.BORDER), 1.0))
        painter.drawLine(rect.left() + 8, line_y, rect.right() - 8, line_y)
        painter.setFont(self._small)
        metrics = painter.fontMetrics()
        pill = f"{section.title}  ·  {section.detail}"
        box = QtCore.QRect(
            rect.left() + 8,
            rect.center().y() - metrics.height() // 2 - 1,
            metrics.horizontalAdvance(pill) + 14,
            metrics.height() + 4,
        )
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(theme.qcolor(theme.BASE))
        painter.drawRect(box.adjusted(-4, 0, 4, 0))  # a gap in the rule
        self._pill(
            painter, box.topLeft(), pill, QtGui.QColor(12, 13, 17, 220), QtGui.QColor(SHOT_COLOR)
        )

    def _paint_badges(self, painter: QtGui.QPainter, area: QtCore.QRect, row: AssetRow) -> None:
        if row.shot is not None:
            self._paint_shot_badge(painter, area, row.shot)
        painter.setFont(self._small)
        kind = row.kind.upper()
        if row.kind == "video":
            kind = f"▶ {format_duration(row.duration_s)}".strip()
        elif row.kind == "audio":
            kind = f"♪ {format_duration(row.duration_s)}".strip()
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(kind) + 12
        pos = QtCore.QPoint(area.right() - width - 5, area.bottom() - metrics.height() - 9)
        if row.kind in ("text", "json"):
            pos = QtCore.QPoint(area.left() + 8, area.top() + 8)
        colour = QtGui.QColor(KIND_COLORS.get(row.kind, theme.MUTED))
        self._pill(painter, pos, kind, QtGui.QColor(12, 13, 17, 200), colour)

    def _paint_shot_badge(self, painter: QtGui.QPainter, area: QtCore.QRect, shot: int) -> None:
        painter.setFont(self._small)
        text = f"Shot {shot}"
        width = painter.fontMetrics().horizontalAdvance(text) + 12
        self._pill(
            painter,
            QtCore.QPoint(area.right() - width - 5, area.top() + 6),
            text,
            QtGui.QColor(SHOT_COLOR),
            QtGui.QColor(20, 20, 24),
        )

    def _pill(
        self,
        painter: QtGui.QPainter,
        pos: QtCore.QPoint,
        text: str,
        bg: QtGui.QColor,
        fg: QtGui.QColor,
    ) -> None:
        painter.setFont(self._small)
        metrics = painter.fontMetrics()
        box = QtCore.QRect(
            pos, QtCore.QSize(metrics.horizontalAdvance(text) + 12, metrics.height() + 4)
        )
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(box, box.height() / 2, box.height() / 2)
        painter.setPen(fg)
        painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, text)

    def _paint_footer(self, painter: QtGui.QPainter, rect: QtCore.QRect, row: AssetRow) -> None:
        top = rect.bottom() - FOOTER + 4
        painter.setFont(self._bold)
        painter.setPen(theme.qcolor(theme.TEXT if not row.rejected else theme.FAINT))
        title_rect = QtCore.QRect(rect.left() + 7, top, rect.width() - 14, 16)
        title = painter.fontMetrics().elidedText(
            row.title, QtCore.Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(
            title_rect,
            int(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter),
            title,
        )
        line = QtCore.QRect(rect.left() + 7, top + 17, rect.width() - 14, 15)
        painter.setFont(self._small)
        stars = row.rating or 0
        x = line.left()
        for i in range(5):
            painter.setPen(QtGui.QColor(STAR_ON if i < stars else STAR_OFF))
            painter.drawText(
                QtCore.QRect(x, line.top(), 11, line.height()),
                QtCore.Qt.AlignmentFlag.AlignCenter,
                "★",
            )
            x += 11
        info = f"${row.cost_usd:.2f}" if row.cost_usd else (row.model or "").split("/")[-1]
        painter.setPen(theme.qcolor(theme.MUTED))
        info_rect = QtCore.QRect(x + 4, line.top(), line.right() - x - 4, line.height())
        info = painter.fontMetrics().elidedText(
            info, QtCore.Qt.TextElideMode.ElideLeft, info_rect.width()
        )
        painter.drawText(
            info_rect,
            int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter),
            info,
        )
