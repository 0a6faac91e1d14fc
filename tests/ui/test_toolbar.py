"""The toolbar and menus keep still and say names as they are: Undo / Redo buttons keep
their width whatever would be undone (the menu and tooltip say what), an "&" in a name is
shown rather than taken for a shortcut mark, and the mask painter keeps its size."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core.graph import Edge
from canvastoon_desktop.ui.commands import ConnectCommand, SetTitleCommand, push
from canvastoon_desktop.ui.mask_painter import MaskPainterDialog
from tests.support.library_factory import png_bytes
from tests.support.shown import shown_dialog
from tests.ui.uihelpers import run_offline_example


def _button(window: Any, name: str) -> Any:
    return window.toolbar.widgetForAction(window.actions_by_name[name])


@pytest.mark.slow
def test_run_stays_put_as_the_undo_text_grows(qtbot: Any, window: Any) -> None:
    run = _button(window, "run_all")
    before = run.geometry()
    bridge, graph = window.bridge, window.document.graph
    image = bridge.add_node("image_gen", (0.0, 0.0), {"model": "local/storyboard-card"})
    video = bridge.add_node("video", (400.0, 0.0), {"model": "local/pan-zoom"})
    push(window.document.stack, SetTitleCommand(graph, image, "Opening shot of the rooftop"))
    bridge.push(ConnectCommand(graph, Edge(image, "image", video, "image")))
    undo = window.actions_by_name["undo"]
    assert "connect Opening shot of the rooftop → Video" in undo.text()
    assert "connect Opening shot of the rooftop → Video" in undo.toolTip()
    assert _button(window, "undo").text() == "Undo"
    qtbot.waitUntil(lambda: run.geometry() == before, timeout=5_000)  # nothing moved
    window.actions_by_name["undo"].trigger()
    assert _button(window, "redo").text() == "Redo"
    assert run.geometry() == before


@pytest.mark.slow
def test_an_ampersand_in_a_name_is_shown_not_eaten(qtbot: Any, window: Any, tmp_path: Path) -> None:
    graph = window.document.graph
    node = window.bridge.add_node("text", (0.0, 0.0), {"text": "duet"})
    push(window.document.stack, SetTitleCommand(graph, node, "Mina & Jun"))
    push(window.document.stack, SetTitleCommand(graph, node, "Duet"))
    # "&&" is how Qt shows one "&"; a lone "&" would underline the next letter instead
    assert window.actions_by_name["undo"].text() == "&Undo rename Mina && Jun"
    assert window._save_to(tmp_path / "Rock & Roll.ctoon")
    recent = [a.text() for a in window.recent_menu.actions()]
    assert "Rock && Roll.ctoon" in recent


@pytest.mark.slow
def test_the_mask_painter_keeps_its_size_and_names_the_node(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    image = tmp_path / "cut.png"
    image.write_bytes(png_bytes(3, 180, 320))
    dialog = MaskPainterDialog(image, None, window, name="Cleanup")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    undo = next(b for b in dialog.findChildren(type(dialog.brush_button)) if b.text() == "Undo")
    width, hint = dialog.width(), undo.sizeHint().width()
    for _ in range(3):
        dialog.canvas.invert()
    assert undo.text() == "Undo" and undo.sizeHint().width() == hint
    assert dialog.width() == width
    assert dialog.windowTitle() == "Paint mask — Cleanup"
    dialog.reject()


@pytest.mark.slow
def test_edit_mask_titles_the_painter_with_the_node_not_a_file_hash(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    run_offline_example(qtbot, window, tmp_path)
    window.edit_mask("cleanup")
    dialog = shown_dialog(qtbot, MaskPainterDialog)
    assert dialog.windowTitle() == f"Paint mask — {window.document.graph.display_name('cleanup')}"
    assert not re.search(r"[0-9a-f]{32}", dialog.windowTitle())
    dialog.reject()
