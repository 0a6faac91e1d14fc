"""The library window: every asset of the library in a virtualised grid, with filters, a
detail panel, keyboard-driven review, a viewer / side-by-side compare and export.

Keys in the grid: arrows move, 1–5 rate, 0 clears the rating, X toggles reject, Space or
Enter opens the viewer, C compares the 2–4 selected assets, Ctrl+E exports them, Ctrl+F
goes to the search field, F5 reloads.

"Group: Episode & shot" sorts the assets by graph, then run (newest first), then shot, with a
band across the grid for each episode and a rule for each shot of it; every asset made for
one shot of an episode wears a "Shot n" badge, grouped or not.

For the editor: ``revealRequested(graph_path, node_id)`` (open the graph, select the node)
and ``useAsInputRequested(sha256)`` (make a Load Image node of it); dragging cards out of
the grid carries ``ASSET_MIME`` (the hashes) and file URLs.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, ClassVar

from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.core.errors import CoreError
from canvastoon_desktop.core.export import Exported, export_assets
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.core.library.query import AssetQuery
from canvastoon_desktop.ui import theme
from canvastoon_desktop.ui.menus import pop_up

from .qt_delegate import AssetDelegate, card_size
from .qt_detail import DetailPanel
from .qt_filters import FilterPanel
from .qt_model import GROUPED_ORDER, SHA_ROLE, AssetListModel
from .qt_thumbs import GalleryThumbnails
from .qt_viewer import ViewerWindow

log = logging.getLogger(__name__)


class AssetGrid(QtWidgets.QListView):
    """The grid (a QListView: one delegate paints every card; no widget per asset)."""

    #: a review / viewer key pressed on the grid: (key name)
    keyAction = QtCore.Signal(str)
    #: the visible part changed (scrolled, resized, reloaded)
    viewportMoved = QtCore.Signal()

    KEYS: ClassVar[dict[QtCore.Qt.Key, str]] = {
        QtCore.Qt.Key.Key_1: "1",
        QtCore.Qt.Key.Key_2: "2",
        QtCore.Qt.Key.Key_3: "3",
        QtCore.Qt.Key.Key_4: "4",
        QtCore.Qt.Key.Key_5: "5",
        QtCore.Qt.Key.Key_0: "0",
        QtCore.Qt.Key.Key_X: "x",
        QtCore.Qt.Key.Key_Space: "view",
        QtCore.Qt.Key.Key_Return: "view",
        QtCore.Qt.Key.Key_Enter: "view",
        QtCore.Qt.Key.Key_C: "compare",
    }

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        #: header rows between the cards: items of two sizes, laid out by Qt line by line
        self.grouped = False
        self._card = QtCore.QSize(168, 340)
        self.setObjectName("assetGrid")
        self.setViewMode(QtWidgets.QListView.ViewMode.ListMode)
        self.setFlow(QtWidgets.QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.setMovement(QtWidgets.QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(0)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QtWidgets.QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(QtCore.Qt.DropAction.CopyAction)
        self.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(40)
        self.setMouseTracking(True)
        self.setStyleSheet(f"QListView#assetGrid {{ background: {theme.BASE}; border: none; }}")
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.verticalScrollBar().valueChanged.connect(self.viewportMoved)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        mods = event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier
        action = self.KEYS.get(QtCore.Qt.Key(event.key()))
        if action and mods == QtCore.Qt.KeyboardModifier.NoModifier:
            self.keyAction.emit(action)
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.viewportMoved.emit()

    def doItemsLayout(self) -> None:
        super().doItemsLayout()
        if self.grouped:  # rows have new places: what is on screen may have changed
            self.viewportMoved.emit()

    def set_card_size(self, size: QtCore.QSize) -> None:
        self._card = QtCore.QSize(size)
        if not self.grouped:
            self.setGridSize(size)
        self.doItemsLayout()

    def set_grouped(self, grouped: bool) -> None:
        """Uniform cards in a fixed grid (fast for any size of library), or cards with
        full-width header rows between the groups (each group starts a new line)."""
        if grouped == self.grouped:
            return
        self.grouped = grouped
        self.setUniformItemSizes(not grouped)
        self.setGridSize(QtCore.QSize() if grouped else self._card)
        self.setHorizontalScrollBarPolicy(
            QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            if grouped
            else QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        self.doItemsLayout()

    def section_width(self) -> int:
        """How wide a header row is: the whole line, so it stands alone on it."""
        return max(1, self.viewport().width() - 2)

    def visible_range(self) -> range:
        """The rows at least partly on screen."""
        if self.grouped:
            return self._visible_range_grouped()
        model = self.model()
        count = model.rowCount() if model is not None else 0
        size = self.gridSize() if self.gridSize().isValid() else self._card
        if not count or size.width() <= 0 or size.height() <= 0:
            return range(0)
        per_row = max(1, self.viewport().width() // size.width())
        top = self.verticalScrollBar().value()
        first_row = max(0, top // size.height())
        last_row = (top + self.viewport().height() - 1) // size.height()
        first = first_row * per_row
        return range(min(first, count), min(count, (last_row + 1) * per_row))

    def _visible_range_grouped(self) -> range:
        """Rows are laid out line by line, so their tops never decrease: two binary
        searches over their rectangles find the first and the last one on screen."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        height = self.viewport().height()

        def rect(row: int) -> QtCore.QRect:
            return self.visualRect(model.index(row, 0))

        def first_where(test: Any, low: int) -> int:
            high = count
            while low < high:
                mid = (low + high) // 2
                if test(rect(mid)):
                    high = mid
                else:
                    low = mid + 1
            return low

        if not count or not rect(count - 1).isValid():  # not laid out yet
            return range(0)
        first = first_where(lambda r: r.bottom() >= 0, 0)
        end = first_where(lambda r: r.top() >= height, first)
        return range(first, end)


