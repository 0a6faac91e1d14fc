"""The grid's model: the rows of a library query, and drags out of the grid.

Filtering and sorting happen in SQL (``core.library_query``); the model only holds the
answer. A drag carries the assets' hashes under ``ASSET_MIME`` (the canvas makes Load Image
nodes from them) and their files as URLs (any other app takes them as files).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6 import QtCore

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library_query import AssetRow, describe_when

#: the MIME type of a drag of library assets: the sha256 hashes, one a line (UTF-8)
ASSET_MIME = "application/x-canvastoon-asset"

ROW_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
SHA_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2


class AssetListModel(QtCore.QAbstractListModel):
    def __init__(self, library: Library, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.rows: list[AssetRow] = []
        self._index: dict[str, int] = {}

    # -- contents ---------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[AssetRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._index = {row.sha256: i for i, row in enumerate(self.rows)}
        self.endResetModel()

    def row_of(self, sha: str) -> int | None:
        return self._index.get(sha)

    def asset_row(self, sha: str) -> AssetRow | None:
        i = self._index.get(sha)
        return self.rows[i] if i is not None else None

    def index_of(self, sha: str) -> QtCore.QModelIndex:
        i = self._index.get(sha)
        return self.index(i, 0) if i is not None else QtCore.QModelIndex()

    def update_review(self, sha: str, rating: int | None, rejected: bool) -> None:
        i = self._index.get(sha)
        if i is None:
            return
        row = self.rows[i]
        if row.rating != rating or row.rejected != rejected:
            row.rating, row.rejected = rating, rejected
            index = self.index(i, 0)
            self.dataChanged.emit(index, index)

    def changed(self, shas: Iterable[str]) -> None:
        for sha in shas:
            i = self._index.get(sha)
            if i is not None:
                index = self.index(i, 0)
                self.dataChanged.emit(index, index, [QtCore.Qt.ItemDataRole.DecorationRole])

    # -- Qt model ------------------------------------------------------------------------------
    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
             role: int = QtCore.Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == SHA_ROLE:
            return row.sha256
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == QtCore.Qt.ItemDataRole.ToolTipRole:
            parts = [row.title, row.model or "imported", describe_when(row.when)]
            if row.cost_usd:
                parts.append(f"${row.cost_usd:.3f}")
            return " · ".join(parts) + f"\n{row.sha256[:16]}"
        if role == QtCore.Qt.ItemDataRole.AccessibleTextRole:
            stars = f", {row.rating} stars" if row.rating else ""
            return f"{row.kind} {row.title}{stars}{', rejected' if row.rejected else ''}"
        return None

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.Qt.ItemFlag:
        if not index.isValid():
            return QtCore.Qt.ItemFlag.NoItemFlags
        return (QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
                | QtCore.Qt.ItemFlag.ItemIsDragEnabled)

    def mimeTypes(self) -> list[str]:
        return [ASSET_MIME, "text/uri-list"]

    def supportedDragActions(self) -> QtCore.Qt.DropAction:
        return QtCore.Qt.DropAction.CopyAction

    def mimeData(self, indexes: Sequence[QtCore.QModelIndex]) -> QtCore.QMimeData:
        shas = list(dict.fromkeys(self.rows[i.row()].sha256 for i in indexes if i.isValid()))
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
