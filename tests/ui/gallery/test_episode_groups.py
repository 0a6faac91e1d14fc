"""The library window grouped by episode and shot: graph, newest run first, then shot by shot,
each episode under a band across the grid and each shot under a rule of its own (a group
always starts a new line); a "Shot n" badge on every asset made for one shot; the Episode
and Shot filters; review and selection work across the headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.core.library.query import AssetQuery, AssetSection
from canvastoon_desktop.ui.gallery import AssetListModel, LibraryWindow
from canvastoon_desktop.ui.gallery.qt_delegate import SHOT_COLOR
from tests.support.episode_factory import EpisodeLibrary, episode_library
from tests.ui.gallery.conftest import open_gallery


@pytest.fixture
def made(tmp_path: Path) -> Iterator[EpisodeLibrary]:
    made = episode_library(tmp_path)
    yield made
    lq.close_reader(made.library)
    made.library.close()


def open_window(qtbot, made: EpisodeLibrary, size=(1100, 900)) -> LibraryWindow:
    return open_gallery(qtbot, made.library, size)


def group(qtbot, window: LibraryWindow) -> None:
    window.group_combo.setCurrentIndex(window.group_combo.findData("episode"))
    qtbot.waitUntil(lambda: window.model.grouped, timeout=10_000)
    qtbot.waitUntil(lambda: window.grid.visible_range() != range(0), timeout=10_000)


def view_rows(window: LibraryWindow) -> list[AssetSection | lq.AssetRow]:
    return [
        window.model.section_at(r) or window.model.row_at(r) for r in range(window.model.rowCount())
    ]


def test_grouping_orders_by_graph_run_and_shot_with_headers(qtbot, made: EpisodeLibrary) -> None:
    first, second, _rooftop = made.episodes
    window = open_window(qtbot, made)
    assert not window.model.grouped and window.model.rowCount() == len(window.model.rows)
    group(qtbot, window)
    assert not window.sort_combo.isEnabled()  # the grouping decides the order
    assert window.query.sort == "episode"
    entries = view_rows(window)
    headers = [(e.level, e.title) for e in entries if isinstance(e, AssetSection)]
    assert headers == [
        ("episode", "K-pop episode"),
        ("shot", "Shot 2"),
        ("episode", "K-pop episode"),
        ("shot", "Shot 1"),
        ("shot", "Shot 2"),
        ("shot", "Shot 3"),
        ("episode", "Rooftop"),
        ("shot", "Shot 1"),
        ("shot", "Shot 2"),
        ("episode", "Not from a run"),
    ]
    assert [r.sha256 for r in window.model.rows] == [
        e.sha256 for e in entries if not isinstance(e, AssetSection)
    ]
    assert window.model.rows[0].run_id == second.run_id  # the newest run of ep1 first
    # the reverse button puts the older run first
    window.reverse_button.setChecked(True)
    window.refresh()
    assert window.model.rows[0].run_id == first.run_id
    assert window.model.grouped


def test_grouped_pages_keep_the_headers_of_the_whole_answer(
    qtbot, made: EpisodeLibrary, monkeypatch
) -> None:
    monkeypatch.setattr(AssetListModel, "PAGE", 5)  # episodes and shots cut across pages
    window = open_window(qtbot, made, size=(700, 600))
    group(qtbot, window)
    everything = lq.query_assets(made.library, window.query)
    assert len(window.model.rows) < len(everything)
    while window.model.canFetchMore():
        window.model.fetchMore()
    expected = lq.episode_sections(everything)
    assert [
        (e.level, e.title, e.detail) for e in view_rows(window) if isinstance(e, AssetSection)
    ] == [(e.level, e.title, e.detail) for e in expected if isinstance(e, AssetSection)]
    assert [r.sha256 for r in window.model.rows] == [r.sha256 for r in everything]


def test_each_group_starts_a_line_under_a_full_width_header(qtbot, made: EpisodeLibrary) -> None:
    window = open_window(qtbot, made, size=(1300, 900))
    group(qtbot, window)
    grid = window.grid
    width = grid.viewport().width()
    rects = [grid.visualRect(window.model.index(r, 0)) for r in range(window.model.rowCount())]
    entries = view_rows(window)
    for n, entry in enumerate(entries):
        if not isinstance(entry, AssetSection):
            continue
        assert rects[n].left() == 0 and rects[n].width() >= width - 4, entry.title
        assert rects[n].height() < rects[-1].height()  # a slim band, not a card
        if n + 1 < len(entries) and not isinstance(entries[n + 1], AssetSection):
            below = rects[n + 1]
            assert below.left() == 0 and below.top() >= rects[n].bottom(), entry.title
    # cards of two shots never share a line: every line holds one shot's assets
    lines: dict[int, set] = {}
    for rect, entry in zip(rects, entries, strict=True):
        if not isinstance(entry, AssetSection):
            lines.setdefault(rect.top(), set()).add((entry.run_id, entry.item))
    assert all(len(keys) == 1 for keys in lines.values())
    assert grid.horizontalScrollBar().maximum() == 0


def test_the_screen_fills_with_thumbnails_and_selection_skips_headers(
    qtbot, made: EpisodeLibrary
) -> None:
    window = open_window(qtbot, made, size=(900, 700))
    group(qtbot, window)
    qtbot.waitUntil(lambda: window.pending_visible() == 0, timeout=10_000)
    visible = window.grid.visible_range()
    assert visible and visible.start == 0 and visible.stop < window.model.rowCount()
    header = window.model.index(0, 0)
    assert not window.model.flags(header) & Qt.ItemFlag.ItemIsSelectable
    window.grid.selectAll()
    assert sorted(window.selected_shas()) == sorted(r.sha256 for r in window.model.rows)
    card = next(r for r in range(window.model.rowCount()) if window.model.row_at(r))
    mime = window.model.mimeData([header, window.model.index(card, 0)])
    assert (
        bytes(mime.data("application/x-canvastoon-asset").data()).decode()
        == window.model.row_at(card).sha256
    )
    # scrolled to the end, the last rows are the visible ones
    window.grid.scrollToBottom()
    qtbot.waitUntil(
        lambda: window.grid.visible_range().stop == window.model.rowCount(), timeout=10_000
    )
    qtbot.waitUntil(lambda: window.pending_visible() == 0, timeout=10_000)


def test_review_keys_and_select_work_when_grouped(qtbot, made: EpisodeLibrary) -> None:
    window = open_window(qtbot, made)
    group(qtbot, window)
    target = made.episodes[0].shots[3][0]
    assert window.select(target.sha256)
    assert window.current_sha() == target.sha256
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_3)
    assert made.library.review(target.sha256).rating == 3
    assert window.model.asset_row(target.sha256).rating == 3
    assert window.set_query(AssetQuery(sort="date")) is None
    assert not window.model.grouped and window.sort_combo.isEnabled()
    assert window.grid.gridSize().isValid()  # back to the uniform grid
    window.set_query(AssetQuery(sort="episode"))
    assert window.grouped and window.model.grouped


def test_episode_and_shot_filters_narrow_the_grid(qtbot, made: EpisodeLibrary) -> None:
    first, _second, rooftop = made.episodes
    window = open_window(qtbot, made)
    shot = window.filters.editors["shot"].combo
    labels = [shot.itemText(i) for i in range(shot.count())]
    assert labels[0] == "Any shot" and labels[1:] == ["Shot 1  (6)", "Shot 2  (9)", "Shot 3  (3)"]
    shot.setCurrentIndex(shot.findData("3"))
    qtbot.waitUntil(lambda: {r.shot for r in window.model.rows} == {3}, timeout=10_000)
    assert {r.sha256 for r in window.model.rows} == {a.sha256 for a in first.shots[3]}
    assert "shot: 3" in window.chips.text()
    shot.setCurrentIndex(0)
    episode = window.filters.editors["episode"].combo
    value = f"{rooftop.graph_path}@{rooftop.run_id}"
    at = episode.findData(value)
    assert at == 1 and episode.itemText(at).startswith("Rooftop · ")  # newest first
    episode.setCurrentIndex(at)
    qtbot.waitUntil(
        lambda: {r.run_id for r in window.model.rows} == {rooftop.run_id}, timeout=10_000
    )
    group(qtbot, window)
    assert [s.title for s in window.model.sections()] == ["Rooftop", "Shot 1", "Shot 2"]


def shot_badge_pixels(window: LibraryWindow, row: int) -> int:
    """Pixels of the badge colour in the top of a card, painted by the delegate."""
    rect = window.grid.visualRect(window.model.index(row, 0))
    image = QtGui.QImage(rect.size(), QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor("black"))
    painter = QtGui.QPainter(image)
    option = QtWidgets.QStyleOptionViewItem()
    option.rect = QtCore.QRect(QtCore.QPoint(0, 0), rect.size())
    window.delegate.paint(painter, option, window.model.index(row, 0))
    painter.end()
    top = image.copy(0, 0, image.width(), 40)
    ptr = top.constBits()
    arr = np.frombuffer(ptr, np.uint8).reshape(top.height(), top.bytesPerLine() // 4, 4)
    colour = QtGui.QColor(SHOT_COLOR)
    target = np.array([colour.blue(), colour.green(), colour.red()])
    return int((np.abs(arr[..., :3].astype(int) - target).sum(axis=-1) < 40).sum())


def test_every_asset_made_for_a_shot_wears_its_badge(qtbot, made: EpisodeLibrary) -> None:
    window = open_window(qtbot, made)  # not grouped: the badge shows all the same
    rows = window.model.rows
    per_shot = next(i for i, r in enumerate(rows) if r.shot is not None)
    whole = next(i for i, r in enumerate(rows) if r.shot is None and r.kind == "image")
    assert shot_badge_pixels(window, per_shot) > 20
    assert shot_badge_pixels(window, whole) == 0
    tip = window.model.data(window.model.index(per_shot, 0), Qt.ItemDataRole.ToolTipRole)
    assert f"shot {rows[per_shot].shot}" in tip
