"""The runs panel after a restart: a run of an earlier session still shows how each of its
nodes ended, and its rows lead to the nodes the open graph still has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from tests.support.shown import answer_next_box
from tests.ui.uihelpers import make_workspace, run_offline_example, wait_plan


def rows(tree: QtWidgets.QTreeWidget) -> list[list[str]]:
    return [
        [tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]
        for i in range(tree.topLevelItemCount())
    ]


@pytest.mark.slow
def test_a_run_of_an_earlier_session_shows_how_each_node_ended(
    qtbot: Any, make_window: Any, tmp_path: Path
) -> None:
    first = make_window(make_workspace(tmp_path / "ws"))
    path = run_offline_example(qtbot, first, tmp_path)
    ran = first.runner.records[0].summary
    assert ran is not None

    later = make_window(make_workspace(tmp_path / "ws"))  # the next session, same library
    assert later.open_file(path)
    wait_plan(qtbot, later)
    graph = later.document.graph
    removed = next(n for n in graph.nodes if graph.nodes[n].type == "export")
    removed_name = graph.display_name(removed)
    graph.remove_node(removed)  # the graph moved on since that run
    panel = later.runs_panel
    qtbot.waitUntil(lambda: panel.runs.topLevelItemCount() >= 1, timeout=10_000)
    panel.runs.setCurrentItem(panel.runs.topLevelItem(0))
    qtbot.waitUntil(lambda: panel.nodes.topLevelItemCount() == len(ran.nodes), timeout=10_000)

    panel.refresh()  # as it does a few times a second while another run goes on
    assert panel.runs.currentItem() is panel.runs.topLevelItem(0)
    shown = {name: (state, detail) for name, state, _cost, detail in rows(panel.nodes)}
    assert set(shown) == {graph.display_name(n) for n in ran.nodes if n != removed} | {removed_name}
    assert {state for state, _ in shown.values()} == {"done"}

    # a row of a node the graph still has selects it; the removed one leads nowhere
    here = next(n for n in ran.nodes if n != removed)
    clicked: list[str] = []
    panel.node_clicked.connect(clicked.append)
    for i in range(panel.nodes.topLevelItemCount()):
        item = panel.nodes.topLevelItem(i)
        panel.nodes.itemClicked.emit(item, 0)
    assert here in clicked and removed not in clicked
    assert len(clicked) == len(ran.nodes) - 1


@pytest.mark.slow
def test_the_panel_lists_this_graphs_runs_and_all_on_request(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    run_offline_example(qtbot, window, tmp_path)  # a run of the storyboard
    panel = window.runs_panel
    qtbot.waitUntil(lambda: panel.runs.topLevelItemCount() == 1, timeout=10_000)
    storyboard_run = panel.runs.topLevelItem(0).text(0)
    if window.document.is_modified():
        answer_next_box(QtWidgets.QMessageBox.StandardButton.Discard)
    window.new_file()  # another graph: no runs of its own
    window.bridge.add_node("text", (0.0, 0.0), {"text": "a new idea"})
    panel.refresh()
    assert panel.runs.topLevelItemCount() == 0
    assert panel.scope.text() == "Runs of this graph"
    panel.all_graphs.setChecked(True)
    assert [row[0] for row in rows(panel.runs)] == [storyboard_run]
    assert panel.scope.text() == "Runs of every graph"
    panel.all_graphs.setChecked(False)
    assert panel.runs.topLevelItemCount() == 0
