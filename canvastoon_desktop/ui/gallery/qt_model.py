"""The grid's model: the rows of a library query, and drags out of the grid.

Filtering and sorting happen in SQL (``core.library_query``); the model only holds the
answer. Grouped by episode, the model's rows are the assets with a header row before each
episode and each shot (``library_query.episode_sections``): ``rows`` still lists the assets
alone, ``row_at`` / ``section_at`` say what a row of the view is. A drag carries the assets' hashes under ``ASSET_MIME`` (the canvas makes Load Image
nodes from them) and their files as URLs (any other app takes them as files).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6 import QtCore

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library_query import (
    AssetRow,
    AssetSection,
    describe_when,
    episode_sections,
)

#: the MIME type of a drag of library assets: the sha256 hashes, one a line (UTF-8)
ASSET_MIME = "application/x-canvastoon-asset"

ROW_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
SHA_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2
SECTION_ROLE = QtCore.Qt.ItemDataRole.UserRole + 3


class AssetListModel(QtCore.QAbstractListModel):
    def __init__(self, library: Library, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        #: the assets, in the order shown
        self.rows: list[AssetRow] = []
        #: grouped: every row of the view, headers and assets (None: the view shows ``rows``)
        self.entries: list[AssetSection | AssetRow] | None = None
        self._index: dict[str, int] = {}
        self._view_row: list[int] = []  # grouped: asset position → row of the view

    # -- contents ---------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[AssetRow], *, grouped: bool = False) -> None:
        """Show ``rows``; ``grouped``: with episode and shot headers (``rows`` must be in
        the ``episode`` order)."""
        self.beginResetModel()
        self.rows = list(rows)
        self._index = {row.sha256: i for i, row in enumerate(self.rows)}
        if grouped:
            self.entries = episode_sections(self.rows)
            self._view_row = [
                n for n, e in enumerate(self.entries) if not isinstance(e, AssetSection)
            ]
        else:
            self.entries, self._view_row = None, []
        self.endResetModel()

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
