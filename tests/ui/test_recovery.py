"""Crash recovery: every document — untitled ones too — is autosaved shortly after each
edit, and the next launch after a kill offers all of them at once; an editor still running
keeps its autosaves to itself."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from canvastoon_desktop.core.fileformat import load_graph
from canvastoon_desktop.ui import recovery
from canvastoon_desktop.ui.app import open_windows
from canvastoon_desktop.ui.dialogs import RecoveryDialog
from tests.support.shown import answer_next_box, shown_dialog
from tests.ui.uihelpers import copy_example, make_workspace, pretend_the_app_died


def _kill(window: Any) -> None:
    """The window stops the way a killed process does: no prompt, no clean-up."""
    window.document.flush_autosave()
    window._closing = True
    window.runner.close()


@pytest.mark.slow
def test_an_untitled_graph_is_autosaved_shortly_after_each_edit(qtbot: Any, window: Any) -> None:
    node = window.bridge.add_node("text", (0.0, 0.0), {"text": "first idea"})
    side = window.document.autosave_file()
    qtbot.waitUntil(side.exists, timeout=10_000)  # no 30 s to wait: soon after the edit
    window.document.flush_autosave()
    assert node in load_graph(side, window.registry).nodes
    window.document.graph.set_param(node, "text", "second idea")
    qtbot.waitUntil(
        lambda: load_graph(side, window.registry).nodes[node].params["text"] == "second idea",
        timeout=10_000,
    )


@pytest.mark.slow
def test_after_a_kill_the_next_launch_offers_every_unsaved_document(
    qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: Any, event_loop_qt: Any
) -> None:
    untitled = make_window()
    idea = untitled.bridge.add_node("text", (0.0, 0.0), {"text": "never saved"})
    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    mine = make_window()
    assert mine.open_file(path)
    extra = mine.bridge.add_node("text", (0.0, 500.0), {"text": "added after the save"})
    for window in (untitled, mine):
        qtbot.waitUntil(window.document.autosave_file().exists, timeout=10_000)
        _kill(window)
    pretend_the_app_died(monkeypatch)

    workspace = make_workspace(tmp_path / "ws-next")
    windows = open_windows(workspace, [])  # the next launch
    opened: list[Any] = list(windows)
    try:
        offer = shown_dialog(qtbot, RecoveryDialog, of=windows[0])
        assert {f.name for f in offer.found} == {"Untitled", "offline_storyboard.ctoon"}
        offer.recover_button.click()
        first = windows[0]
        qtbot.waitUntil(lambda: len(first._siblings) == 1, timeout=10_000)
        opened += first._siblings
        recovered = {w.document.path: w for w in opened}
        assert idea in recovered[None].document.graph.nodes
        assert extra in recovered[path].document.graph.nodes
        assert all(w.isWindowModified() for w in recovered.values())  # unsaved, still
        assert recovered[path].save()
        assert extra in load_graph(path, workspace.registry).nodes
        assert recovery.recoverable() == []  # nothing left over: saved, or still open here
    finally:
        for window in opened:
            if window.document.is_modified():
                answer_next_box(QtWidgets.QMessageBox.StandardButton.Discard)
            window.close()
        workspace.close()


@pytest.mark.slow
def test_decide_later_keeps_the_autosaves_and_discard_removes_them(
    qtbot: Any, make_window: Any, monkeypatch: Any
) -> None:
    lost = make_window()
    lost.bridge.add_node("text", (0.0, 0.0), {"text": "keep me for later"})
    qtbot.waitUntil(lost.document.autosave_file().exists, timeout=10_000)
    _kill(lost)
    pretend_the_app_died(monkeypatch)
    window = make_window()
    window.offer_recovery_at_launch()
    shown_dialog(qtbot, RecoveryDialog).later_button.click()
    assert len(recovery.recoverable()) == 1 and len(window.document.graph) == 0
    window.offer_recovery_at_launch()
    shown_dialog(qtbot, RecoveryDialog).discard_button.click()
    assert recovery.recoverable() == []


def test_a_running_editor_keeps_its_autosaves_to_itself(tmp_path: Path) -> None:
    """Another process with a document open: its autosave is not offered as a crash's."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from canvastoon_desktop.ui import recovery
        recovery.write(recovery.side_file(None, "other"), "{}", None, "Open elsewhere")
        print("ready", flush=True)
        sys.stdin.readline()
        """
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "ready"
        assert recovery.recoverable() == []  # it still runs
    finally:
        other.communicate("bye\n", timeout=30)
    gone = recovery.recoverable()  # it ended without cleaning up: now it is a crash's
    assert [r.name for r in gone] == ["Open elsewhere"]
