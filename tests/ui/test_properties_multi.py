"""Several nodes selected: the Properties panel says what they are, offers Run and Re-roll
for all, and — for nodes of one type — the parameters they share, marking those whose values
differ; one edit sets them all as one undo step (keystrokes merged)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtWidgets
from PySide6.QtTest import QTest


def _labels(panel: Any) -> list[str]:
    return [w.text() for w in panel.scroll.widget().findChildren(QtWidgets.QLabel)]


def _two_cards(window: Any) -> tuple[str, str]:
    one = window.bridge.add_node(
        "image_gen", (0.0, 0.0), {"model": "local/storyboard-card", "size": "540x960"}
    )
    two = window.bridge.add_node(
        "image_gen", (300.0, 0.0), {"model": "local/storyboard-card", "size": "720x1280"}
    )
    window.bridge.select([one, two])
    window._selection_changed()
    return one, two


@pytest.mark.slow
def test_the_shared_parameters_of_two_cards_are_set_on_both(qtbot: Any, window: Any) -> None:
    one, two = _two_cards(window)
    panel = window.properties
    assert set(panel.node_ids) == {one, two}
    labels = _labels(panel)
    assert "2 nodes selected" in labels and "2 × Image Gen" in labels
    assert {"model", "size", "prompt"} <= set(panel.editors)
    assert any("Differs between the nodes" in t for t in labels)  # size: 540 vs 720
    combo = panel.editors["size"].widget
    index = combo.findData("1080x1920")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    graph = window.document.graph
    assert graph.nodes[one].params["size"] == graph.nodes[two].params["size"] == "1080x1920"
    window.actions_by_name["undo"].trigger()  # one step puts both back
    assert graph.nodes[one].params["size"] == "540x960"
    assert graph.nodes[two].params["size"] == "720x1280"


@pytest.mark.slow
def test_typing_a_shared_prompt_is_one_undo_step(qtbot: Any, window: Any) -> None:
    one, two = _two_cards(window)
    edit = window.properties.editors["prompt"].edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=10_000)
    stack = window.document.stack
    before = stack.count()
    QTest.keyClicks(edit, "rain")
    graph = window.document.graph
    assert graph.nodes[one].params["prompt"] == graph.nodes[two].params["prompt"] == "rain"
    assert stack.count() == before + 1
    stack.undo()
    assert graph.nodes[one].params.get("prompt", "") == ""


@pytest.mark.slow
def test_nodes_of_different_types_get_a_summary_and_actions(qtbot: Any, window: Any) -> None:
    text = window.bridge.add_node("text", (0.0, 0.0), {"text": "idea"})
    card = window.bridge.add_node("image_gen", (300.0, 0.0), {"model": "local/storyboard-card"})
    window.bridge.select([text, card])
    window._selection_changed()
    panel = window.properties
    labels = _labels(panel)
    assert any("one type" in t for t in labels) and not panel.editors
    asked: list[list[str]] = []
    panel.run_many_requested.connect(asked.append)
    run = next(
        b
        for b in panel.scroll.widget().findChildren(QtWidgets.QPushButton)
        if b.text() == "Run these"
    )
    run.click()
    assert sorted(asked[0]) == sorted([text, card])
