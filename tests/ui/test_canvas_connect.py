"""Connecting typed ports on the canvas with the mouse, as a user does."""

from __future__ import annotations

from typing import Any

import pytest

from canvastoon_desktop.core.graph import Edge
from tests.ui.uihelpers import drag, port_point


def _three_nodes(window: Any) -> tuple[str, str, str]:
    bridge = window.bridge
    text = bridge.add_node("text", (0.0, 0.0), {"text": "a rooftop at night"})
    writer = bridge.add_node("prompt_llm", (320.0, 0.0))
    video = bridge.add_node("video", (320.0, 260.0))
    bridge.fit()
    return text, writer, video


@pytest.mark.slow
def test_drag_connects_two_compatible_ports(qtbot: Any, window: Any) -> None:
    text, writer, _video = _three_nodes(window)
    graph = window.document.graph
    start = port_point(window, text, "text", output=True)
    end = port_point(window, writer, "text", output=False)
    drag(qtbot, window.viewer, start, end)
    assert Edge(text, "text", writer, "text") in graph.edges
    # the canvas shows the wire too
    in_port = window.bridge.canvas_node(writer).inputs()["text"].view
    assert len(in_port.connected_pipes) == 1


@pytest.mark.slow
def test_incompatible_drag_is_refused_with_the_reason(qtbot: Any, window: Any) -> None:
    text, _writer, video = _three_nodes(window)
    graph = window.document.graph
    start = port_point(window, text, "text", output=True)
    end = port_point(window, video, "image", output=False)
    drag(qtbot, window.viewer, start, end)
    assert graph.edges == []
    reason = "a Text output cannot feed an Image input"
    assert window.statusBar().currentMessage() == f"Not connected: {reason}"
    in_port = window.bridge.canvas_node(video).inputs()["image"].view
    assert in_port.connected_pipes == []


@pytest.mark.slow
def test_the_reason_shows_beside_the_cursor_while_dragging(qtbot: Any, window: Any) -> None:
    from PySide6 import QtCore, QtWidgets
    from PySide6.QtTest import QTest

    text, _writer, video = _three_nodes(window)
    start = port_point(window, text, "text", output=True)
    end = port_point(window, video, "image", output=False)
    viewport = window.viewer.viewport()
    QTest.mouseMove(viewport, start)
    QTest.mousePress(
        viewport, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, start
    )
    for i in range(1, 11):
        QTest.mouseMove(viewport, start + (end - start) * i / 10)
        QtWidgets.QApplication.processEvents()
    hint = window.viewer._hint
    assert hint.isVisible() and "cannot feed" in hint.text
    QTest.mouseRelease(
        viewport, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, end
    )
    QtWidgets.QApplication.processEvents()
    assert not hint.isVisible()


@pytest.mark.slow
def test_undo_and_redo_a_connection(qtbot: Any, window: Any) -> None:
    text, writer, _video = _three_nodes(window)
    graph = window.document.graph
    drag(
        qtbot,
        window.viewer,
        port_point(window, text, "text", output=True),
        port_point(window, writer, "text", output=False),
    )
    edge = Edge(text, "text", writer, "text")
    assert edge in graph.edges
    in_port = window.bridge.canvas_node(writer).inputs()["text"].view
    window.actions_by_name["undo"].trigger()
    assert edge not in graph.edges
    assert in_port.connected_pipes == []
    window.actions_by_name["redo"].trigger()
    assert edge in graph.edges
    assert len(in_port.connected_pipes) == 1


@pytest.mark.slow
def test_dragging_a_wire_end_off_disconnects_it(qtbot: Any, window: Any) -> None:
    text, writer, _video = _three_nodes(window)
    graph = window.document.graph
    in_point = port_point(window, writer, "text", output=False)
    drag(qtbot, window.viewer, port_point(window, text, "text", output=True), in_point)
    assert len(graph.edges) == 1
    drag(qtbot, window.viewer, in_point, in_point + type(in_point)(0, 150))
    assert graph.edges == []
    window.actions_by_name["undo"].trigger()
    assert len(graph.edges) == 1


@pytest.mark.slow
def test_a_loop_is_refused(qtbot: Any, window: Any) -> None:
    bridge = window.bridge
    first = bridge.add_node("prompt_llm", (0.0, 0.0))
    second = bridge.add_node("prompt_llm", (320.0, 0.0))
    bridge.fit()
    graph = window.document.graph
    drag(
        qtbot,
        window.viewer,
        port_point(window, first, "text", output=True),
        port_point(window, second, "text", output=False),
    )
    assert len(graph.edges) == 1
    drag(
        qtbot,
        window.viewer,
        port_point(window, second, "text", output=True),
        port_point(window, first, "text", output=False),
    )
    assert len(graph.edges) == 1
    assert window.statusBar().currentMessage() == "Not connected: this connection would make a loop"
