"""Changing the library folder in Settings switches the editor to it at once: quotes, the
cache, the runs history and new results follow the new folder; nothing is moved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from canvastoon_desktop.core.library import Library, RunNode
from canvastoon_desktop.ui.settings_dialog import SettingsDialog
from tests.support.shown import shown_dialog
from tests.ui.uihelpers import (
    copy_example,
    make_workspace,
    run_offline_example,
    wait_plan,
    wait_run,
)


@pytest.fixture(autouse=True)
def _no_library_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CANVASTOON_LIBRARY", raising=False)  # the setting decides


def choose_library(qtbot: Any, window: Any, folder: Path | str) -> SettingsDialog:
    window.open_settings()
    dialog = shown_dialog(qtbot, SettingsDialog)
    dialog.library_dir.setText(str(folder))
    dialog.accept()
    return dialog


def model_nodes(window: Any) -> list[str]:
    graph = window.document.graph
    return [
        n for n in graph.nodes if graph.node_type(n).cacheable and not graph.node_type(n).is_source
    ]


def run_again(qtbot: Any, window: Any) -> dict[str, str]:
    count = len(window.runner.records)
    wait_plan(qtbot, window)
    window.run_all()
    qtbot.waitUntil(lambda: len(window.runner.records) == count + 1, timeout=10_000)
    record = wait_run(qtbot, window)
    assert record.status == "done", record.problems
    return {n: record.summary.nodes[n].status for n in model_nodes(window)}


@pytest.mark.slow
def test_a_new_library_folder_is_used_at_once_and_the_old_one_is_kept(
    qtbot: Any, make_window: Any, tmp_path: Path
) -> None:
    earlier = Library(tmp_path / "ws" / "library")  # a run of an earlier session
    earlier.begin_run("e0e0e0e0", graph_id=None, graph_path=None, graph_name="Yesterday")
    earlier.finish_run(
        "e0e0e0e0", "failed", 0.0, [RunNode("gone", "Old card", "failed", 0.0, "the model refused")]
    )
    earlier.close()
    window = make_window(make_workspace(tmp_path / "ws"))
    first = window.workspace.library.root
    run_offline_example(qtbot, window, tmp_path)
    assert set(run_again(qtbot, window).values()) == {"cached"}

    window.open_library()
    gallery = window._viewers[-1]
    qtbot.waitExposed(gallery)

    second = tmp_path / "elsewhere" / "library"
    choose_library(qtbot, window, second)
    assert not gallery.isVisible()  # it showed the folder just left
    assert window.workspace.library.root == second
    assert window.workspace.executor.library is window.workspace.library
    assert window.loader.library is window.workspace.library
    qtbot.waitUntil(lambda: window.runs_panel.history == [], timeout=10_000)
    wait_plan(qtbot, window)
    assert "cached" not in window.quote_label.text()  # nothing of the old folder is here
    assert set(run_again(qtbot, window).values()) == {"done"}
    assert (second / "library.sqlite").is_file()

    choose_library(qtbot, window, first)  # back: the first folder's cache is all still there
    assert window.workspace.library.root == first
    panel = window.runs_panel
    panel.all_graphs.setChecked(True)  # "Yesterday" was a run of another graph

    def yesterday() -> QtWidgets.QTreeWidgetItem | None:
        items = (panel.runs.topLevelItem(i) for i in range(panel.runs.topLevelItemCount()))
        return next((item for item in items if "Yesterday" in item.text(0)), None)

    qtbot.waitUntil(lambda: yesterday() is not None, timeout=10_000)
    assert len(panel.history) == 3
    panel.runs.setCurrentItem(yesterday())  # its nodes are read from the library now in use
    qtbot.waitUntil(lambda: panel.nodes.topLevelItemCount() > 0, timeout=10_000)
    row = panel.nodes.topLevelItem(0)
    assert [row.text(c) for c in range(4)] == ["Old card", "failed", "", "the model refused"]
    assert set(run_again(qtbot, window).values()) == {"cached"}


@pytest.mark.slow
def test_a_folder_that_cannot_be_a_library_leaves_everything_as_it_was(
    qtbot: Any, make_window: Any, tmp_path: Path
) -> None:
    window = make_window(make_workspace(tmp_path / "ws"))
    library = window.workspace.library
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    choose_library(qtbot, window, blocker / "library")
    assert window.workspace.library is library and library.root.is_dir()
    box = shown_dialog(qtbot, QtWidgets.QMessageBox)
    assert "Library folder not changed" in box.windowTitle()
    assert str(library.root) in box.informativeText()
    assert window.settings.library_dir is None  # the setting is not left pointing there


@pytest.mark.slow
def test_the_library_folder_cannot_be_changed_during_a_run(
    qtbot: Any, make_window: Any, tmp_path: Path
) -> None:
    window = make_window(make_workspace(tmp_path / "ws"))
    assert window.open_file(copy_example("offline_storyboard.ctoon", tmp_path / "graphs"))
    wait_plan(qtbot, window)
    window.run_all()  # a first run: it renders and encodes for a second or more
    qtbot.waitUntil(lambda: window.runner.active is not None, timeout=10_000)
    window.open_settings()
    dialog = shown_dialog(qtbot, SettingsDialog)
    assert not dialog.library_dir.isEnabled()
    assert "once the current run ends" in dialog.library_note.text()
    dialog.reject()
    wait_run(qtbot, window)
