"""How a node looks on the canvas: a card with a category-coloured header, typed ports, and
its state, cost and result painted inline.

Everything here is plain ``QGraphicsItem`` painting — no embedded proxy widgets, which would
dominate the cost of large graphs. ``CardItem`` (a NodeGraphQt ``NodeItem``) draws the frame,
title and port labels; its child ``CardBody`` draws the preview (image thumbnail, video frame
with a play badge, text excerpt), the state pill with elapsed time and ETA, the cost, the
progress bar and, for nodes running over a list, a strip of per-item cells. Parameters live in
the properties panel only.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from NodeGraphQt import BaseNode
from NodeGraphQt.constants import PortTypeEnum
from NodeGraphQt.qgraphics.node_abstract import AbstractNodeItem
from NodeGraphQt.qgraphics.node_base import NodeItem
from NodeGraphQt.qgraphics.node_overlay_disabled import XDisabledItem
from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.nodetype import NodeType
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.pricing import format_seconds
from canvastoon_desktop.core.status import ACTIVE, DisplayState

from . import theme
from .node_state import NodeState

WIDTH = 256.0
HEADER = 30.0
PORT_ROW = 23.0  # NodeGraphQt port item height (22) + spacing (1)
FOOTER = 26.0
PREVIEW_W, PREVIEW_H = 90.0, 160.0  # 9:16
COMPACT_W, COMPACT_H = 63.0, 112.0  # 9:16, for sources
TEXT_H = 66.0
NOTE_H = 40.0
STRIP_H = 30.0
MEDIA_PORTS = (PortType.IMAGE, PortType.MASK, PortType.VIDEO)
#: below this zoom a card's small text (port labels, model, cost) would be unreadably small:
#: the card shows its title large, its picture and its state colour instead
SUMMARY_LOD = 0.6
#: the on-screen height of the title in that summary
SUMMARY_TITLE_PX = 13.0

#: states whose preview is of a result that does not stand: drawn faded
_FADED = frozenset(
    {DisplayState.STALE, DisplayState.FAILED, DisplayState.CANCELLED, DisplayState.SKIPPED}
)
#: states whose pill counts the items made ("done 3/4")
_COUNTED = frozenset(
    {
        DisplayState.QUEUED,
        DisplayState.DONE,
        DisplayState.CACHED,
        DisplayState.FAILED,
        DisplayState.CANCELLED,
        DisplayState.STALE,
    }
)


def detail_level(lod: float) -> str:
    """How much a card shows at this zoom: "full" or "summary"."""
    return "full" if lod >= SUMMARY_LOD else "summary"


@dataclass(frozen=True)
class CardLayout:
    """Where things go on a card of one node type. Sources (a text, an image from disk)
    have nothing to report while a run goes: their cards are compact, without a footer."""

    kind: str  # media | text | note
    rows: int
    height: float
    footer: float = FOOTER
    preview: tuple[float, float] = (PREVIEW_W, PREVIEW_H)

    @property
    def ports_top(self) -> float:
        return HEADER + 4.0

    def body_rect(self, strip: bool = False) -> QtCore.QRectF:
        return QtCore.QRectF(0.0, HEADER, WIDTH, self.total_height(strip) - HEADER)

    def total_height(self, strip: bool = False) -> float:
        return self.height + (STRIP_H if strip else 0.0)

    def preview_rect(self) -> QtCore.QRectF:
        if self.kind == "media":
            width, height = self.preview
            return QtCore.QRectF((WIDTH - width) / 2, HEADER + 6.0, width, height)
        top = self.ports_top + self.rows * PORT_ROW + 2.0
        height = TEXT_H if self.kind == "text" else NOTE_H
        return QtCore.QRectF(10.0, top, WIDTH - 20.0, height)

    def strip_rect(self) -> QtCore.QRectF:
        return QtCore.QRectF(10.0, self.height - self.footer - 2.0, WIDTH - 20.0, STRIP_H - 4.0)

    def footer_rect(self, strip: bool = False) -> QtCore.QRectF:
        bottom = self.total_height(strip)
        return QtCore.QRectF(0.0, bottom - self.footer, WIDTH, self.footer)


def layout_for(node_type: type[NodeType]) -> CardLayout:
    rows = max(len(node_type.inputs), len(node_type.outputs))
    output_types = {p.type for p in node_type.outputs}
    compact = node_type.is_source
    footer = 0.0 if compact else FOOTER
    preview = (COMPACT_W, COMPACT_H) if compact else (PREVIEW_W, PREVIEW_H)
    if output_types & set(MEDIA_PORTS):
        kind = "media"
        body = max(preview[1] + 12.0, 4.0 + rows * PORT_ROW + 6.0)
    elif node_type.outputs:
        kind = "text"
        body = 4.0 + rows * PORT_ROW + 2.0 + TEXT_H + 6.0
    else:
        kind = "note"
        body = 4.0 + rows * PORT_ROW + 2.0 + NOTE_H + 6.0
    return CardLayout(kind, rows, HEADER + body + footer, footer, preview)


# -- ports ----------------------------------------------------------------------------------


def port_painter(port: Port) -> Callable[[QtGui.QPainter, QtCore.QRectF, dict[str, Any]], None]:
    """Typed ports: a colour per data type; a list port is a hollow double ring, an input
    that takes several connections a rounded square."""
    color = theme.qcolor(theme.port_color(port.type))
    base = theme.qcolor(theme.CARD_BODY)

    def paint(painter: QtGui.QPainter, rect: QtCore.QRectF, info: dict[str, Any]) -> None:
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        r = QtCore.QRectF(rect)
        if info.get("hovered"):
            r.adjust(-1.5, -1.5, 1.5, 1.5)
        connected = info.get("connected")
        pen = QtGui.QPen(color.lighter(125) if info.get("hovered") else color, 1.8)
        painter.setPen(pen)
        if port.is_list:
            painter.setBrush(base)
            painter.drawEllipse(r)
            inner = r.adjusted(3.2, 3.2, -3.2, -3.2)
            painter.setBrush(color if connected else base)
            painter.drawEllipse(inner)
        elif port.multiple:
            painter.setBrush(color if connected else base)
            painter.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 3.0, 3.0)
        else:
            painter.setBrush(color if connected else base)
            painter.drawEllipse(r)
        painter.restore()

    return paint


# -- fonts (made on first use: a QFont needs the application) ---------------------------------

_fonts: dict[str, QtGui.QFont] = {}


def font(name: str) -> QtGui.QFont:
    found = _fonts.get(name)
    if found is None:
        base = QtGui.QFont(QtWidgets.QApplication.font())
        sizes = {  # points at zoom 1; a fit keeps them >= 9 px on screen (READABLE_ZOOM)
            "title": (9.5, True),
            "small": (8.0, False),
            "label": (8.5, False),
            "pill": (8.0, True),
            "big": (13.0, True),
            "text": (8.5, False),
        }
        size, bold = sizes[name]
        base.setPointSizeF(size)
        base.setBold(bold)
        found = _fonts[name] = base
    return found


# -- the card ---------------------------------------------------------------------------------


class _Unshown:
    """Stands in for the text and icon items NodeGraphQt gives every node and port: we paint
    titles and labels ourselves, and each QGraphicsTextItem costs ~25 KB."""

    def __init__(self, text: str = "") -> None:
        self._text = text

    def toPlainText(self) -> str:
        return self._text

    def setPlainText(self, text: str) -> None:
        self._text = text

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF()

    def isVisible(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Callable[..., None]:
        return _ignore  # setVisible, setPos, setDefaultTextColor, setFont, ...


def _ignore(*_args: Any, **_kwargs: Any) -> None:
    return None


class CardItem(NodeItem):
    """A node's frame: header in its category colour, title, model and port labels."""

    def __init__(self, name: str = "node", parent: QtWidgets.QGraphicsItem | None = None) -> None:
        # NodeItem.__init__ minus its title text item and icon (see _Unshown)
        AbstractNodeItem.__init__(self, name, parent)
        self._properties["icon"] = None
        self._icon_item = _Unshown()
        self._text_item = _Unshown(self.name)
        self._x_item = XDisabledItem(self, "DISABLED")
        self._input_items = OrderedDict()
        self._output_items = OrderedDict()
        self._widgets = OrderedDict()
        self._proxy_mode = False
        self._proxy_mode_threshold = 70
        self.node_type: type[NodeType] | None = None
        self.card_layout = CardLayout("note", 0, 120.0)
        self.subtitle = ""
        self.header_color = theme.qcolor(theme.CATEGORY_COLORS["generate"])
        self.badges: list[tuple[str, str]] = []  # (text, colour) drawn right in the header
        self.has_strip = False
        #: what the last paint showed: "full" or "summary" (see detail_level)
        self.last_detail = "full"
        self.body = CardBody(self)

    def setup(self, node_type: type[NodeType], card_layout: CardLayout) -> None:
        self.node_type = node_type
        self.card_layout = card_layout
        self.header_color = theme.qcolor(theme.category_color(node_type.category))

    # NodeGraphQt draws its own title text item and icon: we paint ours instead.
    def _add_port(self, port: Any) -> Any:
        if port.port_type == PortTypeEnum.IN.value:
            self._input_items[port] = _Unshown(port.name)
        else:
            self._output_items[port] = _Unshown(port.name)
        return port

    def set_proxy_mode(self, mode: bool) -> None:
        self._proxy_mode = mode

    def _tooltip_disable(self, state: bool) -> None:
        return None

    def calc_size(self, add_w: float = 0.0, add_h: float = 0.0) -> tuple[float, float]:
        return WIDTH, self.card_layout.total_height(self.has_strip)

    def _set_base_size(self, add_w: float = 0.0, add_h: float = 0.0) -> None:
        self._width, self._height = self.calc_size()

    def _draw_node_horizontal(self) -> None:
        self._set_base_size()
        self._align_ports_horizontal(self.card_layout.ports_top)
        self.body.relayout()
        self.update()

    def set_strip(self, strip: bool) -> None:
        if strip != self.has_strip:
            self.prepareGeometryChange()
            self.has_strip = strip
            self._set_base_size()
            self.body.relayout()

    @NodeItem.icon.setter
    def icon(self, path: str | None = None) -> None:  # no icon: skip loading a pixmap
        self._properties["icon"] = path

    @NodeItem.name.setter
    def name(self, name: str = "") -> None:  # our title is painted, not a text item
        NodeItem.name.fset(self, name)
        self.update()

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        painter.save()
        rect = QtCore.QRectF(0.5, 0.5, self._width - 1.0, self._height - 1.0)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        radius = 7.0
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(theme.qcolor(theme.CARD_BODY))
        painter.drawRoundedRect(rect, radius, radius)
        # header band in the category colour
        header = QtCore.QRectF(rect.left(), rect.top(), rect.width(), HEADER)
        path = QtGui.QPainterPath()
        path.addRoundedRect(header, radius, radius)
        path.addRect(
            QtCore.QRectF(header.left(), header.center().y(), header.width(), header.height() / 2)
        )
        band = QtGui.QColor(self.header_color)
        band = band.darker(135)
        painter.setBrush(band)
        painter.drawPath(path.simplified())
        painter.setBrush(self.header_color)
        painter.drawRect(
            QtCore.QRectF(
                header.left() + radius / 2, header.bottom() - 2.0, header.width() - radius, 2.0
            )
        )
        self.last_detail = detail_level(lod)
        if self.last_detail == "full":
            self._paint_texts(painter, header)
        # border
        selected = self.isSelected()
        pen = QtGui.QPen(
            theme.qcolor(theme.ACCENT) if selected else theme.qcolor(theme.CARD_BORDER),
            2.2 if selected else 1.0,
        )
        painter.setPen(pen)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, radius, radius)
        painter.restore()

    def _paint_texts(self, painter: QtGui.QPainter, header: QtCore.QRectF) -> None:
        right = header.right() - 8.0
        painter.setFont(font("pill"))
        metrics = QtGui.QFontMetricsF(font("pill"))
        for text, color in reversed(self.badges):
            width = metrics.horizontalAdvance(text) + 10.0
            badge = QtCore.QRectF(right - width, header.center().y() - 8.0, width, 16.0)
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(theme.qcolor(color))
            painter.drawRoundedRect(badge, 8.0, 8.0)
            painter.setPen(QtGui.QColor("#16121a"))
            painter.drawText(badge, QtCore.Qt.AlignmentFlag.AlignCenter, text)
            right = badge.left() - 4.0
        title_font = font("title")
        painter.setFont(title_font)
        painter.setPen(QtGui.QColor("#ffffff"))
        title_rect = QtCore.QRectF(
            header.left() + 10.0, header.top(), right - header.left() - 14.0, header.height() - 1.0
        )
        title_metrics = QtGui.QFontMetricsF(title_font)
        title = title_metrics.elidedText(
            self.name, QtCore.Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(title_rect, QtCore.Qt.AlignmentFlag.AlignVCenter, title)
        used = title_metrics.horizontalAdvance(title)
        if self.subtitle and title_rect.width() - used > 40:
            painter.setFont(font("small"))
            painter.setPen(QtGui.QColor(255, 255, 255, 150))
            sub_rect = QtCore.QRectF(
                title_rect.left() + used + 8.0,
                title_rect.top(),
                title_rect.width() - used - 8.0,
                title_rect.height(),
            )
            sub = QtGui.QFontMetricsF(font("small")).elidedText(
                self.subtitle, QtCore.Qt.TextElideMode.ElideRight, sub_rect.width()
            )
            painter.drawText(sub_rect, QtCore.Qt.AlignmentFlag.AlignVCenter, sub)
        # port labels, in their type's colour, beside the preview column
        painter.setFont(font("label"))
        label_metrics = QtGui.QFontMetricsF(font("label"))
        room = (
            self.card_layout.preview_rect().left() - 15.0
            if self.card_layout.kind == "media"
            else WIDTH / 2 - 16.0
        )
        for items, left in ((self._input_items, True), (self._output_items, False)):
            for port_item in items:
                spec = getattr(port_item, "port_spec", None)
                label = label_metrics.elidedText(
                    getattr(port_item, "label", port_item.name),
                    QtCore.Qt.TextElideMode.ElideRight,
                    room,
                )
                y = port_item.y() + port_item.boundingRect().height() / 2
                color = (
                    theme.qcolor(theme.port_color(spec.type)) if spec else theme.qcolor(theme.MUTED)
                )
                painter.setPen(color.lighter(110))
                if left:
                    rect = QtCore.QRectF(12.0, y - 8.0, room, 16.0)
                    align = QtCore.Qt.AlignmentFlag.AlignVCenter
                else:
                    rect = QtCore.QRectF(WIDTH - 12.0 - room, y - 8.0, room, 16.0)
                    align = (
                        QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignRight
                    )
                painter.drawText(rect, align, label)

    def mouseDoubleClickEvent(self, event: QtWidgets.QGraphicsSceneMouseEvent) -> None:
        # no inline renaming (the title is edited in the properties panel): open the viewer
        if event.button() == QtCore.Qt.MouseButton.LeftButton:
            viewer = self.viewer()
            if viewer is not None:
                viewer.node_double_clicked.emit(self.id)
        QtWidgets.QGraphicsItem.mouseDoubleClickEvent(self, event)


class CardBody(QtWidgets.QGraphicsItem):
    """The live part of a card: preview, state, cost, progress, per-item strip."""

    def __init__(self, card: CardItem) -> None:
        super().__init__(card)
        self.card = card
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(0.5)
        self.state = NodeState()
        self.pixmap_for: Callable[[Any], QtGui.QPixmap | None] = lambda asset: None
        self.text_for: Callable[[Any], str | None] = lambda asset: None
        self.fallback_text: Callable[[], str] = lambda: ""
        self._rect = QtCore.QRectF()

    def relayout(self) -> None:
        self.prepareGeometryChange()
        self._rect = self.card.card_layout.body_rect(self.card.has_strip)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def set_state(self, state: NodeState) -> None:
        self.state = state
        self.update()

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        layout = self.card.card_layout
        st = self.state
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        color = theme.qcolor(theme.state_color(st.state))
        painter.save()
        if detail_level(lod) == "summary":
            self._paint_summary(painter, st, lod)
            painter.restore()
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        now = time.monotonic()
        if layout.kind == "media":
            self._paint_media(painter, layout.preview_rect(), st)
        else:
            self._paint_text(painter, layout.preview_rect(), st, layout.kind)
        if self.card.has_strip and st.items:
            self._paint_strip(painter, layout.strip_rect(), st)
        if layout.footer:
            self._paint_footer(painter, layout.footer_rect(self.card.has_strip), st, color, now)
        painter.restore()

    def _paint_summary(self, painter: QtGui.QPainter, st: NodeState, lod: float) -> None:
        """Zoomed out: the title in letters big enough to read, the picture, the state's
        colour — and none of the small print."""
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        rect = self._rect
        bar = QtCore.QRectF(rect.left(), rect.bottom() - 6.0 / lod, rect.width(), 6.0 / lod)
        title, lines = _summary_title(self.card.name, rect.width() - 12.0, SUMMARY_TITLE_PX / lod)
        metrics = QtGui.QFontMetricsF(title)
        band_h = min(bar.top() - rect.top(), metrics.lineSpacing() * lines + 8.0)
        band = QtCore.QRectF(rect.left(), rect.top(), rect.width(), band_h)
        below = QtCore.QRectF(
            rect.left() + 6.0,
            band.bottom() + 4.0,
            rect.width() - 12.0,
            max(0.0, bar.top() - band.bottom() - 8.0),
        )
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        asset = st.preview()
        pix = self.pixmap_for(asset) if asset is not None else None
        if pix is not None and not pix.isNull() and below.height() > 0:
            if st.state in _FADED:
                painter.setOpacity(0.45)
            painter.drawPixmap(
                _fit(QtCore.QSizeF(pix.size()), below), pix, QtCore.QRectF(pix.rect())
            )
            painter.setOpacity(1.0)
        elif below.height() > 0:
            painter.setBrush(theme.qcolor(theme.state_color(st.state), 70))
            painter.drawRect(below)
        painter.setBrush(self.card.header_color.darker(150))
        painter.drawRect(band)
        painter.setBrush(theme.qcolor(theme.state_color(st.state)))
        painter.drawRect(bar)
        painter.setFont(title)
        painter.setPen(QtGui.QColor("#ffffff"))
        option = QtGui.QTextOption(QtCore.Qt.AlignmentFlag.AlignCenter)
        option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
        painter.save()
        painter.setClipRect(band)
        painter.drawText(band.adjusted(6.0, 4.0, -6.0, -4.0), self.card.name, option)
        painter.restore()

    # -- preview ----------------------------------------------------------------------------
    def _paint_media(self, painter: QtGui.QPainter, rect: QtCore.QRectF, st: NodeState) -> None:
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(theme.qcolor(theme.CARD_PREVIEW))
        painter.drawRoundedRect(rect, 5.0, 5.0)
        asset = st.preview()
        pix = self.pixmap_for(asset) if asset is not None else None
        if pix is not None and not pix.isNull():
            target = _fit(QtCore.QSizeF(pix.size()), rect)
            clip = QtGui.QPainterPath()
            clip.addRoundedRect(rect, 5.0, 5.0)
            painter.save()
            painter.setClipPath(clip)
            if st.state in _FADED:
                painter.setOpacity(0.45)
            painter.drawPixmap(target, pix, QtCore.QRectF(pix.rect()))
            painter.restore()
            if asset is not None and asset.kind is AssetKind.VIDEO:
                _play_badge(painter, target.center())
            count = st.preview_count()
            if count > 1:
                _corner_badge(painter, rect, f"+{count - 1}")
        else:
            _placeholder(painter, rect, self._placeholder_text(st, asset))
        if st.state == DisplayState.RUNNING:
            self._paint_running(painter, rect, st)
        elif st.state == DisplayState.FAILED and st.message:
            _message_band(painter, rect, st.message, "#ef5350")
        elif st.state == DisplayState.SKIPPED and st.message:
            _message_band(painter, rect, st.message, "#7a7f8a")

    def _placeholder_text(self, st: NodeState, asset: Any) -> str:
        if asset is not None:
            return "loading…"
        if st.state in ACTIVE:
            return ""
        kinds = {p.type for p in (self.card.node_type.outputs if self.card.node_type else ())}
        what = "video" if PortType.VIDEO in kinds else "image"
        return f"no {what} yet"

    def _paint_running(self, painter: QtGui.QPainter, rect: QtCore.QRectF, st: NodeState) -> None:
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QColor(10, 20, 35, 150))
        painter.drawRoundedRect(rect, 5.0, 5.0)
        elapsed = st.elapsed()
        painter.setPen(QtGui.QColor("#cfe6ff"))
        painter.setFont(font("big"))
        if elapsed is not None:
            painter.drawText(
                rect.adjusted(0, -14, 0, -14),
                QtCore.Qt.AlignmentFlag.AlignCenter,
                format_seconds(elapsed),
            )
        painter.setFont(font("small"))
        painter.drawText(
            rect.adjusted(4, 14, -4, 14),
            QtCore.Qt.AlignmentFlag.AlignCenter,
            st.status_text or "running",
        )

    def _paint_text(
        self, painter: QtGui.QPainter, rect: QtCore.QRectF, st: NodeState, kind: str
    ) -> None:
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(theme.qcolor(theme.CARD_PREVIEW))
        painter.drawRoundedRect(rect, 5.0, 5.0)
        inner = rect.adjusted(7.0, 5.0, -7.0, -5.0)
        text = ""
        muted = False
        if kind == "note":
            text = st.note or self.fallback_text()
            muted = not st.note
        else:
            asset = st.preview()
            if asset is not None:
                text = self.text_for(asset) or ""
            if not text:
                text = self.fallback_text()
                muted = asset is None and not text
                if not text:
                    text = "no text yet" if st.state not in ACTIVE else ""
                    muted = True
        if st.state == DisplayState.RUNNING:
            text = f"{st.status_text or 'running'}…"
            muted = True
        painter.setFont(font("text"))
        opacity = 0.5 if st.state == DisplayState.STALE else 1.0
        painter.setOpacity(opacity)
        painter.setPen(theme.qcolor(theme.FAINT if muted else theme.CARD_TEXT))
        option = QtGui.QTextOption()
        option.setWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        line = QtGui.QFontMetricsF(font("text")).lineSpacing()
        whole = QtCore.QRectF(
            inner.left(), inner.top(), inner.width(), max(line, line * int(inner.height() // line))
        )
        painter.save()
        painter.setClipRect(whole)  # whole lines only
        painter.drawText(whole, _excerpt(text, 420), option)
        painter.restore()
        painter.setOpacity(1.0)
        if st.state == DisplayState.FAILED and st.message:
            _message_band(painter, rect, st.message, "#ef5350")

    def _paint_strip(self, painter: QtGui.QPainter, rect: QtCore.QRectF, st: NodeState) -> None:
        items = st.items or []
        cell_h = rect.height() - 2.0
        cell_w = cell_h * 9.0 / 16.0
        gap = 3.0
        fits = max(1, int((rect.width() + gap) // (cell_w + gap)))
        shown = items[:fits]
        x = rect.left()
        for item in shown:
            cell = QtCore.QRectF(x, rect.top() + 1.0, cell_w, cell_h)
            asset = item.preview()
            pix = self.pixmap_for(asset) if asset is not None else None
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(theme.qcolor(theme.CARD_PREVIEW))
            painter.drawRect(cell)
            if pix is not None and not pix.isNull():
                painter.drawPixmap(
                    _fit(QtCore.QSizeF(pix.size()), cell), pix, QtCore.QRectF(pix.rect())
                )
            painter.setPen(QtGui.QPen(theme.qcolor(theme.state_color(item.state)), 1.6))
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.drawRect(cell)
            x += cell_w + gap
        if len(items) > fits:
            painter.setPen(theme.qcolor(theme.MUTED))
            painter.setFont(font("small"))
            painter.drawText(
                QtCore.QRectF(x, rect.top(), rect.right() - x, rect.height()),
                QtCore.Qt.AlignmentFlag.AlignVCenter,
                f"+{len(items) - fits}",
            )

    # -- footer -----------------------------------------------------------------------------
    def _paint_footer(
        self,
        painter: QtGui.QPainter,
        rect: QtCore.QRectF,
        st: NodeState,
        color: QtGui.QColor,
        now: float,
    ) -> None:
        label = state_text(st, now)
        painter.setFont(font("pill"))
        metrics = QtGui.QFontMetricsF(font("pill"))
        cost = st.cost_text()
        cost_w = QtGui.QFontMetricsF(font("small")).horizontalAdvance(cost) + 4.0 if cost else 0
        max_pill = rect.width() - 20.0 - cost_w - 8.0
        label = metrics.elidedText(label, QtCore.Qt.TextElideMode.ElideRight, max_pill - 22.0)
        pill_w = min(max_pill, metrics.horizontalAdvance(label) + 22.0)
        pill = QtCore.QRectF(rect.left() + 8.0, rect.center().y() - 9.0, pill_w, 18.0)
        fill = QtGui.QColor(color)
        fill.setAlpha(48)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, 9.0, 9.0)
        painter.setBrush(color)
        painter.drawEllipse(QtCore.QPointF(pill.left() + 9.0, pill.center().y()), 3.5, 3.5)
        painter.setPen(color.lighter(130))
        painter.drawText(
            pill.adjusted(16.0, 0, -4.0, 0), QtCore.Qt.AlignmentFlag.AlignVCenter, label
        )
        if cost:
            painter.setFont(font("small"))
            painter.setPen(theme.qcolor(theme.MUTED))
            painter.drawText(
                rect.adjusted(0, 0, -10.0, 0),
                QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignRight,
                cost,
            )
        progress = st.progress(now)
        if progress is not None:
            bar = QtCore.QRectF(rect.left() + 8.0, rect.bottom() - 4.0, rect.width() - 16.0, 2.5)
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(QtGui.QColor(255, 255, 255, 25))
            painter.drawRoundedRect(bar, 1.2, 1.2)
            painter.setBrush(color)
            painter.drawRoundedRect(
                QtCore.QRectF(bar.left(), bar.top(), bar.width() * progress, bar.height()), 1.2, 1.2
            )


def state_text(st: NodeState, now: float | None = None) -> str:
    """The state pill's words: "running 12 s · ~40 s left", "done", "failed", ..."""
    label = theme.STATE_LABELS.get(st.state, st.state)
    counts = st.items_done()
    if st.state == DisplayState.RUNNING:
        parts = [label]
        if counts:
            parts[0] = f"{label} {counts[0]}/{counts[1]}"
        elapsed = st.elapsed(now)
        if elapsed is not None:
            parts[0] += f" {format_seconds(elapsed)}"
        eta = st.eta(now)
        if eta is not None and eta >= 1:
            parts.append(f"~{format_seconds(eta)} left")
        return " · ".join(parts)
    if counts and st.state in _COUNTED:
        return f"{label} {counts[0]}/{counts[1]}"
    return label


def _summary_title(name: str, width: float, pixels: float) -> tuple[QtGui.QFont, int]:
    """The title font of a zoomed-out card, ``pixels`` tall unless its longest word would
    not fit ``width``, and how many lines (at most 3) the title wraps to."""
    title = QtGui.QFont(font("title"))
    title.setPixelSize(max(1, round(pixels)))
    metrics = QtGui.QFontMetricsF(title)
    widest = max((metrics.horizontalAdvance(w) for w in name.split()), default=1.0)
    if widest > width > 0:
        title.setPixelSize(max(1, int(pixels * width / widest)))
        metrics = QtGui.QFontMetricsF(title)
    flags = int(QtCore.Qt.TextFlag.TextWordWrap)
    height = metrics.boundingRect(QtCore.QRectF(0, 0, width, 1e6), flags, name).height()
    return title, max(1, min(3, round(height / metrics.lineSpacing())))


def _fit(size: QtCore.QSizeF, rect: QtCore.QRectF) -> QtCore.QRectF:
    if size.width() <= 0 or size.height() <= 0:
        return QtCore.QRectF(rect)
    scale = min(rect.width() / size.width(), rect.height() / size.height())
    w, h = size.width() * scale, size.height() * scale
    return QtCore.QRectF(rect.center().x() - w / 2, rect.center().y() - h / 2, w, h)


def _placeholder(painter: QtGui.QPainter, rect: QtCore.QRectF, text: str) -> None:
    pen = QtGui.QPen(theme.qcolor(theme.BORDER), 1.0, QtCore.Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect.adjusted(4, 4, -4, -4), 4.0, 4.0)
    if text:
        painter.setPen(theme.qcolor(theme.FAINT))
        painter.setFont(font("small"))
        painter.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter, text)


def _play_badge(painter: QtGui.QPainter, center: QtCore.QPointF) -> None:
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(QtGui.QColor(0, 0, 0, 150))
    painter.drawEllipse(center, 15.0, 15.0)
    painter.setBrush(QtGui.QColor("#ffffff"))
    triangle = QtGui.QPolygonF(
        [
            QtCore.QPointF(center.x() - 5.0, center.y() - 7.5),
            QtCore.QPointF(center.x() - 5.0, center.y() + 7.5),
            QtCore.QPointF(center.x() + 8.0, center.y()),
        ]
    )
    painter.drawPolygon(triangle)


def _corner_badge(painter: QtGui.QPainter, rect: QtCore.QRectF, text: str) -> None:
    painter.setFont(font("pill"))
    width = QtGui.QFontMetricsF(font("pill")).horizontalAdvance(text) + 10.0
    badge = QtCore.QRectF(rect.right() - width - 4.0, rect.top() + 4.0, width, 15.0)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(QtGui.QColor(0, 0, 0, 170))
    painter.drawRoundedRect(badge, 7.0, 7.0)
    painter.setPen(QtGui.QColor("#ffffff"))
    painter.drawText(badge, QtCore.Qt.AlignmentFlag.AlignCenter, text)


def _message_band(painter: QtGui.QPainter, rect: QtCore.QRectF, message: str, color: str) -> None:
    band = QtCore.QRectF(rect.left(), rect.bottom() - 38.0, rect.width(), 38.0)
    fill = theme.qcolor(color)
    fill.setAlpha(215)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRoundedRect(band, 4.0, 4.0)
    painter.setPen(QtGui.QColor("#ffffff"))
    painter.setFont(font("small"))
    option = QtGui.QTextOption()
    option.setWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    painter.save()
    inner = band.adjusted(4, 2, -4, -2)
    painter.setClipRect(inner)
    painter.drawText(inner, _excerpt(message, 140), option)
    painter.restore()


def _excerpt(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- the NodeGraphQt node -----------------------------------------------------------------------


class CanvasNode(BaseNode):
    """The NodeGraphQt object for one core node: ports from the node type's declaration."""

    __identifier__ = "canvastoon"
    NODE_NAME = "Node"

    def __init__(
        self, node_type: type[NodeType] | None = None, card_layout: CardLayout | None = None
    ) -> None:
        super().__init__(qgraphics_item=CardItem)
        if node_type is None:
            return
        view: CardItem = self.view
        view.setup(node_type, card_layout or layout_for(node_type))
        for port in node_type.inputs:
            handle = self.add_input(
                port.name,
                multi_input=port.multiple,
                display_name=False,
                painter_func=port_painter(port),
            )
            _describe_port(handle.view, port)
        for port in node_type.outputs:
            handle = self.add_output(
                port.name, multi_output=True, display_name=False, painter_func=port_painter(port)
            )
            _describe_port(handle.view, port)


def _describe_port(view: Any, port: Port) -> None:
    view.label = port.display
    view.port_spec = port
    kind = port.type.label + (" list" if port.is_list else "")
    many = " · takes several" if port.multiple else ""
    optional = " · optional" if port.optional else ""
    tip = f"<b>{port.display}</b> — {kind}{many}{optional}"
    if port.help:
        tip += f"<br>{port.help}"
    view.setToolTip(tip)
