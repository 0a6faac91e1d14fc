"""The node palette: every node type of the registry, grouped by category, filtered as you
type. Drag a node onto the canvas, or double-click / press Enter to add it at the centre."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.nodetype import NodeRegistry, NodeType

from . import theme
from .canvas import NODE_TYPE_MIME

TYPE_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2


def swatch(color: str, size: int = 12) -> QtGui.QIcon:
    pixmap = QtGui.QPixmap(size, size)
    pixmap.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(QtGui.QColor(color))
    painter.drawRoundedRect(QtCore.QRectF(1, 1, size - 2, size - 2), 3, 3)
    painter.end()
    return QtGui.QIcon(pixmap)


class _NodeTree(QtWidgets.QTreeWidget):
    def mimeData(self, items: list[QtWidgets.QTreeWidgetItem]) -> QtCore.QMimeData:
        mime = QtCore.QMimeData()
        for item in items:
            type_id = item.data(0, TYPE_ROLE)
            if type_id:
                mime.setData(NODE_TYPE_MIME, QtCore.QByteArray(type_id.encode()))
                mime.setText(type_id)
                break
        return mime

    def mimeTypes(self) -> list[str]:
        return [NODE_TYPE_MIME]


class NodePalette(QtWidgets.QWidget):
    #: add a node of this type at the view's centre: (type id)
    add_requested = QtCore.Signal(str)

    def __init__(self, registry: NodeRegistry, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search nodes…  (Tab)")
        self.search.setClearButtonEnabled(True)
        self.tree = _NodeTree()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QtWidgets.QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setIconSize(QtCore.QSize(12, 12))
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(theme.muted_label("Drag onto the canvas, or double-click"))
        self._build()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first)
        self.search.installEventFilter(self)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemDoubleClicked.connect(self._activated)

    def _build(self) -> None:
        groups: dict[str, QtWidgets.QTreeWidgetItem] = {}
        by_category: dict[str, list[type[NodeType]]] = {}
        for node_type in self.registry:
            by_category.setdefault(node_type.category, []).append(node_type)
        order = [c for c in theme.CATEGORY_ORDER if c in by_category] + sorted(
            c for c in by_category if c not in theme.CATEGORY_ORDER
        )
        catalog = self.registry.catalog
        for category in order:
            header = QtWidgets.QTreeWidgetItem(
                [theme.CATEGORY_LABELS.get(category, category.title())]
            )
            header.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)
            font = header.font(0)
            font.setBold(True)
            font.setPointSizeF(8.5)
            header.setFont(0, font)
            header.setForeground(0, QtGui.QColor(theme.category_color(category)))
            self.tree.addTopLevelItem(header)
            groups[category] = header
            for node_type in by_category[category]:
                item = QtWidgets.QTreeWidgetItem([node_type.title])
                item.setIcon(0, swatch(theme.category_color(category)))
                item.setData(0, TYPE_ROLE, node_type.type_id)
                models = " ".join(
                    f"{m.label} {m.id} {m.role.value}" for m in node_type.models(catalog)
                )
                item.setData(
                    0,
                    SEARCH_ROLE,
                    " ".join(
                        (
                            node_type.title,
                            node_type.type_id,
                            category,
                            node_type.description,
                            models,
                        )
                    ).lower(),
                )
                tip = f"<b>{node_type.title}</b><br>{node_type.description}"
                if node_type.models(catalog):
                    tip += "<br><i>Models:</i> " + ", ".join(
                        m.label for m in node_type.models(catalog)
                    )
                item.setToolTip(0, tip)
                item.setFlags(
                    QtCore.Qt.ItemFlag.ItemIsEnabled
                    | QtCore.Qt.ItemFlag.ItemIsSelectable
                    | QtCore.Qt.ItemFlag.ItemIsDragEnabled
                )
                header.addChild(item)
        self.tree.expandAll()

    # -- filtering -----------------------------------------------------------------------------
    def filter(self, text: str) -> None:
        words = text.lower().split()
        first: QtWidgets.QTreeWidgetItem | None = None
        for i in range(self.tree.topLevelItemCount()):
            header = self.tree.topLevelItem(i)
            any_shown = False
            for j in range(header.childCount()):
                item = header.child(j)
                haystack = item.data(0, SEARCH_ROLE) or ""
                shown = all(w in haystack for w in words)
                item.setHidden(not shown)
                any_shown |= shown
                if shown and first is None:
                    first = item
            header.setHidden(not any_shown)
        if first is not None and words:
            self.tree.setCurrentItem(first)

    def visible_types(self) -> list[str]:
        found = []
        for i in range(self.tree.topLevelItemCount()):
            header = self.tree.topLevelItem(i)
            for j in range(header.childCount()):
                item = header.child(j)
                if not item.isHidden() and not header.isHidden():
                    found.append(item.data(0, TYPE_ROLE))
        return found

    def focus_search(self) -> None:
        self.search.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _add_first(self) -> None:
        current = self.tree.currentItem()
        if current is not None and current.data(0, TYPE_ROLE) and not current.isHidden():
            self.add_requested.emit(current.data(0, TYPE_ROLE))
            return
        visible = self.visible_types()
        if visible:
            self.add_requested.emit(visible[0])

    def _activated(self, item: QtWidgets.QTreeWidgetItem, _column: int = 0) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.add_requested.emit(type_id)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.search and event.type() == QtCore.QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (QtCore.Qt.Key.Key_Down, QtCore.Qt.Key.Key_Up):
                self.tree.setFocus()
                QtCore.QCoreApplication.sendEvent(self.tree, event)
                return True
            if key == QtCore.Qt.Key.Key_Escape:
                self.search.clear()
                return False
        return super().eventFilter(watched, event)
