"""Backdrops: a labelled frame around the selected nodes, saved in the graph file; dragged by
its title it moves the nodes on it (one undo step); its corner resizes it; a click on its
body starts a rubber band instead; it can be renamed, recoloured and deleted keeping its
nodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets

from canvastoon_desktop.core.backdrops import BACKDROP_COLORS
from canvastoon_desktop.core.fileformat import load_graph
from tests.support.shown import shown_dialog, shown_menu
from tests.ui.uihelpers import copy_example, drag


def _framed_cast(qtbot: Any, window: Any, tmp_path: Path) -> str:
    """The K-pop episode with a backdrop "Cast" around the two characters and their images."""
    with qtbot.waitSignal(window.bridge.framed, timeout=10_000):  # the opening fit is done
        assert window.open_file(copy_example("kpop_episode.ctoon", tmp_path / "graphs"))
    window.bridge.fit(["mina_ref", "jun_ref", "mina", "jun"])
    window.bridge.select(["mina_ref", "jun_ref", "mina", "jun"])
    backdrop_id = window.add_backdrop()
    dialog = shown_dialog(qtbot, QtWidgets.QInputDialog)  # it asks for a name at once
    dialog.setTextValue("Cast")
    dialog.accept()
    return backdrop_id


def _title_point(window: Any, backdrop_id: str) -> QtCore.QPoint:
    item = window.bridge.backdrops.items[backdrop_id]
    return window.viewer.mapFromScene(item.scenePos() + QtCore.QPointF(80.0, 14.0))


@pytest.mark.slow
def test_a_backdrop_frames_the_selection_and_is_saved_in_the_file(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    backdrop_id = _framed_cast(qtbot, window, tmp_path)
    graph = window.document.graph
    backdrop = graph.backdrops[backdrop_id]
    assert backdrop.title == "Cast"
    item = window.bridge.backdrops.items[backdrop_id]
    for node_id in ("mina_ref", "jun_ref", "mina", "jun"):
        assert item.sceneBoundingRect().contains(window.bridge.card(node_id).sceneBoundingRect())
    assert sorted(window.bridge.backdrops.nodes_on(backdrop_id)) == sorted(
        ["jun", "jun_ref", "mina", "mina_ref"]
    )
    assert window.save()
    again = load_graph(window.document.path, window.registry)
    assert again.backdrops == graph.backdrops
    # reopened, it is drawn where it was
    with qtbot.waitSignal(window.bridge.framed, timeout=10_000):
        assert window.open_file(window.document.path)
    reopened = window.bridge.backdrops.items[backdrop_id]
    assert reopened.current_rect() == backdrop.rect and reopened.title == "Cast"


def test_dragging_the_title_moves_the_backdrop_with_its_nodes_in_one_step(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    backdrop_id = _framed_cast(qtbot, window, tmp_path)
    graph = window.document.graph
    before = {n: graph.nodes[n].position for n in ("mina", "jun", "story")}
    rect_before = graph.backdrops[backdrop_id].rect
    start = _title_point(window, backdrop_id)
    steps_before = window.document.stack.index()
    drag(qtbot, window.viewer, start, start + QtCore.QPoint(0, 120))
    zoom = window.viewer.zoom()
    dy = 120 / zoom
    moved = graph.backdrops[backdrop_id].rect
    assert abs(moved[1] - rect_before[1] - dy) < 2 and moved[0] == rect_before[0]
    for node_id in ("mina", "jun"):
        assert abs(graph.nodes[node_id].position[1] - before[node_id][1] - dy) < 2
    assert graph.nodes["story"].position == before["story"]  # not on the backdrop: stays
    assert window.document.stack.index() == steps_before + 1
    assert window.document.stack.undoText() == "move backdrop Cast"
    window.actions_by_name["undo"].trigger()
    assert graph.backdrops[backdrop_id].rect == rect_before
    assert graph.nodes["mina"].position == before["mina"]
    assert window.bridge.backdrops.items[backdrop_id].current_rect() == rect_before


@pytest.mark.slow
def test_the_corner_resizes_and_a_click_on_the_body_starts_a_rubber_band(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    backdrop_id = _framed_cast(qtbot, window, tmp_path)
    graph = window.document.graph
    item = window.bridge.backdrops.items[backdrop_id]
    x, y, width, height = graph.backdrops[backdrop_id].rect
    corner = window.viewer.mapFromScene(QtCore.QPointF(x + width - 8, y + height - 8))
    drag(qtbot, window.viewer, corner, corner + QtCore.QPoint(60, 40))
    grown = graph.backdrops[backdrop_id].rect
    assert grown[2] > width + 40 and grown[3] > height + 25 and grown[:2] == (x, y)
    window.actions_by_name["undo"].trigger()
    assert graph.backdrops[backdrop_id].rect == (x, y, width, height)
    # a press on the body (between the cards) is not a press on the backdrop
    window.bridge.select([])
    inside = item.sceneBoundingRect().bottomLeft() + QtCore.QPointF(12, -12)
    start = window.viewer.mapFromScene(inside)
    mina = window.viewer.mapFromScene(window.bridge.card("mina").sceneBoundingRect().center())
    drag(qtbot, window.viewer, start, mina)
    assert not item.isSelected()
    assert graph.backdrops[backdrop_id].rect == (x, y, width, height)  # not moved
    assert "jun_ref" in window.bridge.selected_ids()  # the rubber band caught the card


@pytest.mark.slow
def test_rename_recolour_and_delete_keeping_the_nodes(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    backdrop_id = _framed_cast(qtbot, window, tmp_path)
    graph = window.document.graph
    title = _title_point(window, backdrop_id)
    from PySide6.QtTest import QTest

    for send in (QTest.mouseClick, QTest.mouseDClick):  # a real double-click
        send(
            window.viewer.viewport(),
            QtCore.Qt.MouseButton.LeftButton,
            QtCore.Qt.KeyboardModifier.NoModifier,
            title,
        )
    dialog = shown_dialog(qtbot, QtWidgets.QInputDialog)
    dialog.setTextValue("Mina & Jun")
    dialog.accept()
    assert graph.backdrops[backdrop_id].title == "Mina & Jun"
    window._backdrop_menu(QtCore.QPointF(), backdrop_id)
    menu = shown_menu(qtbot)
    colours = next(a.menu() for a in menu.actions() if a.text() == "Colour")
    next(a for a in colours.actions() if a.text() == "Teal").trigger()
    assert graph.backdrops[backdrop_id].color == BACKDROP_COLORS["teal"]
    next(a for a in menu.actions() if a.text().startswith("Delete Backdrop")).trigger()
    assert backdrop_id not in graph.backdrops
    assert backdrop_id not in window.bridge.backdrops.items
    assert {"mina", "jun", "mina_ref", "jun_ref"} <= set(graph.nodes)
    window.actions_by_name["undo"].trigger()
    assert graph.backdrops[backdrop_id].color == BACKDROP_COLORS["teal"]
