"""Editing on the canvas: copy/paste and duplicate, delete and undo, moves, drops of images,
the node palette, pin and re-roll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from canvastoon_desktop.core.graph import Edge
from canvastoon_desktop.ui import clipboard
from canvastoon_desktop.ui.canvas import NODE_TYPE_MIME
from canvastoon_desktop.ui.commands import ConnectCommand
from tests.support.shown import shown_dialog
from tests.ui.uihelpers import drag, run_offline_example, wait_run


def _chain(window: Any) -> tuple[str, str, str]:
    bridge = window.bridge
    graph = window.document.graph
    idea = bridge.add_node("text", (0.0, 0.0), {"text": "a dance on the rooftop"})
    writer = bridge.add_node(
        "prompt_llm", (320.0, 0.0), {"model": "local/template-writer", "instructions": "short"}
    )
    card = bridge.add_node("image_gen", (640.0, 0.0), {"model": "local/storyboard-card"})
    bridge.push(ConnectCommand(graph, Edge(idea, "text", writer, "text")))
    bridge.push(ConnectCommand(graph, Edge(writer, "text", card, "prompt")))
    return idea, writer, card


@pytest.mark.slow
def test_copy_paste_keeps_params_and_internal_edges_with_new_ids(qtbot: Any, window: Any) -> None:
    idea, writer, card = _chain(window)
    graph = window.document.graph
    window.bridge.select([idea, writer])  # the edge writer -> card leaves the selection
    assert window.copy()
    mime = QtWidgets.QApplication.clipboard().mimeData()
    assert mime.hasFormat(clipboard.NODES_MIME)
    pasted = window.paste()
    assert len(pasted) == 2 and not set(pasted) & {idea, writer, card}
    assert len(graph) == 5
    by_type = {graph.nodes[n].type: graph.nodes[n] for n in pasted}
    assert by_type["text"].params["text"] == "a dance on the rooftop"
    assert by_type["prompt_llm"].params["instructions"] == "short"
    assert Edge(by_type["text"].id, "text", by_type["prompt_llm"].id, "text") in graph.edges
    assert len(graph.edges) == 3  # the two originals and the one inside the copy
    assert by_type["text"].position == (40.0, 40.0)
    assert set(window.bridge.selected_ids()) == set(pasted)
    window.actions_by_name["undo"].trigger()  # one step takes the whole paste away
    assert len(graph) == 3 and len(graph.edges) == 2


@pytest.mark.slow
def test_duplicate_and_delete_with_undo(qtbot: Any, window: Any) -> None:
    idea, writer, card = _chain(window)
    graph = window.document.graph
    window.bridge.select([writer, card])
    copies = window.duplicate()
    assert len(copies) == 2 and len(graph.edges) == 3
    window.bridge.select([writer])
    window.delete_selection()
    assert writer not in graph.nodes
    assert all(writer not in (e.src_node, e.dst_node) for e in graph.edges)
    assert window.bridge.card(writer) is None
    window.actions_by_name["undo"].trigger()
    assert writer in graph.nodes
    assert Edge(idea, "text", writer, "text") in graph.edges
    assert Edge(writer, "text", card, "prompt") in graph.edges
    pipes = window.bridge.canvas_node(writer).inputs()["text"].view.connected_pipes
    assert len(pipes) == 1


@pytest.mark.slow
def test_deleting_two_connected_nodes_undoes_cleanly(qtbot: Any, window: Any) -> None:
    idea, writer, card = _chain(window)
    graph = window.document.graph
    window.bridge.select([idea, writer, card])
    window.delete_selection()
    assert len(graph) == 0 and graph.edges == []
    window.actions_by_name["undo"].trigger()
    assert len(graph) == 3 and len(graph.edges) == 2
    window.actions_by_name["redo"].trigger()
    assert len(graph) == 0


@pytest.mark.slow
def test_a_drag_of_a_node_is_one_move(qtbot: Any, window: Any) -> None:
    node_id = window.bridge.add_node("text", (0.0, 0.0))
    window.bridge.fit()
    card = window.bridge.card(node_id)
    start = window.viewer.mapFromScene(card.sceneBoundingRect().center())
    drag(qtbot, window.viewer, start, start + QtCore.QPoint(120, 60))
    graph = window.document.graph
    moved = graph.nodes[node_id].position
    assert moved != (0.0, 0.0)
    assert tuple(card.xy_pos) == moved
    window.actions_by_name["undo"].trigger()
    assert graph.nodes[node_id].position == (0.0, 0.0)
    assert tuple(card.xy_pos) == (0.0, 0.0)


@pytest.mark.slow
def test_dropping_images_makes_load_image_nodes(qtbot: Any, window: Any, tmp_path: Path) -> None:
    pictures = []
    for name in ("mina.png", "jun.png"):
        Image.new("RGB", (90, 160), (200, 80, 140)).save(tmp_path / name)
        pictures.append(tmp_path / name)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in pictures])
    window.viewer.data_dropped.emit(mime, QtCore.QPoint(100, 200))
    graph = window.document.graph
    loads = [n for n in graph if n.type == "load_image"]
    assert len(loads) == 2
    assert {Path(n.params["path"]).name for n in loads} == {"mina.png", "jun.png"}
    assert loads[0].position == (100.0, 200.0)
    window.actions_by_name["undo"].trigger()
    assert len(graph) == 0


@pytest.mark.slow
def test_palette_search_filters_and_adds(qtbot: Any, window: Any) -> None:
    palette = window.palette
    window.focus_palette()
    QTest.keyClicks(palette.search, "inpa")
    assert palette.visible_types() == ["inpaint"]
    palette.filter("veo")  # finds node types by their models too
    assert palette.visible_types() == ["video"]
    palette.filter("")
    assert len(palette.visible_types()) == len(list(window.registry))
    palette.search.setText("load im")
    QTest.keyClick(palette.search, QtCore.Qt.Key.Key_Return)
    graph = window.document.graph
    assert [n.type for n in graph] == ["load_image"]
    # a drag from the palette carries the node type
    palette.filter("text")
    item = palette.results.topLevelItem(0)
    mime = palette.results.mimeData([item])
    assert bytes(mime.data(NODE_TYPE_MIME).data()).decode() == "text"
    window.viewer.data_dropped.emit(mime, QtCore.QPoint(0, 300))
    assert sorted(n.type for n in graph) == ["load_image", "text"]


@pytest.mark.slow
def test_pin_and_reroll(qtbot: Any, window: Any, tmp_path: Path) -> None:
    run_offline_example(qtbot, window, tmp_path)
    graph = window.document.graph
    first = window.states.get("card").preview()
    window.toggle_pin(["card"])
    assert graph.nodes["card"].pins
    card = window.bridge.card("card")
    assert ("PIN", "#ff5fa2") in card.badges
    window.actions_by_name["undo"].trigger()
    assert not graph.nodes["card"].pins
    window.reroll(["card"])
    assert graph.nodes["card"].reroll_count() == 1
    record = wait_run(qtbot, window)
    qtbot.waitUntil(
        lambda: len(window.runner.records) == 2 and window.runner.active is None, timeout=30_000
    )
    record = window.runner.records[0]
    assert record.summary.nodes["card"].status == "done"  # ran again, not from the cache
    assert window.states.get("card").preview() is not None
    assert first is not None


@pytest.mark.slow
def test_edit_mask_paints_a_mask_in_front_of_inpaint(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    mask_painter = __import__("pytest").importorskip("canvastoon_desktop.ui.mask_painter")
    run_offline_example(qtbot, window, tmp_path)
    window.edit_mask("cleanup")
    dialog = shown_dialog(qtbot, mask_painter.MaskPainterDialog)
    dialog.canvas.invert()  # paint everything
    dialog.accept()
    graph = window.document.graph
    feeding = [e for e in graph.incoming("cleanup") if e.dst_port == "mask"]
    assert len(feeding) == 1 and graph.nodes[feeding[0].src_node].type == "painted_mask"
    assert window.bridge.card(feeding[0].src_node) is not None
    window.actions_by_name["undo"].trigger()
    feeding = [e for e in graph.incoming("cleanup") if e.dst_port == "mask"]
    assert [e.src_node for e in feeding] == ["mask"]
