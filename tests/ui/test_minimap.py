"""The minimap: hidden on an empty canvas, the whole graph in small otherwise, with the part
in view outlined; a click in it moves the view there; View ▸ Minimap hides it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from tests.ui.uihelpers import copy_example


@pytest.mark.slow
def test_the_minimap_shows_the_graph_and_where_the_view_is(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    minimap = window.minimap
    assert not minimap.isVisible()  # nothing to show yet
    with qtbot.waitSignal(window.bridge.framed, timeout=10_000):
        assert window.open_file(copy_example("kpop_episode.ctoon", tmp_path / "graphs"))
    qtbot.waitUntil(minimap.isVisible, timeout=10_000)
    view = window.viewer
    corner = view.rect().bottomRight()
    assert minimap.geometry().right() < corner.x() and minimap.geometry().bottom() < corner.y()
    outline = minimap.view_rect()
    # at the readable zoom the K-pop episode does not fit: the outline covers part of it
    assert outline.width() < minimap.width() - 12
    export = window.bridge.card("export").sceneBoundingRect().center()
    spot = target = None  # the first spot of the minimap as far right as the export node
    for x in range(minimap.width()):
        point = minimap.scene_point(QtCore.QPointF(x, minimap.height() / 2))
        if point.x() >= export.x():
            spot = QtCore.QPoint(x, int(minimap.height() / 2))
            target = point
            break
    assert spot is not None and target is not None
    QTest.mouseClick(
        minimap, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, spot
    )
    center = view.visible_scene_rect().center()
    assert abs(center.x() - target.x()) < 2 and abs(center.y() - target.y()) < 2
    assert view.visible_scene_rect().contains(export)  # the end of the graph is in view now


@pytest.mark.slow
def test_the_minimap_follows_edits_and_can_be_hidden(qtbot: Any, window: Any) -> None:
    minimap = window.minimap
    node = window.bridge.add_node("text", (0.0, 0.0), {"text": "idea"})
    qtbot.waitUntil(minimap.isVisible, timeout=10_000)
    window.bridge.add_node("text", (3000.0, 0.0), {"text": "far away"})
    qtbot.waitUntil(lambda: len(minimap.cards) == 2, timeout=10_000)
    window.actions_by_name["minimap"].setChecked(False)
    assert not minimap.isVisible()
    window.actions_by_name["minimap"].setChecked(True)
    assert minimap.isVisible()
    window.bridge.select([node])
    window.bridge.select(list(window.document.graph.nodes))
    window.delete_selection()
    qtbot.waitUntil(lambda: not minimap.isVisible(), timeout=10_000)
