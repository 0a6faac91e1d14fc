"""From the library to the canvas: Reveal on canvas selects the node an asset came from —
in this graph at once, in another graph after offering to open it, or says the graph is
gone; Use as input makes a Load Image node of a library image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from tests.support.shown import answer_next_box, shown_dialog
from tests.ui.uihelpers import run_offline_example


@pytest.mark.slow
def test_reveal_in_this_graph_selects_the_node(qtbot: Any, window: Any, tmp_path: Path) -> None:
    path = run_offline_example(qtbot, window, tmp_path)
    library = window.open_library()
    library.revealRequested.emit(str(path), "card")
    assert window.bridge.selected_ids() == ["card"]
    library.close()


@pytest.mark.slow
def test_reveal_from_another_graph_offers_to_open_it(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    path = run_offline_example(qtbot, window, tmp_path)
    answer_next_box(
        QtWidgets.QMessageBox.StandardButton.Discard
    )  # "Unsaved changes": the run left the graph edited
    window.new_file()
    library = window.open_library()
    library.revealRequested.emit(str(path), "clip")
    offer = shown_dialog(qtbot, QtWidgets.QMessageBox)
    assert "Open the graph" in offer.windowTitle() and path.name in offer.text()
    offer.yes_button.click()
    qtbot.waitUntil(lambda: window.document.path == path, timeout=10_000)
    assert window.bridge.selected_ids() == ["clip"]
    # a graph that is gone says so instead of doing nothing
    library.revealRequested.emit(str(tmp_path / "moved-away.ctoon"), "clip")
    gone = shown_dialog(qtbot, QtWidgets.QMessageBox, unlike=[offer])
    assert "no longer there" in gone.informativeText()
    gone.close()
    library.close()


@pytest.mark.slow
def test_use_as_input_makes_a_load_image_node(qtbot: Any, window: Any, tmp_path: Path) -> None:
    run_offline_example(qtbot, window, tmp_path)
    card = window.states.get("card").preview()
    graph = window.document.graph
    before = set(graph.nodes)
    library = window.open_library()
    library.useAsInputRequested.emit(card.sha256)
    (loaded,) = [graph.nodes[n] for n in set(graph.nodes) - before]
    assert loaded.type == "load_image"
    assert Path(loaded.params["path"]).read_bytes() == card.path.read_bytes()
    library.close()
