"""The library window: a virtualised grid with thumbnails made off the GUI thread, filters,
keyboard review that persists, compare with synchronised zoom, video playback, drag out,
reveal / use as input, and export."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from canvastoon_desktop.core import media
from canvastoon_desktop.core.library import ResultRecord
from canvastoon_desktop.core.library import query as lq
from canvastoon_desktop.core.library.query import AssetQuery, provenance
from canvastoon_desktop.ui.gallery import ASSET_MIME, AssetListModel, LibraryWindow, shas_from_mime
from canvastoon_desktop.ui.gallery.qt_viewer import ViewerWindow
from tests.support.library_factory import Populated
from tests.ui.gallery.conftest import open_gallery


def open_window(qtbot, populated: Populated, size=(1200, 800)) -> LibraryWindow:
    return open_gallery(qtbot, populated.library, size)


def press(qtbot, window: LibraryWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier):
    window.grid.setFocus()
    qtbot.keyClick(window.grid, key, modifier)


def test_the_grid_shows_every_asset_and_loads_only_visible_thumbnails_off_the_gui_thread(
    qtbot, populated: Populated
) -> None:
    threads: set[str] = set()
    window = LibraryWindow(populated.library)
    qtbot.addWidget(window)
    original = window.thumbs.cache.ensure

    def ensure(asset, size=256):
        threads.add(threading.current_thread().name)
        return original(asset, size)

    window.thumbs.cache.ensure = ensure  # type: ignore[method-assign]
    window.resize(700, 520)  # room for a few cards only
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.pending_visible() == 0, timeout=10_000)
    assert window.model.rowCount() == len(populated.assets) == 20
    assert isinstance(window.grid, QtWidgets.QListView)  # one delegate, no widget per asset
    assert threads and threading.main_thread().name not in threads
    made = list(populated.library.thumbs.rglob("*.png"))
    pictures = len(populated.by_kind["image"]) + len(populated.by_kind["video"])
    assert 0 < len(made) < pictures  # only what was on screen
    names = {p.stem for p in made}
    later = next(
        r for r in reversed(window.model.rows) if r.kind == "image" and r.sha256 not in names
    )
    window.grid.scrollTo(window.model.index_of(later.sha256))  # scrolled into view: loaded
    qtbot.waitUntil(lambda: window.thumbs.has(later.sha256), timeout=10_000)
    assert window.thumbs.cache.cached(populated.library.asset(later.sha256)) is not None
    texts = [r for r in window.model.rows if r.kind == "text"]
    assert texts and all(r.excerpt and "Shot" in r.excerpt for r in texts)


def test_the_window_reads_a_page_at_first_and_the_rest_as_it_scrolls(
    qtbot, populated: Populated, monkeypatch
) -> None:
    monkeypatch.setattr(AssetListModel, "PAGE", 4)  # a big library, in small
    window = open_window(qtbot, populated, size=(700, 520))
    model = window.model
    everything = [r.sha256 for r in lq.query_assets(populated.library)]
    assert 0 < len(model.rows) < len(everything) and model.canFetchMore()
    assert model.total == len(everything) == 20
    assert window.status.text().startswith("20 assets")
    bar = window.grid.verticalScrollBar()
    for _ in range(50):
        if not model.canFetchMore():
            break
        bar.setValue(bar.maximum())  # the view asks for the next page at the end
        QtWidgets.QApplication.processEvents()
    assert [r.sha256 for r in model.rows] == everything
    # another query starts from its first page again; an asset not read yet is read when it
    # is selected
    window.set_query(AssetQuery(sort="cost"))
    cheapest = lq.query_assets(populated.library, AssetQuery(sort="cost"))[-1].sha256
    assert len(model.rows) < 20 and model.row_of(cheapest) is None
    assert window.select(cheapest) and window.current_sha() == cheapest


def test_filters_narrow_the_grid_and_sort_orders_it(qtbot, populated: Populated) -> None:
    window = open_window(qtbot, populated)
    editors = window.filters.editors
    editors["kind"].buttons["video"].click()
    qtbot.waitUntil(lambda: {r.kind for r in window.model.rows} == {"video"}, timeout=10_000)
    assert window.model.rowCount() == 2
    editors["kind"].buttons["video"].click()
    combo = editors["model"].combo
    combo.setCurrentIndex(combo.findData("google/nano-banana-pro"))
    qtbot.waitUntil(
        lambda: (
            window.model.rowCount() > 0
            and {r.model for r in window.model.rows} == {"google/nano-banana-pro"}
        ),
        timeout=10_000,
    )
    editors["model"].set_value(())
    qtbot.keyClicks(editors["text"].line, "neon")
    window.refresh()
    assert window.model.rows and all(
        "neon" in (provenance(populated.library, r.sha256)[0].prompt or "")
        or "neon" in (r.excerpt or "")
        for r in window.model.rows
    )
    editors["text"].line.clear()
    window.set_query(AssetQuery(cost=(0.5, None)))
    assert window.model.rows and all((r.cost_usd or 0) >= 0.5 for r in window.model.rows)
    window.set_query(AssetQuery(sort="cost"))
    costs = [r.cost_usd or 0 for r in window.model.rows]
    assert costs == sorted(costs, reverse=True)
    window.reverse_button.setChecked(True)
    window.refresh()
    costs = [r.cost_usd or 0 for r in window.model.rows]
    assert costs == sorted(costs)


def test_several_models_can_be_picked_and_any_of_them_matches(qtbot, populated: Populated) -> None:
    window = open_window(qtbot, populated)
    combo = window.filters.editors["model"].combo
    models = sorted({r.model for r in window.model.rows if r.model})
    assert len(models) >= 3
    picked = models[:2]
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=10_000)
    for model in picked:
        rect = view.visualRect(combo.model().index(combo.findData(model), 0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert view.isVisible()  # the list stays open for the next pick
    qtbot.waitUntil(
        lambda: window.model.rowCount() > 0 and {r.model for r in window.model.rows} == set(picked),
        timeout=10_000,
    )
    assert combo.summary() == "2 models"
    assert f"model: {picked[0]}, {picked[1]}" in window.chips.text()

    # the first row clears the filter
    rect = view.visualRect(combo.model().index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: len({r.model for r in window.model.rows}) > 2, timeout=10_000)
    assert combo.summary() == "Any model" and not view.isVisible()


@pytest.mark.slow
def test_keyboard_review_persists_and_survives_reopening(qtbot, populated: Populated) -> None:
    window = open_window(qtbot, populated)
    library = populated.library
    window.grid.setCurrentIndex(window.model.index(0, 0))
    press(qtbot, window, Qt.Key.Key_Right)  # arrows move
    assert window.grid.currentIndex().row() == 1
    first = window.current_sha()
    press(qtbot, window, Qt.Key.Key_4)
    assert library.review(first).rating == 4
    press(qtbot, window, Qt.Key.Key_X)
    assert library.review(first).rejected
    note = window.detail.note_edit
    assert note is not None
    qtbot.keyClicks(note, "keep the rain, lose the logo")
    window.detail.flush()
    press(qtbot, window, Qt.Key.Key_Right)
    second = window.current_sha()
    press(qtbot, window, Qt.Key.Key_2)
    press(qtbot, window, Qt.Key.Key_0)  # clears
    assert library.review(second).rating is None
    window.close()

    again = open_window(qtbot, populated)
    row = again.model.asset_row(first)
    assert row is not None and row.rating == 4 and row.rejected
    assert library.review(first).note == "keep the rain, lose the logo"
    again.filters.editors["rejected"].set_value("only")
    again.refresh()
    assert [r.sha256 for r in again.model.rows] == [first]
    again.set_query(AssetQuery(rating=4))
    assert [r.sha256 for r in again.model.rows] == [first]
    again.select(first)
    assert again.detail.note_edit is not None
    assert again.detail.note_edit.toPlainText() == "keep the rain, lose the logo"
    press(qtbot, again, Qt.Key.Key_X)  # toggles back
    assert not library.review(first).rejected


def test_compare_opens_with_two_to_four_assets_and_zoom_is_synchronised(
    qtbot, populated: Populated
) -> None:
    window = open_window(qtbot, populated)
    images = [r.sha256 for r in window.model.rows if r.kind == "image"]
    for count in (2, 3, 4):
        select(window, images[:count])
        press(qtbot, window, Qt.Key.Key_C)
        viewer = window.viewers[-1]
        qtbot.waitExposed(viewer)
        panes = viewer.view.panes
        assert len(panes) == count
        pane = panes[0]
        center = QtCore.QPointF(pane.viewport().rect().center())
        wheel = QtGui.QWheelEvent(
            center,
            pane.viewport().mapToGlobal(center.toPoint()),
            QtCore.QPoint(),
            QtCore.QPoint(0, 240),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QtWidgets.QApplication.sendEvent(pane.viewport(), wheel)
        assert pane.zoom == pytest.approx(1.25**2)
        assert all(p.zoom == pytest.approx(pane.zoom) for p in panes)
        pane.apply_view(pane.zoom, 0.3, 0.7)
        pane._announce()  # a pan
        for other in panes[1:]:
            assert other.center() == pytest.approx(pane.center(), abs=0.02)
        viewer.close()
    select(window, images[:5])
    press(qtbot, window, Qt.Key.Key_C)
    assert not window.viewers  # five is too many: nothing opens, the status bar says why


def test_videos_play_in_sync_and_scrub(qtbot, populated: Populated) -> None:
    window = open_window(qtbot, populated)
    videos = [r.sha256 for r in window.model.rows if r.kind == "video"]
    select(window, videos)
    viewer = window.compare_selected()
    assert isinstance(viewer, ViewerWindow)
    view = viewer.view
    assert len(view.players) == 2 and view.transport is not None
    qtbot.waitUntil(lambda: all(p.duration() > 0 for p in view.players), timeout=10_000)
    view.toggle_play()
    assert view.playing()
    view.seek(500)
    assert all(abs(p.position() - 500) < 120 for p in view.players)
    view.toggle_play()
    assert not view.playing()
    viewer.close()


def test_space_opens_the_viewer_and_ratings_work_there(qtbot, populated: Populated) -> None:
    window = open_window(qtbot, populated)
    sha = next(r.sha256 for r in window.model.rows if r.kind == "image")
    window.select(sha)
    press(qtbot, window, Qt.Key.Key_Space)
    viewer = window.viewers[-1]
    qtbot.waitExposed(viewer)
    qtbot.keyClick(viewer, Qt.Key.Key_5)
    assert populated.library.review(sha).rating == 5
    assert window.model.asset_row(sha).rating == 5  # the grid follows
    qtbot.keyClick(viewer, Qt.Key.Key_Right)  # the next asset
    assert viewer.shas[0] != sha and window.current_sha() == viewer.shas[0]
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)


def test_the_detail_panel_shows_provenance_and_inputs_select_upstream(
    qtbot, populated: Populated
) -> None:
    library = populated.library
    source = populated.by_kind["image"][0]
    derived = populated.by_kind["image"][1]
    library.record_result(
        ResultRecord(
            cache_key="k-derived",
            node_id="inpaint1",
            node_type="inpaint",
            node_title="Clean up",
            outputs={"image": derived},
            params={"model": "local/opencv-inpaint", "radius": 5},
            inputs={"image": source.sha256, "mask": None},
            graph_path=populated.graph_path,
            model="local/opencv-inpaint",
            provider="local",
            prompt=None,
            job_id="job-77",
            queue_s=1.5,
            run_s=3.25,
        )
    )
    window = open_window(qtbot, populated)
    revealed: list[tuple[str, str]] = []
    used: list[str] = []
    window.revealRequested.connect(lambda g, n: revealed.append((g, n)))
    window.useAsInputRequested.connect(used.append)
    window.select(derived.sha256)
    panel = window.detail
    texts = " ".join(w.text() for w in panel.findChildren(QtWidgets.QLabel))
    for fact in (
        "Clean up",
        "local/opencv-inpaint",
        "job-77",
        "3.2 s",
        "1.5 s",
        "story.ctoon",
        "radius",
    ):
        assert fact in texts, fact
    chip = panel.findChild(QtWidgets.QToolButton, f"input_{source.sha256[:12]}")
    assert chip is not None
    chip.click()
    assert window.current_sha() == source.sha256
    window.select(derived.sha256)
    window.detail.findChild(QtWidgets.QPushButton, "revealButton").click()
    assert revealed == [(populated.graph_path, "inpaint1")]
    window.detail.findChild(QtWidgets.QPushButton, "useButton").click()
    assert used == [derived.sha256]


def test_dragging_cards_carries_hashes_and_files(qtbot, populated: Populated) -> None:
    window = open_window(qtbot, populated)
    indexes = [window.model.index(0, 0), window.model.index(1, 0)]
    mime = window.model.mimeData(indexes)
    shas = [window.model.rows[0].sha256, window.model.rows[1].sha256]
    assert mime.hasFormat(ASSET_MIME) and shas_from_mime(mime) == shas
    files = [Path(u.toLocalFile()) for u in mime.urls()]
    assert len(files) == 2 and all(f.is_file() for f in files)
    assert window.grid.dragEnabled()


def test_export_from_the_gallery_writes_files_with_provenance(
    qtbot, populated: Populated, tmp_path: Path
) -> None:
    window = open_window(qtbot, populated)
    image = next(r.sha256 for r in window.model.rows if r.kind == "image")
    window.select(image)
    written = window.export_selected(tmp_path / "out", wait=True)
    assert written and written[0].path.exists() and written[0].sidecar.exists()
    record = json.loads(
        media.read_png_text_chunks(written[0].path.read_bytes())["canvastoon:provenance"]
    )
    assert record["sha256"] == image


def select(window: LibraryWindow, shas: list[str]) -> None:
    selection = QtCore.QItemSelection()
    for sha in shas:
        index = window.model.index_of(sha)
        selection.select(index, index)
    window.grid.selectionModel().select(
        selection, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect
    )


def test_a_right_click_offers_rating_and_its_menu_goes_when_closed(
    qtbot, populated: Populated
) -> None:
    from tests.support.shown import shown_menu

    window = open_window(qtbot, populated)
    before = set(window.findChildren(QtWidgets.QMenu))
    card = window.grid.visualRect(window.model.index(0, 0)).center()
    window._context_menu(card)
    menu = shown_menu(qtbot)
    rate = next(a.menu() for a in menu.actions() if a.text() == "Rate")
    next(a for a in rate.actions() if a.text().startswith("★★★\t")).trigger()
    menu.close()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    assert window.model.rows[0].rating == 3
    assert set(window.findChildren(QtWidgets.QMenu)) == before
