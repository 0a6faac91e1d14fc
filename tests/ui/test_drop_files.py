"""Dropping files on the canvas, through Qt's own drag-and-drop events (enter, move, drop):
images become Load Image nodes where they are dropped, a graph file opens, anything else is
refused with a word on what can be dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6 import QtCore, QtGui, QtWidgets

from tests.ui.uihelpers import copy_example


def _drop(window: Any, paths: list[Path], at: QtCore.QPoint) -> bool:
    """A file manager's drag over the canvas: enter, move, drop. True when it was taken."""
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in paths])
    port = window.viewer.viewport()
    copy = QtCore.Qt.DropAction.CopyAction
    left = QtCore.Qt.MouseButton.LeftButton
    none = QtCore.Qt.KeyboardModifier.NoModifier
    enter = QtGui.QDragEnterEvent(QtCore.QPointF(at), copy, mime, left, none)
    QtWidgets.QApplication.sendEvent(port, enter)
    if not enter.isAccepted():
        return False
    move = QtGui.QDragMoveEvent(QtCore.QPointF(at), copy, mime, left, none)
    QtWidgets.QApplication.sendEvent(port, move)
    drop = QtGui.QDropEvent(QtCore.QPointF(at), copy, mime, left, none)
    QtWidgets.QApplication.sendEvent(port, drop)
    return drop.isAccepted()


def _pictures(tmp_path: Path) -> list[Path]:
    made = []
    for name, size in (("mina.png", (90, 160)), ("jun.jpg", (72, 128))):
        Image.new("RGB", size, (200, 80, 140)).save(tmp_path / name)
        made.append(tmp_path / name)
    return made


@pytest.mark.slow
def test_dropped_images_become_load_image_nodes_under_the_cursor(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    at = QtCore.QPoint(300, 200)
    scene_at = window.viewer.mapToScene(at)
    assert _drop(window, _pictures(tmp_path), at)
    graph = window.document.graph
    loads = sorted((n for n in graph if n.type == "load_image"), key=lambda n: n.position)
    assert [Path(n.params["path"]).name for n in loads] == ["mina.png", "jun.jpg"]
    assert [n.title for n in loads] == ["mina", "jun"]
    x, y = loads[0].position
    assert abs(x - scene_at.x()) <= 1 and abs(y - scene_at.y()) <= 1
    assert window.document.stack.undoText() == "add 2 images"
    assert set(window.bridge.selected_ids()) == {n.id for n in loads}
    # the images show on their cards once loaded
    body = window.bridge.card(loads[0].id).body
    window.runner.plan_now()
    qtbot.waitUntil(
        lambda: (
            body.state.preview() is not None and body.pixmap_for(body.state.preview()) is not None
        ),
        timeout=10_000,
    )
    window.actions_by_name["undo"].trigger()
    assert len(graph) == 0


@pytest.mark.slow
def test_a_dropped_graph_file_opens(qtbot: Any, window: Any, tmp_path: Path) -> None:
    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    assert _drop(window, [path], QtCore.QPoint(200, 200))
    qtbot.waitUntil(lambda: window.document.path == path, timeout=10_000)
    assert len(window.document.graph) == 7


@pytest.mark.slow
def test_other_files_are_refused_with_what_can_be_dropped(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    _drop(window, [notes], QtCore.QPoint(200, 200))
    assert len(window.document.graph) == 0
    assert "Only images" in window.statusBar().currentMessage()


@pytest.mark.slow
def test_a_drag_of_something_else_is_not_taken(qtbot: Any, window: Any) -> None:
    mime = QtCore.QMimeData()
    mime.setText("just words")
    enter = QtGui.QDragEnterEvent(
        QtCore.QPointF(100, 100),
        QtCore.Qt.DropAction.CopyAction,
        mime,
        QtCore.Qt.MouseButton.LeftButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
    )
    QtWidgets.QApplication.sendEvent(window.viewer.viewport(), enter)
    assert not enter.isAccepted()
