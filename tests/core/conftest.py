"""Fixtures shared by the core tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library import query as lq
from tests.support.library_factory import Populated, populate


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Populated]:
    """A library of 18 assets (12 images, 3 videos, 3 texts), each made by a result of its
    own, of the graph ``ep1.ctoon``."""
    library = Library(tmp_path / "library")
    out = populate(library, images=12, videos=3, texts=3, graph_path=str(tmp_path / "ep1.ctoon"))
    yield out
    lq.close_reader(out.library)
    out.library.close()
