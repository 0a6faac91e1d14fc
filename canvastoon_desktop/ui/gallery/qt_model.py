"""The grid's model: a library query's answer, read page by page, and drags out of the grid.

Filtering and sorting happen in SQL (``core.library.query``); the model holds the rows read
so far. ``load`` reads the first page (a screen's worth and more), and the view asks for the
next (``fetchMore``) as it scrolls to the end of what is read, so opening a library of any
size costs one page; ``total`` is how many assets match in all. Grouped by episode, the
model's rows are the assets with a header row before each episode and each shot
(``library.query.EpisodeSections``, with counts of the whole answer): ``rows`` still lists
the assets alone, ``row_at`` / ``section_at`` say what a row of the view is. A drag carries
the assets' hashes under ``ASSET_MIME`` (the canvas makes Load Image nodes from them) and
their files as URLs (any other app takes them as files).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6 import QtCore

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.core.library.query import (
    AssetQuery,
    AssetRow,
    AssetSection,
    EpisodeSections,
    PageMark,
    describe_when,
)

#: the MIME type of a drag of library assets: the sha256 hashes, one a line (UTF-8)
ASSET_MIME = "application/x-canvastoon-asset"

ROW_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
SHA_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2
SECTION_ROLE = QtCore.Qt.ItemDataRole.UserRole + 3

#: the order whose view is grouped by episode and shot (``library.query.SORTS``)
GROUPED_ORDER = "episode"


class AssetListModel(QtCore.QAbstractListModel):
    #: rows read at a time: more than the largest grid shows at once
    PAGE = 400

    def __init__(self, library: Library, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        #: the assets read so far, in the order shown
        self.rows: list[AssetRow] = []
        #: grouped: every row of the view, headers and assets (None: the view shows ``rows``)
        self.entries: list[AssetSection | AssetRow] | None = None
        #: what is shown, and how many assets match it in all (read or not)
        self.query = AssetQuery()
        self.total = 0
        self._next: PageMark | None = None
        self._sections: EpisodeSections | None = None
        self._index: dict[str, int] = {}
        self._view_row: list[int] = []  # grouped: asset position → row of the view

    # -- contents ---------------------------------------------------------------------------
    def load(self, query: AssetQuery, *, at_least: int = 0) -> None:
        """Show what ``query`` finds: its first page, or as many pages as hold ``at_least``
        rows (a refresh keeps what was scrolled to). Raises ``CoreError`` for a bad query."""
        wanted = max(self.PAGE, at_least)
        page = lq.query_page(self.library, query, size=wanted)
        total = len(page.rows) if page.next is None else lq.count_assets(self.library, query)
        grouped = query.sort == GROUPED_ORDER
        sections = EpisodeSections(lq.section_counts(self.library, query)) if grouped else None
        self.beginResetModel()
        self.query, self.total, self._next, self._sections = query, total, page.next, sections
        self.rows, self._index = [], {}
        self.entries, self._view_row = ([] if grouped else None), []
        self._append(page.rows)
        self.endResetModel()

    def _append(
        self, rows: Sequence[AssetRow], entries: list[AssetSection | AssetRow] | None = None
    ) -> None:
        start = len(self.rows)
        self.rows.extend(rows)
        for n, row in enumerate(rows, start):
            self._index[row.sha256] = n
        if self.entries is not None and self._sections is not None:
            for entry in entries if entries is not None else self._sections.add(rows):
                if not isinstance(entry, AssetSection):
                    self._view_row.append(len(self.entries))
                self.entries.append(entry)

    def canFetchMore(
        self,
        parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex(),  # noqa: B008
    ) -> bool:
        return not parent.isValid() and self._next is not None

    def fetchMore(
        self,
        parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex(),  # noqa: B008
    ) -> None:
        """Read the next page (the view asks when it scrolls to the end of what is read)."""
        if parent.isValid() or self._next is None:
            return
        page = lq.query_page(self.library, self.query, after=self._next, size=self.PAGE)
        self._next = page.next
        if not page.rows:
            return
        entries = self._sections.add(page.rows) if self._sections is not None else None
        first = self.rowCount()
        added = len(entries) if entries is not None else len(page.rows)
        self.beginInsertRows(QtCore.QModelIndex(), first, first + added - 1)
        self._append(page.rows, entries)
        self.endInsertRows()

    def fetch_until(self, sha: str) -> bool:
        """Read pages until the asset is among the rows (False: the query does not find it)."""
        if sha in self._index:
            return True
        if self._next is None or not lq.matches(self.library, self.query, sha):
            return False
        while sha not in self._index and self._next is not None:
            self.fetchMore()
        return sha in self._index

    @property
    def grouped(self) -> bool:
        return self.entries is not None

    def row_of(self, sha: str) -> int | None:
        """The asset's position in ``rows``."""
        return self._index.get(sha)

    def asset_row(self, sha: str) -> AssetRow | None:
        i = self._index.get(sha)
        return self.rows[i] if i is not None else None

    def row_at(self, view_row: int) -> AssetRow | None:
        """The asset shown at a row of the view (None for a header or out of range)."""
        if self.entries is None:
            return self.rows[view_row] if 0 <= view_row < len(self.rows) else None
        entry = self.entries[view_row] if 0 <= view_row < len(self.entries) else None
        return entry if isinstance(entry, AssetRow) else None

    def section_at(self, view_row: int) -> AssetSection | None:
        if self.entries is None or not 0 <= view_row < len(self.entries):
            return None
        entry = self.entries[view_row]
        return entry if isinstance(entry, AssetSection) else None

    def sections(self) -> list[AssetSection]:
        return [e for e in self.entries or () if isinstance(e, AssetSection)]

    def index_of(self, sha: str) -> QtCore.QModelIndex:
        i = self._index.get(sha)
        if i is None:
            return QtCore.QModelIndex()
        return self.index(self._view_row[i] if self.entries is not None else i, 0)

    def update_review(self, sha: str, rating: int | None, rejected: bool) -> None:
        i = self._index.get(sha)
        if i is None:
            return
        row = self.rows[i]
        if row.rating != rating or row.rejected != rejected:
            row.rating, row.rejected = rating, rejected
            index = self.index_of(sha)
            self.dataChanged.emit(index, index)

    def changed(self, shas: Iterable[str]) -> None:
        for sha in shas:
            index = self.index_of(sha)
            if index.isValid():
                self.dataChanged.emit(index, index, [QtCore.Qt.ItemDataRole.DecorationRole])

    # -- Qt model ------------------------------------------------------------------------------
    def rowCount(
        self,
        parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex(),  # noqa: B008
    ) -> int:
        if parent.isValid():
            return 0
        return len(self.entries) if self.entries is not None else len(self.rows)

    def data(
        self,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
        role: int = QtCore.Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            section = self.section_at(index.row())
            if section is None:
                return None
            if role == SECTION_ROLE:
                return section
            if role in (
                QtCore.Qt.ItemDataRole.DisplayRole,
                QtCore.Qt.ItemDataRole.AccessibleTextRole,
            ):
                return f"{section.title} — {section.detail}"
            return None
        if role == ROW_ROLE:
            return row
        if role == SHA_ROLE:
            return row.sha256
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == QtCore.Qt.ItemDataRole.ToolTipRole:
            parts = [row.title, row.model or "imported", describe_when(row.when)]
            if row.shot is not None:
                parts.insert(1, f"shot {row.shot}")
            if row.cost_usd:
                parts.append(f"${row.cost_usd:.3f}")
            return " · ".join(parts) + f"\n{row.sha256[:16]}"
        if role == QtCore.Qt.ItemDataRole.AccessibleTextRole:
            stars = f", {row.rating} stars" if row.rating else ""
            shot = f", shot {row.shot}" if row.shot is not None else ""
            return f"{row.kind} {row.title}{shot}{stars}{', rejected' if row.rejected else ''}"
        return None

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.Qt.ItemFlag:
        if not index.isValid():
            return QtCore.Qt.ItemFlag.NoItemFlags
        if self.row_at(index.row()) is None:  # a header: seen, not picked
            return QtCore.Qt.ItemFlag.ItemIsEnabled
        return (
            QtCore.Qt.ItemFlag.ItemIsEnabled
            | QtCore.Qt.ItemFlag.ItemIsSelectable
            | QtCore.Qt.ItemFlag.ItemIsDragEnabled
        )

    def mimeTypes(self) -> list[str]:
        return [ASSET_MIME, "text/uri-list"]

    def supportedDragActions(self) -> QtCore.Qt.DropAction:
        return QtCore.Qt.DropAction.CopyAction

    def mimeData(self, indexes: Sequence[QtCore.QModelIndex]) -> QtCore.QMimeData:
        rows = (self.row_at(i.row()) for i in indexes if i.isValid())
        shas = list(dict.fromkeys(r.sha256 for r in rows if r is not None))
        return asset_mime_data(self.library, shas)


def asset_mime_data(library: Library, shas: Sequence[str]) -> QtCore.QMimeData:
    """A drag of these assets: hashes under ``ASSET_MIME`` and file URLs."""
    mime = QtCore.QMimeData()
    mime.setData(ASSET_MIME, QtCore.QByteArray("\n".join(shas).encode("utf-8")))
    urls = []
    for sha in shas:
        asset = library.asset(sha)
        if asset is not None and library.has_content(asset):
            urls.append(QtCore.QUrl.fromLocalFile(str(library.file_path(asset))))
    if urls:
        mime.setUrls(urls)
    if len(shas) == 1:
        mime.setText(shas[0])
    return mime


def shas_from_mime(mime: QtCore.QMimeData) -> list[str]:
    """The hashes a drop carries (for the canvas)."""
    if not mime.hasFormat(ASSET_MIME):
        return []
    raw = bytes(mime.data(ASSET_MIME).data()).decode("utf-8", "replace")
    return [line.strip() for line in raw.splitlines() if len(line.strip()) == 64]
