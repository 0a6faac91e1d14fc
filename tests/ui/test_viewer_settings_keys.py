"""The result viewer, the settings dialog, keyboard shortcuts and starting the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtTest import QTest

from canvastoon_desktop.core.settings import Settings
from canvastoon_desktop.ui.result_viewer import ImageView, TextView, VideoView
from canvastoon_desktop.ui.settings_dialog import SettingsDialog
from tests.support.shown import answer_next_box, shown_dialog
from tests.ui.uihelpers import copy_example, make_workspace, wait_plan, wait_run


@pytest.fixture
def ran(qtbot: Any, window: Any, tmp_path: Path) -> Any:
    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    assert window.open_file(path)
    wait_plan(qtbot, window)
    window.run_all()
    assert wait_run(qtbot, window).status == "done"
    return window


def test_double_click_opens_images_videos_and_texts(qtbot: Any, ran: Any) -> None:
    window = ran
    viewer = window.open_result("card")
    view = viewer.tabs.widget(0)
    assert isinstance(view, ImageView)
    qtbot.waitUntil(lambda: view.loaded, timeout=10_000)
    assert view.item.pixmap().height() == 1280  # the whole image, not the thumbnail
    before = view.transform().m11()
    view.wheelEvent(
        QtGui.QWheelEvent(  # the wheel zooms
            QtCore.QPointF(50, 50),
            QtCore.QPointF(50, 50),
            QtCore.QPoint(0, 0),
            QtCore.QPoint(0, 240),
            QtCore.Qt.MouseButton.NoButton,
            QtCore.Qt.KeyboardModifier.NoModifier,
            QtCore.Qt.ScrollPhase.NoScrollPhase,
            False,
        )
    )
    assert view.transform().m11() > before
    viewer.close()

    video = window.open_result("clip").tabs.widget(0)
    assert isinstance(video, VideoView)
    if video.player is not None:
        qtbot.waitUntil(lambda: video.player.duration() > 0, timeout=15_000)
        assert abs(video.player.duration() - 3000) < 300  # the 3 s pan & zoom
        video.player.setPosition(1500)  # scrubbing
        qtbot.waitUntil(lambda: video.slider.value() >= 1000, timeout=10_000)
    video.window().close()

    text = window.open_result("image_prompt").tabs.widget(0)
    assert isinstance(text, TextView)
    qtbot.waitUntil(lambda: text.toPlainText() != "loading…", timeout=10_000)
    assert len(text.toPlainText()) > 20 and text.isReadOnly()
    text.window().close()

    # a node's double-click reaches the same viewer
    window.bridge.node_activated.emit("cleanup")
    assert window._viewers[-1].windowTitle() == "Cleanup"
    assert window._viewers[-1].isVisible()


@pytest.mark.slow
def test_settings_are_saved_and_applied(
    qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from canvastoon_desktop.core.secrets import KeyStore
    from canvastoon_desktop.providers import ProviderSetup

    monkeypatch.setenv("AIML_API_KEY", "sk-from-the-environment-1234")
    window = make_window(make_workspace(tmp_path / "ws", setup=ProviderSetup(keys=KeyStore())))
    window.open_settings()
    dialog = shown_dialog(qtbot, SettingsDialog)
    aiml = dialog.key_rows["aiml"].status.text()
    assert "from the environment" in aiml and "1234" not in aiml  # masked
    assert dialog.key_rows["replicate"].status.text() == "not set"
    dialog.per_run.setValue(2.5)
    dialog.confirm_over.setValue(dialog.confirm_over.minimum())  # no limit
    dialog.concurrency["replicate"].setValue(3)
    dialog.replicate_url.setText("http://127.0.0.1:8787")
    dialog.accept()
    executor = window.workspace.executor
    assert executor.budget.per_run == 2.5 and executor.budget.confirm_over is None
    assert executor.limits["replicate"] == 3
    saved = json.loads(Settings.path().read_text("utf-8"))
    assert saved["budget_per_run_usd"] == 2.5 and saved["concurrency"]["replicate"] == 3
    assert saved["replicate_base_url"] == "http://127.0.0.1:8787"
    assert "sk-from-the-environment" not in Settings.path().read_text("utf-8")


@pytest.mark.slow
def test_settings_say_when_no_keyring_exists(qtbot: Any, window: Any) -> None:
    window.open_settings()
    dialog = shown_dialog(qtbot, SettingsDialog)
    text = dialog.tabs.widget(0).findChildren(QtWidgets.QLabel)[0].text()
    assert "no OS keyring" in text  # the tests run with the null keyring backend
    assert not dialog.key_rows["aiml"].save_button.isEnabled()
    dialog.reject()


def test_keyboard_shortcuts(qtbot: Any, ran: Any) -> None:
    window = ran
    viewer = window.viewer
    viewer.setFocus()
    qtbot.waitUntil(viewer.hasFocus, timeout=10_000)
    graph = window.document.graph
    window.bridge.select(["export"])
    QTest.keyClick(viewer, QtCore.Qt.Key.Key_Delete)
    assert "export" not in graph.nodes
    QTest.keyClick(viewer, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert "export" in graph.nodes
    window.bridge.select(["idea"])
    QTest.keyClick(viewer, QtCore.Qt.Key.Key_D, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert len(graph) == 8
    QTest.keyClick(viewer, QtCore.Qt.Key.Key_Tab)
    assert window.palette.search.hasFocus()
    viewer.setFocus()
    count = len(window.runner.records)
    QTest.keyClick(window, QtCore.Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(window.runner.records) == count + 1, timeout=10_000)
    QTest.keyClick(window, QtCore.Qt.Key.Key_Escape)  # cancel (it may have finished)
    qtbot.waitUntil(lambda: window.runner.active is None, timeout=20_000)


def test_the_app_opens_files_given_on_the_command_line(
    qtbot: Any, event_loop_qt: Any, tmp_path: Path
) -> None:
    from canvastoon_desktop.ui.app import open_windows

    path = copy_example("offline_storyboard.ctoon", tmp_path / "graphs")
    workspace = make_workspace(tmp_path / "ws")
    windows = open_windows(workspace, [str(path)])
    try:
        assert len(windows) == 1 and windows[0].isVisible()
        assert windows[0].document.path == path
        assert len(windows[0].document.graph) == 7
    finally:
        for window in windows:
            if window.document.is_modified():
                answer_next_box(QtWidgets.QMessageBox.StandardButton.Discard)
            window.close()
        workspace.close()
