"""The library window (gallery): browse, filter, review, compare, play and export every
asset the app generated, offline, with its provenance.

Use it from the editor::

    window = LibraryWindow(workspace)            # a Workspace, or a Library
    window.revealRequested.connect(...)          # (graph_path, node_id)
    window.useAsInputRequested.connect(...)      # (sha256) -> a Load Image node
    window.show()

or standalone: ``canvastoon library`` / ``python -m canvastoon_desktop.ui.gallery``.
A drag out of the grid carries ``ASSET_MIME`` (``shas_from_mime`` reads it) and file URLs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .qt_model import ASSET_MIME, AssetListModel, asset_mime_data, shas_from_mime
from .qt_viewer import CompareView, MediaPane, ViewerWindow
from .qt_window import AssetGrid, LibraryWindow

__all__ = [
    "ASSET_MIME",
    "AssetGrid",
    "AssetListModel",
    "CompareView",
    "LibraryWindow",
    "MediaPane",
    "ViewerWindow",
    "asset_mime_data",
    "main",
    "shas_from_mime",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Open the library window on its own (no editor)."""
    import os
    from pathlib import Path

    os.environ.setdefault("QT_API", "pyside6")
    from PySide6 import QtWidgets

    from canvastoon_desktop.core.errors import CoreError
    from canvastoon_desktop.core.library import Library
    from canvastoon_desktop.core.settings import Settings
    from canvastoon_desktop.ui import theme

    parser = argparse.ArgumentParser(
        prog="canvastoon library", description="The CanvasToon library window."
    )
    parser.add_argument(
        "--library", metavar="DIR", help="library folder (default: $CANVASTOON_LIBRARY or settings)"
    )
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([sys.argv[0]])
    app.setApplicationName("CanvasToon Library")
    theme.apply(app)  # type: ignore[arg-type]
    try:
        library = Library(
            Path(args.library).expanduser() if args.library else Settings.load().library_path()
        )
    except CoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    window = LibraryWindow(library)
    window.show()
    try:
        return app.exec()
    finally:
        window.close()
        library.close()
