"""The node palette: every node type of the registry, grouped by category. Typing a search
shows a flat list ranked by how well each type matches (its title first, then its id, models,
category and description). Drag a node onto the canvas, or double-click / press Enter to add
it; the window places it (at the cursor when the search was opened from the canvas)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.nodetype import NodeRegistry, NodeType

from . import theme
from .canvas import NODE_TYPE_MIME

TYPE_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1


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


@dataclass(frozen=True)
class SearchEntry:
    """What a search looks at for one node type, strongest field first."""

    type_id: str
    title: str
    models: str  # labels and ids of the models it can use
    category: str
    description: str

    def score(self, words: list[str]) -> int:
        """How well the typed words match (0: at least one word matches nothing). A word
        that starts the title beats one inside it, which beats the id, the models, the
        category and, last, the description."""
        total = 0
        title = self.title.lower()
        title_words = title.split()
        for word in words:
            if title.startswith(word):
                best = 100
            elif any(w.startswith(word) for w in title_words):
                best = 80
            elif word in title:
                best = 60
            elif word in self.type_id.lower():
                best = 50
            elif word in self.models:
                best = 30
            elif word in self.category:
                best = 20
            elif word in self.description:
                best = 10
            else:
                return 0
            total += best
        return total


def search_entry(node_type: type[NodeType], registry: NodeRegistry) -> SearchEntry:
    catalog = registry.catalog
    models = " ".join(f"{m.label} {m.id} {m.role.value}" for m in node_type.models(catalog))
    category = f"{node_type.category} {theme.CATEGORY_LABELS.get(node_type.category, '')}"
    return SearchEntry(
        node_type.type_id,
        node_type.title,
        models.lower(),
        category.lower(),
        node_type.description.lower(),
    )


def rank(entries: list[SearchEntry], text: str) -> list[SearchEntry]:
    """The entries that match ``text``, best first (ties keep the palette's order)."""
    words = text.lower().split()
    if not words:
        return list(entries)
    scored = [(entry.score(words), index, entry) for index, entry in enumerate(entries)]
    return [entry for score, _i, entry in sorted(scored, key=lambda s: (-s[0], s[1])) if score]


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
    #: add a node of this type: (type id)
    add_requested = QtCore.Signal(str)

    def __init__(self, registry: NodeRegistry, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search nodes…  (Tab)")
        self.search.setClearButtonEnabled(True)
        self.tree = self._node_tree()
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        #: the ranked matches of a search (shown instead of the tree while one is typed)
        self.results = self._node_tree()
        self.results.setRootIsDecorated(False)
        self.results.setIndentation(0)
        self.results.hide()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.results, 1)
        layout.addWidget(theme.muted_label("Drag onto the canvas, or double-click"))
        self._types = {t.type_id: t for t in registry}
        self._entries: list[SearchEntry] = []
        self._build()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first)
        self.search.installEventFilter(self)
        # itemActivated alone: a double-click activates the item (so does Enter); listening
        # to itemDoubleClicked as well added every double-clicked node twice
        self.tree.itemActivated.connect(self._activated)
        self.results.itemActivated.connect(self._activated)

    @staticmethod
    def _node_tree() -> _NodeTree:
        tree = _NodeTree()
        tree.setHeaderHidden(True)
        tree.setDragEnabled(True)
        tree.setDragDropMode(QtWidgets.QAbstractItemView.DragDropMode.DragOnly)
        tree.setIconSize(QtCore.QSize(12, 12))
        return tree

    def _build(self) -> None:
        by_category: dict[str, list[type[NodeType]]] = {}
        for node_type in self.registry:
            by_category.setdefault(node_type.category, []).append(node_type)
        order = [c for c in theme.CATEGORY_ORDER if c in by_category] + sorted(
            c for c in by_category if c not in theme.CATEGORY_ORDER
        )
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
            for node_type in by_category[category]:
                header.addChild(self._item(node_type))
                self._entries.append(search_entry(node_type, self.registry))
        self.tree.expandAll()

    def _item(self, node_type: type[NodeType]) -> QtWidgets.QTreeWidgetItem:
        catalog = self.registry.catalog
        item = QtWidgets.QTreeWidgetItem([node_type.title])
        item.setIcon(0, swatch(theme.category_color(node_type.category)))
        item.setData(0, TYPE_ROLE, node_type.type_id)
        tip = f"<b>{node_type.title}</b><br>{node_type.description}"
        if node_type.models(catalog):
            tip += "<br><i>Models:</i> " + ", ".join(m.label for m in node_type.models(catalog))
        item.setToolTip(0, tip)
        item.setFlags(
            QtCore.Qt.ItemFlag.ItemIsEnabled
            | QtCore.Qt.ItemFlag.ItemIsSelectable
            | QtCore.Qt.ItemFlag.ItemIsDragEnabled
        )
        return item

    # -- searching -----------------------------------------------------------------------------
    def filter(self, text: str) -> None:
        """Show the types matching ``text``, best match first (the whole tree when empty)."""
        searching = bool(text.split())
        self.tree.setVisible(not searching)
        self.results.setVisible(searching)
        self.results.clear()
        if not searching:
            return
        for entry in rank(self._entries, text):
            node_type = self._types[entry.type_id]
            item = self._item(node_type)
            category = theme.CATEGORY_LABELS.get(node_type.category, node_type.category)
            item.setToolTip(0, f"{item.toolTip(0)}<br><i>{category}</i>")
            self.results.addTopLevelItem(item)
        if self.results.topLevelItemCount():
            self.results.setCurrentItem(self.results.topLevelItem(0))

    def visible_types(self) -> list[str]:
        """The type ids shown, in order: the ranked matches, or the whole tree."""
        if self.results.isVisibleTo(self):
            return [
                self.results.topLevelItem(i).data(0, TYPE_ROLE)
                for i in range(self.results.topLevelItemCount())
            ]
        return [
            self.tree.topLevelItem(i).child(j).data(0, TYPE_ROLE)
            for i in range(self.tree.topLevelItemCount())
            for j in range(self.tree.topLevelItem(i).childCount())
        ]

    def focus_search(self) -> None:
        self.search.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _add_first(self) -> None:
        view = self.results if self.results.isVisibleTo(self) else self.tree
        current = view.currentItem()
        if current is not None and current.data(0, TYPE_ROLE):
            self.add_requested.emit(current.data(0, TYPE_ROLE))
            return
        visible = self.visible_types()
        if visible and self.results.isVisibleTo(self):
            self.add_requested.emit(visible[0])

    def _activated(self, item: QtWidgets.QTreeWidgetItem, _column: int = 0) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.add_requested.emit(type_id)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.search and event.type() == QtCore.QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (QtCore.Qt.Key.Key_Down, QtCore.Qt.Key.Key_Up):
                view = self.results if self.results.isVisibleTo(self) else self.tree
                view.setFocus()
                QtCore.QCoreApplication.sendEvent(view, event)
                return True
            if key == QtCore.Qt.Key.Key_Escape:
                self.search.clear()
                return False
        return super().eventFilter(watched, event)
