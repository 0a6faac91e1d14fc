"""Files: save and reopen keep the graph exactly; a bad file changes nothing; autosave
brings back the changes of a session that did not end cleanly."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from canvastoon_desktop.core.fileformat import graph_to_document, load_graph
from canvastoon_desktop.core.graph import Edge
from tests.support.shown import answer_next_box, shown_dialog
from tests.ui.uihelpers import copy_example, pretend_the_app_died, wait_plan


def _snapshot(graph: Any) -> dict[str, Any]:
    doc = graph_to_document(graph)
    return {
        "nodes": sorted(doc["nodes"], key=lambda n: n["id"]),
        "edges": sorted(map(str, doc["edges"])),
        "meta": doc["meta"],
    }


def _build(window: Any) -> list[str]:
    bridge = window.bridge
    idea = bridge.add_node("text", (10.0, 20.0), {"text": "neon rain"})
    writer = bridge.add_node("prompt_llm", (330.0, 20.0), {"model": "local/template-writer"})
    card = bridge.add_node("image_gen", (650.0, 40.5), {"model": "local/storyboard-card"})
    graph = window.document.graph
    for edge in (Edge(idea, "text", writer, "text"), Edge(writer, "text", card, "prompt")):
        from canvastoon_desktop.ui.commands import ConnectCommand

        assert bridge.push(ConnectCommand(graph, edge))
    return [idea, writer, card]


@pytest.mark.slow
def test_save_close_reopen_is_identical(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    window = make_window()
    ids = _build(window)
    assert window.isWindowModified()
    path = tmp_path / "mine.ctoon"
    assert window._save_to(path)
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("mine.ctoon")
    before = _snapshot(window.document.graph)
    window.close()

    again = make_window()
    assert again.open_file(path)
    graph = again.document.graph
    assert _snapshot(graph) == before
    assert set(graph.nodes) == set(ids)
    assert graph.nodes[ids[2]].position == (650.0, 40.5)
    card = again.bridge.card(ids[2])
    assert tuple(card.xy_pos) == (650.0, 40.5)
    assert not again.isWindowModified()
    assert str(path.resolve()) in again.settings.recent_files


@pytest.mark.slow
def test_a_corrupt_file_shows_an_error_and_changes_nothing(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    good = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    assert window.open_file(good)
    before = _snapshot(window.document.graph)
    bad = tmp_path / "broken.ctoon"
    bad.write_text('{"format": "canvastoon-graph", "version": 2, "nodes": [{"id": "x"', "utf-8")
    assert not window.open_file(bad)
    dialog = shown_dialog(qtbot, QtWidgets.QMessageBox)
    assert "broken.ctoon" in dialog.text()
    dialog.close()
    assert window.document.path == good
    assert _snapshot(window.document.graph) == before
    # a file with a connection between incompatible ports is reported, not silently fixed
    wrong = tmp_path / "wrong.ctoon"
    text = good.read_text("utf-8").replace(
        '"cleanup",\n    "image"\n   ]\n  }', '"cleanup",\n    "mask"\n   ]\n  }', 1
    )
    text = text.replace(
        '"image_prompt",\n    "text"\n   ],\n   "to": [\n    "card",\n    "prompt"',
        '"image_prompt",\n    "text"\n   ],\n   "to": [\n    "card",\n    "references"',
    )
    wrong.write_text(text, "utf-8")
    assert not window.open_file(wrong)
    dialog = shown_dialog(qtbot, QtWidgets.QMessageBox)
    assert "cannot feed" in dialog.informativeText()
    dialog.close()
    assert _snapshot(window.document.graph) == before


@pytest.mark.slow
def test_recovers_unsaved_changes_from_the_autosave(
    qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    window = make_window()
    assert window.open_file(path)
    node_id = window.bridge.add_node("text", (0.0, 400.0), {"text": "unsaved idea"})
    assert window.document.autosave()
    window.document.flush_autosave()
    side = window.document.autosave_file()
    assert side.exists() and not side.is_relative_to(path.parent)  # not beside the file
    # the app dies here: the autosave stays, newer than the file
    os.utime(path, (time.time() - 60, time.time() - 60))
    pretend_the_app_died(monkeypatch)
    window._closing = True  # as if killed: no prompt, no cleanup of the autosave
    window.runner.close()

    again = make_window()
    assert again.open_file(path)
    offer = shown_dialog(qtbot, QtWidgets.QMessageBox, of=again)
    assert "Recover" in offer.windowTitle()
    offer.yes_button.click()
    qtbot.waitUntil(lambda: node_id in again.document.graph.nodes, timeout=10_000)
    assert again.document.graph.nodes[node_id].params["text"] == "unsaved idea"
    assert again.isWindowModified()  # recovered changes are not saved yet
    assert again.save()
    assert not side.exists()  # a clean save removes the autosave
    assert node_id in load_graph(path, again.registry).nodes


@pytest.mark.slow
def test_unsaved_changes_prompt_before_new(qtbot: Any, window: Any) -> None:
    window.bridge.add_node("text", (0.0, 0.0))
    answer_next_box(QtWidgets.QMessageBox.StandardButton.Cancel)
    window.new_file()
    assert len(window.document.graph) == 1
    answer_next_box(QtWidgets.QMessageBox.StandardButton.Discard)
    window.new_file()
    assert len(window.document.graph) == 0
    assert not window.isWindowModified()


@pytest.mark.slow
def test_the_modified_mark_follows_undo(qtbot: Any, window: Any, tmp_path: Path) -> None:
    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    assert window.open_file(path)
    wait_plan(qtbot, window)
    assert not window.isWindowModified()
    window.bridge.add_node("text", (0.0, 400.0))
    assert window.isWindowModified()
    window.actions_by_name["undo"].trigger()
    assert not window.isWindowModified()
