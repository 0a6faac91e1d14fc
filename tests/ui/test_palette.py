"""The node palette: a double-click adds one node; a search ranks node types by how well
they match and Enter adds the best one, under the cursor when the search was opened from
the canvas with Tab."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtCore, QtGui
from PySide6.QtTest import QTest

from canvastoon_desktop.ui.palette import TYPE_ROLE


def _palette_item(palette: Any, type_id: str) -> Any:
    tree = palette.tree
    for i in range(tree.topLevelItemCount()):
        header = tree.topLevelItem(i)
        for j in range(header.childCount()):
            if header.child(j).data(0, TYPE_ROLE) == type_id:
                return header.child(j)
    raise AssertionError(f"no palette entry for {type_id}")


@pytest.mark.slow
def test_double_clicking_a_palette_entry_adds_the_node_once(qtbot: Any, window: Any) -> None:
    palette = window.palette
    item = _palette_item(palette, "image_gen")
    palette.tree.scrollToItem(item)
    point = palette.tree.visualItemRect(item).center()
    # what a real double-click sends: a click, then the double-click (QTest's mouseDClick
    # alone is only the second half)
    for send in (QTest.mouseClick, QTest.mouseDClick):
        send(
            palette.tree.viewport(),
            QtCore.Qt.MouseButton.LeftButton,
            QtCore.Qt.KeyboardModifier.NoModifier,
            point,
        )
    graph = window.document.graph
    qtbot.waitUntil(lambda: len(graph) >= 1, timeout=10_000)
    qtbot.wait(50)  # a second, stacked node would be added by the same double-click
    assert [n.type for n in graph] == ["image_gen"]
    assert window.document.stack.count() == 1


@pytest.mark.slow
def test_search_ranks_by_match_not_by_category(qtbot: Any, window: Any) -> None:
    palette = window.palette
    window.focus_palette()
    QTest.keyClicks(palette.search, "prom")
    # "Text" mentions prompts in its description and comes first in the tree; the node
    # whose title starts with the word wins
    assert palette.visible_types()[0] == "prompt_llm"
    assert palette.results.isVisibleTo(palette) and not palette.tree.isVisibleTo(palette)
    QTest.keyClick(palette.search, QtCore.Qt.Key.Key_Return)
    assert [n.type for n in window.document.graph] == ["prompt_llm"]


@pytest.mark.slow
def test_a_title_match_beats_a_model_or_description_match(qtbot: Any, window: Any) -> None:
    palette = window.palette
    palette.filter("video")
    ranked = palette.visible_types()
    assert ranked[0] == "video"  # the title is the word
    assert ranked.index("route_video") < ranked.index("assemble_short")  # title word vs description
    palette.filter("veo")  # found by its model alone
    assert palette.visible_types() == ["video"]
    palette.filter("zzzz")
    assert palette.visible_types() == []
    palette.filter("")
    assert palette.tree.isVisibleTo(palette)
    assert len(palette.visible_types()) == len(list(window.registry))


@pytest.mark.slow
def test_tab_search_drops_the_node_at_the_cursor(qtbot: Any, window: Any) -> None:
    viewer = window.viewer
    port = viewer.viewport()
    spot = QtCore.QPoint(port.width() // 4, port.height() // 3)
    QtGui.QCursor.setPos(port.mapToGlobal(spot))
    qtbot.waitUntil(lambda: port.mapFromGlobal(QtGui.QCursor.pos()) == spot, timeout=10_000)
    viewer.setFocus()
    qtbot.waitUntil(viewer.hasFocus, timeout=10_000)
    QTest.keyClick(viewer, QtCore.Qt.Key.Key_Tab)
    assert window.palette.search.hasFocus()
    QTest.keyClicks(window.palette.search, "inpaint")
    QTest.keyClick(window.palette.search, QtCore.Qt.Key.Key_Return)
    (node,) = list(window.document.graph)
    assert node.type == "inpaint"
    card = window.bridge.card(node.id)
    header = viewer.mapFromScene(card.sceneBoundingRect().topLeft() + QtCore.QPointF(40, 15))
    assert (header - spot).manhattanLength() < 20  # its header sits under the cursor
    assert viewer.hasFocus()  # back on the canvas, ready for the next key


@pytest.mark.slow
def test_without_tab_the_node_goes_to_the_middle_of_the_view(qtbot: Any, window: Any) -> None:
    window.palette.search.setFocus()
    window.palette.search.setText("text")
    QTest.keyClick(window.palette.search, QtCore.Qt.Key.Key_Return)
    (node,) = list(window.document.graph)
    center = window.viewer.mapToScene(window.viewer.viewport().rect().center())
    card = window.bridge.card(node.id).sceneBoundingRect()
    assert abs(card.center().x() - center.x()) < 140 and abs(card.top() - center.y()) < 140
