"""Readable at first sight: the default view of the shipped K-pop episode at 1600×1000 keeps
card text at least 9 px tall (a minimum zoom, then pan), the wheel zooms noticeably, and
cards zoomed out show their title large instead of unreadable small print."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from canvastoon_desktop.ui.canvas import READABLE_ZOOM
from canvastoon_desktop.ui.node_item import font
from tests.ui.uihelpers import copy_example

READABLE_PX = 9.0


def _pixel_size(name: str, zoom: float, widget: QtWidgets.QWidget) -> float:
    """How tall (em height, in screen pixels) the card font ``name`` is at ``zoom``."""
    return font(name).pointSizeF() * widget.logicalDpiY() / 72.0 * zoom


def _open_at_default_view(qtbot: Any, window: Any, tmp_path: Path) -> None:
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.width() == 1600, timeout=10_000)
    with qtbot.waitSignal(window.bridge.framed, timeout=10_000):  # once it is laid out
        assert window.open_file(copy_example("kpop_episode.ctoon", tmp_path / "graphs"))
    story = window.bridge.card("story").sceneBoundingRect()
    assert window.viewer.visible_scene_rect().contains(story)  # from where the story starts


@pytest.mark.slow
def test_the_default_view_of_the_kpop_episode_is_readable(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    _open_at_default_view(qtbot, window, tmp_path)
    viewer = window.viewer
    zoom = viewer.zoom()
    assert zoom >= READABLE_ZOOM - 1e-6
    for name in ("label", "small", "pill", "title", "text"):  # ports, model, cost, title
        assert _pixel_size(name, zoom, viewer) >= READABLE_PX, name
    shot = tmp_path / "kpop_episode_default_view.png"
    assert window.grab().save(str(shot))
    print(f"\nscreenshot: {shot}")
    image = QtGui.QImage(str(shot))
    assert image.width() >= 1600 and image.height() >= 1000
    shown = [
        window.bridge.card(n)
        for n in window.document.graph.nodes
        if viewer.visible_scene_rect().intersects(window.bridge.card(n).sceneBoundingRect())
    ]
    assert len(shown) >= 4
    assert all(card.last_detail == "full" for card in shown)  # painted with their labels


def _wheel(viewer: Any, notches: int, modifiers: Any = QtCore.Qt.KeyboardModifier.NoModifier):
    port = viewer.viewport()
    center = QtCore.QPointF(port.rect().center())
    for _ in range(abs(notches)):
        event = QtGui.QWheelEvent(
            center,
            QtCore.QPointF(port.mapToGlobal(center.toPoint())),
            QtCore.QPoint(),
            QtCore.QPoint(0, 120 if notches > 0 else -120),
            QtCore.Qt.MouseButton.NoButton,
            modifiers,
            QtCore.Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QtWidgets.QApplication.sendEvent(port, event)


@pytest.mark.slow
def test_three_wheel_notches_zoom_about_twice(qtbot: Any, window: Any, tmp_path: Path) -> None:
    _open_at_default_view(qtbot, window, tmp_path)
    viewer = window.viewer
    before = viewer.zoom()
    under = viewer.mapToScene(viewer.viewport().rect().center())
    _wheel(viewer, 3)
    assert viewer.zoom() / before >= 1.9
    after = viewer.mapToScene(viewer.viewport().rect().center())
    assert abs(after.x() - under.x()) < 2 and abs(after.y() - under.y()) < 2  # about the cursor
    _wheel(viewer, -3)
    assert abs(viewer.zoom() - before) < 1e-6


@pytest.mark.slow
def test_shift_wheel_scrolls_sideways_without_zooming(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    _open_at_default_view(qtbot, window, tmp_path)
    viewer = window.viewer
    zoom, left = viewer.zoom(), viewer.visible_scene_rect().left()
    _wheel(viewer, -3, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert viewer.zoom() == zoom
    assert viewer.visible_scene_rect().left() > left + 50  # on towards the end of the graph


@pytest.mark.slow
def test_fit_shows_a_small_graph_whole_and_never_past_one_to_one(qtbot: Any, window: Any) -> None:
    node = window.bridge.add_node("text", (0.0, 0.0), {"text": "one idea"})
    window.bridge.fit()
    viewer = window.viewer
    assert viewer.zoom() == 1.0
    assert viewer.visible_scene_rect().contains(window.bridge.card(node).sceneBoundingRect())


@pytest.mark.slow
def test_show_all_zooms_out_past_readable_and_cards_summarise(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    _open_at_default_view(qtbot, window, tmp_path)
    window.bridge.show_all()
    viewer = window.viewer
    assert viewer.zoom() < READABLE_ZOOM
    view = viewer.visible_scene_rect()
    assert all(
        view.contains(window.bridge.card(n).sceneBoundingRect())
        for n in window.document.graph.nodes
    )
    viewer.zoom_by(0.3 / viewer.zoom())
    viewer.viewport().grab()  # paint
    card = window.bridge.card("story")
    assert card.last_detail == "summary"  # no 3 px port labels: the title, large
    window.bridge.fit()
    viewer.viewport().grab()
    assert card.last_detail == "full"


@pytest.mark.slow
def test_a_smaller_window_keeps_the_zoom(qtbot: Any, window: Any, tmp_path: Path) -> None:
    _open_at_default_view(qtbot, window, tmp_path)
    zoom = window.viewer.zoom()
    window.resize(1200, 800)
    qtbot.waitUntil(lambda: window.width() == 1200, timeout=10_000)
    assert abs(window.viewer.zoom() - zoom) < 1e-6