class LibraryWindow(QtWidgets.QMainWindow):
    """The library (gallery) window, standalone or opened from the editor."""

    #: show this node of this graph on the canvas: (graph_path, node_id)
    revealRequested = QtCore.Signal(str, str)
    #: make a Load Image node of this asset: (sha256)
    useAsInputRequested = QtCore.Signal(str)
    #: review changed for an asset (rating / reject / note): (sha256)
    reviewChanged = QtCore.Signal(str)
    #: an export finished: (message)
    exportFinished = QtCore.Signal(str)

    def __init__(self, workspace: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.library: Library = getattr(workspace, "library", workspace)
        self.setWindowTitle(f"Library — CanvasToon · {self.library.root}")
        self.resize(1320, 860)
        self.base_query = AssetQuery()
        self.viewers: list[ViewerWindow] = []
        self._signature: tuple[int, int] | None = None

        self.thumbs = GalleryThumbnails(self.library, parent=self)
        self.model = AssetListModel(self.library, self)
        self.delegate = AssetDelegate(self.thumbs, self)
        self.grid = AssetGrid(self)
        self.grid.setModel(self.model)
        self.grid.setItemDelegate(self.delegate)
        self.delegate.section_width = self.grid.section_width
        self.filters = FilterPanel(self.library, self)
        self.detail = DetailPanel(self.library, self.thumbs, self)
        self._build_toolbar()
        self._build_layout()
        self._build_timers()
        self._connect()
        self.set_tile_width(168)
        self.filters.reload_facets()
        self.refresh()

    # -- construction ------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QtWidgets.QToolBar("Library", self)
        bar.setMovable(False)
        bar.setObjectName("libraryToolbar")
        self.addToolBar(bar)
        search = self.filters.editors["text"]
        search.setMinimumWidth(280)
        bar.addWidget(search)
        bar.addSeparator()
        sort_label = QtWidgets.QLabel(" Sort ")
        sort_label.setProperty("muted", True)
        bar.addWidget(sort_label)
        self.sort_combo = QtWidgets.QComboBox(self)
        self.sort_combo.setObjectName("sortCombo")
        for key, label in lq.SORTS.items():
            if key != GROUPED_ORDER:  # that order is the grouping's, chosen below
                self.sort_combo.addItem(f"{key.capitalize()} ({label})", key)
        bar.addWidget(self.sort_combo)
        self.reverse_button = QtWidgets.QToolButton(self)
        self.reverse_button.setText("⇅")
        self.reverse_button.setCheckable(True)
        self.reverse_button.setToolTip("Reverse the order")
        bar.addWidget(self.reverse_button)
        group_label = QtWidgets.QLabel(" Group by ")
        group_label.setProperty("muted", True)
        bar.addWidget(group_label)
        self.group_combo = QtWidgets.QComboBox(self)
        self.group_combo.setObjectName("groupCombo")
        self.group_combo.addItem("None", None)
        self.group_combo.addItem("Episode & shot", GROUPED_ORDER)
        self.group_combo.setToolTip(
            "Group by episode (the graph and run that made an asset) "
            "and shot: graph, newest run first, then shot by shot"
        )
        bar.addWidget(self.group_combo)
        bar.addSeparator()
        self.view_action = bar.addAction("View", self.open_viewer)
        self.view_action.setToolTip("Open the viewer (Space)")
        self.compare_action = bar.addAction("Compare", self.compare_selected)
        self.compare_action.setToolTip("Compare 2–4 selected assets side by side (C)")
        self.export_action = bar.addAction("Export…", self.export_selected)
        self.export_action.setShortcut(QtGui.QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("Export the selected assets with provenance (Ctrl+E)")
        self.addAction(self.export_action)
        bar.addSeparator()
        spacer = QtWidgets.QWidget(self)
        spacer.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred
        )
        bar.addWidget(spacer)
        size_label = QtWidgets.QLabel("Size ")
        size_label.setProperty("muted", True)
        bar.addWidget(size_label)
        self.size_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, self)
        self.size_slider.setRange(110, 320)
        self.size_slider.setValue(168)
        self.size_slider.setFixedWidth(120)
        self.size_slider.setToolTip("Card size (Ctrl + / Ctrl −)")
        bar.addWidget(self.size_slider)
        refresh = bar.addAction("⟳", self.reload)
        refresh.setToolTip("Reload (F5)")
        refresh.setShortcut(QtGui.QKeySequence("F5"))
        find = QtGui.QAction(self)
        find.setShortcut(QtGui.QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.filters.editors["text"].line.setFocus())
        self.addAction(find)
        for seq, step in (("Ctrl++", 24), ("Ctrl+=", 24), ("Ctrl+-", -24)):
            action = QtGui.QAction(self)
            action.setShortcut(QtGui.QKeySequence(seq))
            action.triggered.connect(
                lambda _c=False, s=step: self.size_slider.setValue(self.size_slider.value() + s)
            )
            self.addAction(action)

    def _build_layout(self) -> None:
        splitter = QtWidgets.QSplitter(self)
        splitter.setObjectName("librarySplitter")
        filters = QtWidgets.QScrollArea(self)
        filters.setWidget(self.filters)
        filters.setWidgetResizable(True)
        filters.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        filters.setMinimumWidth(220)
        filters.setMaximumWidth(340)
        middle = QtWidgets.QWidget(self)
        box = QtWidgets.QVBoxLayout(middle)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        self.chips = QtWidgets.QLabel(self)
        self.chips.setObjectName("activeFilters")
        self.chips.setStyleSheet(
            f"padding: 6px 10px; color: {theme.MUTED}; border-bottom: 1px solid {theme.BORDER};"
        )
        box.addWidget(self.chips)
        self.empty = QtWidgets.QLabel("", self)
        self.empty.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.empty.setProperty("muted", True)
        self.empty.hide()
        box.addWidget(self.empty, 1)
        box.addWidget(self.grid, 1)
        splitter.addWidget(filters)
        splitter.addWidget(middle)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 760, 330])
        self.setCentralWidget(splitter)
        self.status = QtWidgets.QLabel(self)
        self.statusBar().addWidget(self.status, 1)

    def _build_timers(self) -> None:
        self._refresh_timer = _single_shot(self, 140, self.refresh)
        self._repaint_timer = _single_shot(self, 30, self.grid.viewport().update)
        self._visible_timer = _single_shot(self, 60, self._retain_visible)
        self._poll_timer = QtCore.QTimer(self)
        self._poll_timer.setInterval(3000)
        self._poll_timer.timeout.connect(self._poll_library)
        self._poll_timer.start()

    def _connect(self) -> None:
        self.filters.queryChanged.connect(self._refresh_timer.start)
        self.sort_combo.currentIndexChanged.connect(self._refresh_timer.start)
        self.reverse_button.toggled.connect(self._refresh_timer.start)
        self.group_combo.currentIndexChanged.connect(self._grouping_changed)
        self.size_slider.valueChanged.connect(self.set_tile_width)
        self.thumbs.ready.connect(self._thumb_ready)
        self.grid.viewportMoved.connect(self._visible_timer.start)
        self.grid.keyAction.connect(self._key_action)
        self.grid.doubleClicked.connect(lambda _i: self.open_viewer())
        self.grid.customContextMenuRequested.connect(self._context_menu)
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        self.detail.assetActivated.connect(self.select)
        self.detail.revealRequested.connect(self._reveal)
        self.detail.useAsInputRequested.connect(self._use_as_input)
        self.detail.viewRequested.connect(self.open_viewer)
        self.detail.compareRequested.connect(self.compare_selected)
        self.detail.exportRequested.connect(self.export_selected)
        self.detail.reviewed.connect(self._reviewed)
        self.exportFinished.connect(self._say)

    # -- the query -------------------------------------------------------------------------------
    @property
    def grouped(self) -> bool:
        """Grouped by episode and shot."""
        return self.group_combo.currentData() == GROUPED_ORDER

    def set_grouped(self, grouped: bool) -> None:
        self.group_combo.setCurrentIndex(1 if grouped else 0)

    def _grouping_changed(self) -> None:
        self.sort_combo.setEnabled(not self.grouped)
        self.sort_combo.setToolTip("Grouped: by graph, run and shot" if self.grouped else "")
        self.refresh()

    @property
    def query(self) -> AssetQuery:
        query = self.filters.apply(self.base_query)
        order = GROUPED_ORDER if self.grouped else str(self.sort_combo.currentData())
        return lq.with_sort(query, ("-" if self.reverse_button.isChecked() else "") + order)

    def set_query(self, query: AssetQuery) -> None:
        """Show the filters and order of ``query`` (and refresh); the ``episode`` order
        groups by episode and shot."""
        self.sort_combo.blockSignals(True)
        self.group_combo.blockSignals(True)
        self.group_combo.setCurrentIndex(1 if query.sort == GROUPED_ORDER else 0)
        self.sort_combo.setEnabled(query.sort != GROUPED_ORDER)
        if query.sort != GROUPED_ORDER:
            self.sort_combo.setCurrentIndex(max(0, self.sort_combo.findData(query.sort)))
        self.group_combo.blockSignals(False)
        self.sort_combo.blockSignals(False)
        self.reverse_button.blockSignals(True)
        self.reverse_button.setChecked(query.ascending)
        self.reverse_button.blockSignals(False)
        self.filters.set_query(query)
        self.refresh()

    def refresh(self) -> None:
        """Run the query again, keeping the selection and the current asset where they can be."""
        self._refresh_timer.stop()
        query = self.query
        selected = self.selected_shas()
        current = self.current_sha()
        scroll = self.grid.verticalScrollBar().value()
        # the same query again (the library changed): as many rows as were read before, so
        # the place scrolled to is still there
        keep = len(self.model.rows) if query == self.model.query else 0
        try:
            self.model.load(query, at_least=keep)
        except CoreError as exc:
            self._say(str(exc))
            return
        rows = self.model.rows
        self.grid.set_grouped(self.model.grouped)
        self._restore_selection(selected, current)
        if current is None or self.model.row_of(current) is None:
            self.grid.verticalScrollBar().setValue(
                min(scroll, self.grid.verticalScrollBar().maximum())
            )
        self._signature = self._library_signature()
        described = query.describe()
        self.chips.setText("  ·  ".join(described) if described else "All assets")
        total = self._total()
        self.empty.setVisible(not rows)
        self.grid.setVisible(bool(rows))
        if not rows:
            self.empty.setText(
                "The library is empty: run a graph and its results appear here."
                if not total
                else "No asset matches these filters."
            )
        self._update_status()
        self._visible_timer.start()

    def reload(self) -> None:
        self.filters.reload_facets()
        self.refresh()

    def _total(self) -> int:
        return (
            lq.count_assets(self.library) if self.base_query == AssetQuery() else self.model.total
        )

    def _library_signature(self) -> tuple[int, int]:
        return lq.content_signature(self.library)

    def _poll_library(self) -> None:
        if not self.isVisible():
            return
        try:
            signature = self._library_signature()
        except Exception:  # a library being closed: try again later
            return
        if signature != self._signature:
            self.filters.reload_facets()
            self.refresh()

    # -- selection ---------------------------------------------------------------------------------
    def selected_shas(self) -> list[str]:
        rows = (
            self.model.row_at(i)
            for i in sorted(i.row() for i in self.grid.selectionModel().selectedIndexes())
        )
        return [r.sha256 for r in rows if r is not None]

    def current_sha(self) -> str | None:
        index = self.grid.currentIndex()
        return index.data(SHA_ROLE) if index.isValid() else None

    def select(self, sha: str) -> bool:
        """Select the asset (clearing the filters if they hide it); False if not in the library."""
        if not self.model.fetch_until(sha):
            if self.library.asset(sha) is None:
                self._say(f"asset {sha[:12]} is not in this library")
                return False
            self.filters.set_query(AssetQuery())
            self.refresh()
            self.model.fetch_until(sha)
        index = self.model.index_of(sha)
        if not index.isValid():
            return False
        self.grid.setCurrentIndex(index)
        self.grid.selectionModel().select(
            index, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.grid.scrollTo(index, QtWidgets.QAbstractItemView.ScrollHint.PositionAtCenter)
        self.grid.setFocus()
        return True

    def _restore_selection(self, selected: list[str], current: str | None) -> None:
        model = self.grid.selectionModel()
        model.blockSignals(True)
        selection = QtCore.QItemSelection()
        for sha in selected:
            index = self.model.index_of(sha)
            if index.isValid():
                selection.select(index, index)
        model.select(selection, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if current is not None and self.model.index_of(current).isValid():
            model.setCurrentIndex(
                self.model.index_of(current), QtCore.QItemSelectionModel.SelectionFlag.NoUpdate
            )
        model.blockSignals(False)
        self._selection_changed()

    def _selection_changed(self, *_args: object) -> None:
        shas = self.selected_shas()
        if len(shas) == 1:
            if self.detail.sha != shas[0]:
                self.detail.show_asset(shas[0])
        elif len(shas) > 1:
            self.detail.show_selection(len(shas))
        else:
            self.detail.show_nothing()
        self.compare_action.setEnabled(2 <= len(shas) <= 4)
        self._update_status()

    def _update_status(self) -> None:
        shown = self.model.total
        selected = len(self.grid.selectionModel().selectedIndexes())
        parts = [f"{shown:,} asset{'s' if shown != 1 else ''}"]
        if selected:
            parts.append(f"{selected} selected")
        parts.append("1–5 rate · 0 clear · X reject · Space view · C compare · Ctrl+E export")
        self.status.setText("   ·   ".join(parts))

    # -- thumbnails --------------------------------------------------------------------------------
    def _thumb_ready(self, _sha: str) -> None:
        if not self._repaint_timer.isActive():
            self._repaint_timer.start()

    def _retain_visible(self) -> None:
        visible = [r for r in map(self.model.row_at, self.grid.visible_range()) if r is not None]
        self.thumbs.retain({r.sha256 for r in visible})
        for row in visible:  # what is on screen is asked for, even before it paints
            if row.kind in ("image", "video") and not self.thumbs.has(row.sha256):
                self.thumbs.request(row.sha256)

    def pending_visible(self) -> int:
        """Visible pictures whose thumbnail is not loaded yet (0: the screen is complete)."""
        visible = (self.model.row_at(i) for i in self.grid.visible_range())
        return sum(
            1
            for r in visible
            if r is not None and r.kind in ("image", "video") and not self.thumbs.has(r.sha256)
        )

    def set_tile_width(self, width: int) -> None:
        self.delegate.width = int(width)
        self.grid.set_card_size(card_size(int(width)))
        self._visible_timer.start()

    # -- review --------------------------------------------------------------------------------------
    def _key_action(self, action: str) -> None:
        if action in "12345" and len(action) == 1:
            self.rate_selected(int(action))
        elif action == "0":
            self.rate_selected(None)
        elif action == "x":
            self.toggle_reject_selected()
        elif action == "view":
            self.open_viewer()
        elif action == "compare":
            self.compare_selected()

    def rate_selected(self, stars: int | None) -> None:
        shas = self.selected_shas() or ([self.current_sha()] if self.current_sha() else [])
        for sha in shas:
            review = self.library.set_review(sha, rating=stars)
            self.model.update_review(sha, review.rating, review.rejected)
            self.reviewChanged.emit(sha)
        self.detail.refresh_review()
        if shas:
            label = "rating cleared" if stars is None else "★" * stars
            self._say(f"{label} · {len(shas)} asset{'s' if len(shas) > 1 else ''}")

    def toggle_reject_selected(self) -> None:
        shas = self.selected_shas() or ([self.current_sha()] if self.current_sha() else [])
        if not shas:
            return
        rejected = not all(
            self.model.asset_row(s).rejected
            for s in shas  # type: ignore[union-attr]
            if self.model.asset_row(s) is not None
        )
        for sha in shas:
            review = self.library.set_review(sha, rejected=rejected)
            self.model.update_review(sha, review.rating, review.rejected)
            self.reviewChanged.emit(sha)
        self.detail.refresh_review()
        self._say(
            f"{'rejected' if rejected else 'un-rejected'} {len(shas)} asset"
            f"{'s' if len(shas) > 1 else ''}"
        )

    def _reviewed(self, sha: str) -> None:
        review = self.library.review(sha)
        self.model.update_review(sha, review.rating, review.rejected)
        if sha == self.detail.sha:
            self.detail.refresh_review()
        self.reviewChanged.emit(sha)

    # -- viewer and compare -------------------------------------------------------------------------
    def _title(self, sha: str) -> str:
        row = self.model.asset_row(sha) or lq.asset_row(self.library, sha)
        if row is None:
            return sha[:12]
        parts = [row.title, row.model or "imported", lq.describe_when(row.when)]
        return " · ".join(parts)

    def _neighbour(self, sha: str, step: int) -> str | None:
        row = self.model.row_of(sha)
        if row is None:
            return None
        target = row + step
        if target >= len(self.model.rows) and self.model.canFetchMore():
            self.model.fetchMore()
        if not 0 <= target < len(self.model.rows):
            return None
        new = self.model.rows[target].sha256
        self.select(new)
        return new

    def open_viewer(self, shas: list[str] | None = None) -> ViewerWindow | None:
        shas = (
            shas or self.selected_shas()[:4] or ([self.current_sha()] if self.current_sha() else [])
        )
        if not shas:
            return None
        viewer = ViewerWindow(
            self.library, shas[:4], titles=self._title, navigate=self._neighbour, parent=self
        )
        viewer.reviewed.connect(self._reviewed)
        viewer.closed.connect(lambda v=viewer: self._forget_viewer(v))
        self.viewers.append(viewer)
        viewer.show()
        viewer.activateWindow()
        return viewer

    def _forget_viewer(self, viewer: ViewerWindow) -> None:
        if viewer in self.viewers:
            self.viewers.remove(viewer)

    def compare_selected(self) -> ViewerWindow | None:
        shas = self.selected_shas()
        if not 2 <= len(shas) <= 4:
            self._say("select two to four assets to compare (Ctrl+click)")
            return None
        return self.open_viewer(shas)

    # -- editor integration --------------------------------------------------------------------------
    def _reveal(self, graph_path: str, node_id: str) -> None:
        if not graph_path:
            self._say("this asset has no graph to reveal")
            return
        if self.receivers(QtCore.SIGNAL("revealRequested(QString,QString)")) == 0:
            self._say(f"open {graph_path} in the editor to see node {node_id}")
        self.revealRequested.emit(graph_path, node_id)

    def reveal_current(self) -> None:
        details = self.detail.details
        if details is not None and details.primary is not None:
            self._reveal(details.primary.graph_path or "", details.primary.node_id)

    def _use_as_input(self, sha: str) -> None:
        if self.receivers(QtCore.SIGNAL("useAsInputRequested(QString)")) == 0:
            self._say("open the editor to use this asset as an input (or drag it onto the canvas)")
        self.useAsInputRequested.emit(sha)

    # -- export -----------------------------------------------------------------------------------------
    def export_selected(
        self,
        folder: str | Path | None = None,
        *,
        wait: bool = False,
    ) -> list[Exported] | None:
        shas = self.selected_shas() or ([self.current_sha()] if self.current_sha() else [])
        if not shas:
            self._say("select the assets to export")
            return None
        if folder is None:
            chosen = QtWidgets.QFileDialog.getExistingDirectory(self, "Export to folder")
            if not chosen:
                return None
            folder = chosen
        assets = [a for a in (self.library.asset(s) for s in shas) if a is not None]
        target = Path(folder)
        if wait:
            written = export_assets(self.library, assets, target)
            self._say(f"exported {len(written)} file(s) with provenance to {target}")
            return written

        def work() -> None:
            try:
                written = export_assets(self.library, assets, target)
                self.exportFinished.emit(
                    f"exported {len(written)} file(s) with provenance to {target}"
                )
            except CoreError as exc:
                self.exportFinished.emit(f"export failed: {exc}")

        self._say(f"exporting {len(assets)} file(s)…")
        threading.Thread(target=work, name="gallery-export", daemon=True).start()
        return None

    # -- menus and messages -------------------------------------------------------------------------
    def _context_menu(self, pos: QtCore.QPoint) -> None:
        index = self.grid.indexAt(pos)
        if not index.isValid() or self.model.row_at(index.row()) is None:
            return
        if not self.grid.selectionModel().isSelected(index):
            self.select(index.data(SHA_ROLE))
        shas = self.selected_shas()
        menu = QtWidgets.QMenu(self)
        menu.addAction("View\tSpace", self.open_viewer)
        compare = menu.addAction("Compare\tC", self.compare_selected)
        compare.setEnabled(2 <= len(shas) <= 4)
        rate = menu.addMenu("Rate")
        for n in range(1, 6):
            rate.addAction(f"{'★' * n}\t{n}", lambda n=n: self.rate_selected(n))
        rate.addAction("Clear rating\t0", lambda: self.rate_selected(None))
        menu.addAction("Reject / un-reject\tX", self.toggle_reject_selected)
        menu.addSeparator()
        if len(shas) == 1:
            menu.addAction("Reveal on canvas", self.reveal_current)
            menu.addAction("Use as input", lambda: self._use_as_input(shas[0]))
            menu.addAction("Copy hash", lambda: QtWidgets.QApplication.clipboard().setText(shas[0]))
        menu.addAction("Export…\tCtrl+E", self.export_selected)
        pop_up(menu, self.grid.viewport().mapToGlobal(pos))

    def _say(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.detail.flush()
        for viewer in list(self.viewers):
            viewer.close()
        self._poll_timer.stop()
        self.thumbs.close()
        super().closeEvent(event)


def _single_shot(parent: QtCore.QObject, ms: int, slot: Any) -> QtCore.QTimer:
    timer = QtCore.QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer
