"""Fixtures of the library window's tests: a themed QApplication and a small library of
real images, videos and texts with provenance."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtWidgets

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library.query import close_reader
from tests.support.library_factory import Populated, populate


@pytest.fixture(scope="session")
def qapp() -> Iterator[QtWidgets.QApplication]:
    from canvastoon_desktop.ui import theme

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["canvastoon-tests"])
    theme.apply(app)  # type: ignore[arg-type]
    yield app  # type: ignore[misc]


@pytest.fixture
def populated(tmp_path: Path) -> Iterator[Populated]:
    library = Library(tmp_path / "library")
    filled = populate(
        library, images=14, videos=2, texts=4, graph_path=str(tmp_path / "story.ctoon")
    )
    yield filled
    close_reader(library)
    library.close()


def open_gallery(qtbot, library: Library, size: tuple[int, int] = (1200, 800)):
    """A shown library window over ``library`` once its first screen of thumbnails loaded."""
    from canvastoon_desktop.ui.gallery import LibraryWindow

    window = LibraryWindow(library)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.pending_visible() == 0, timeout=10_000)
    return window
